/**
 * The account rows of CONTRACT.md against the example app as a real process, on SQLite and on
 * PostgreSQL: login (and its one message for every failure), logout, password change, the
 * password reset through a real SMTP server on loopback, re-authentication (fresh and stale),
 * session expiry, and the email change behind the current password.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { HTML, HttpClient, JSON_ACCEPT } from './support/client.js';
import { type ExampleDb, openExampleDb } from './support/db.js';
import { DEMO_PASSWORD, type ExampleProcess, exampleEnv, startExample } from './support/example-process.js';
import { type LoopbackSmtp, resetLink, startSmtp } from './support/smtp.js';

const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

for (const database of testDatabases()) {
  describe(`the example app's account views over HTTP (${database.label})`, () => {
    let fresh: FreshDatabase;
    let smtp: LoopbackSmtp;
    let server: ExampleProcess;
    let db: ExampleDb;
    const client = (accept = HTML): HttpClient => new HttpClient(server.url, accept);

    beforeAll(async () => {
      smtp = await startSmtp();
      fresh = await freshDatabaseUrl(database.kind);
      server = await startExample(exampleEnv(fresh.url, { EMAIL_URL: smtp.url }));
      db = await openExampleDb(fresh.url);
    });

    afterAll(async () => {
      await db?.close();
      const code = await server?.stop();
      await smtp?.close();
      await fresh?.drop();
      expect(code).toBe(0);
    });

    test('login: the form, a safe next, an unsafe next, and one message for every failure', async () => {
      const browser = client();
      const form = await browser.request('/accounts/login/?next=/invoices/');
      expect(form.status).toBe(200);
      expect(form.body).toMatch(/name="csrfmiddlewaretoken" value="[A-Za-z0-9_-]{86}"/);
      expect(form.body).toContain('name="username"');
      expect(form.body).toContain('name="next" value="/invoices/"');

      const failures = [
        { username: 'alice', password: 'not her password' },
        { username: 'nobody', password: DEMO_PASSWORD },
        { username: 'inactive', password: DEMO_PASSWORD },
      ];
      const bodies: string[] = [];
      for (const attempt of failures) {
        const res = await client().submit('/accounts/login/', attempt);
        expect(res.status, attempt.username).toBe(200);
        expect(res.body, attempt.username).toContain(INVALID_LOGIN);
        bodies.push(res.body.replace(/value="[^"]*"/g, ''));
      }
      // The same page, bar the echoed username.
      expect(new Set(bodies.map((b) => b.replace(/alice|nobody|inactive/g, ''))).size).toBe(1);

      const safe = await client().submit('/accounts/login/?next=/invoices/', { username: 'fin', password: DEMO_PASSWORD, next: '/invoices/' });
      expect(safe.status).toBe(302);
      expect(safe.location).toBe('/invoices/');
      const unsafe = await client().submit('/accounts/login/', { username: 'fin', password: DEMO_PASSWORD, next: 'https://evil.example/' });
      expect(unsafe.location).toBe('/dashboard/');
      const plain = await client().submit('/accounts/login/', { username: 'fin', password: DEMO_PASSWORD });
      expect(plain.location).toBe('/dashboard/');
    });

    test('logout: POST only; it ends the session and goes to the login page', async () => {
      const browser = client();
      await browser.login('bob', DEMO_PASSWORD);
      const get = await browser.request('/accounts/logout/');
      expect(get.status).toBe(405);
      expect((await browser.request('/dashboard/')).status).toBe(200);
      const out = await browser.post('/accounts/logout/');
      expect(out.status).toBe(302);
      expect(out.location).toBe('/accounts/login/');
      const after = await browser.request('/dashboard/');
      expect(after.status).toBe(302);
      expect(after.location).toBe('/accounts/login/?next=/dashboard/');
    });

    test('password change: this session stays, the user’s other sessions end', async () => {
      expect((await client().request('/accounts/password_change/')).location).toBe('/accounts/login/?next=/accounts/password_change/');
      const here = client();
      const elsewhere = client();
      await here.login('ops', DEMO_PASSWORD);
      await elsewhere.login('ops', DEMO_PASSWORD);
      const wrong = await here.submit('/accounts/password_change/', {
        old_password: 'nope',
        new_password1: 'ops new passphrase 2',
        new_password2: 'ops new passphrase 2',
      });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toContain('Your old password was entered incorrectly');
      const changed = await here.submit('/accounts/password_change/', {
        old_password: DEMO_PASSWORD,
        new_password1: 'ops new passphrase 2',
        new_password2: 'ops new passphrase 2',
      });
      expect(changed.status).toBe(302);
      expect(changed.location).toBe('/accounts/password_change/done/');
      expect((await here.request('/dashboard/')).status).toBe(200);
      expect((await elsewhere.request('/dashboard/')).status).toBe(302);
      expect((await client().submit('/accounts/login/', { username: 'ops', password: DEMO_PASSWORD })).status).toBe(200);
      expect((await client().submit('/accounts/login/', { username: 'ops', password: 'ops new passphrase 2' })).status).toBe(302);
    });

    test('re-authentication: the form, a wrong password, then back to a safe next', async () => {
      const fin = client();
      await fin.login('fin', DEMO_PASSWORD);
      expect((await client().request('/accounts/reauth/')).location).toBe('/accounts/login/?next=/accounts/reauth/');
      const form = await fin.request('/accounts/reauth/?next=/reports/export/');
      expect(form.status).toBe(200);
      expect(form.body).toContain('name="next" value="/reports/export/"');
      const wrong = await fin.post('/accounts/reauth/?next=/reports/export/', { password: 'wrong', next: '/reports/export/' });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toContain('Your password was entered incorrectly');
      const ok = await fin.post('/accounts/reauth/', { password: DEMO_PASSWORD, next: '/reports/export/' });
      expect(ok.status).toBe(302);
      expect(ok.location).toBe('/reports/export/');
      await fin.request('/dashboard/');
      const evil = await fin.post('/accounts/reauth/', { password: DEMO_PASSWORD, next: '//evil.example/' });
      expect(evil.location).toBe('/dashboard/');
    });

    test('the email change needs the current password; a wrong one changes nothing', async () => {
      expect((await client().request('/account/email/', { form: { email: 'x@example.com', password: DEMO_PASSWORD } })).location).toBe(
        '/accounts/login/?next=/account/email/',
      );
      const alice = client();
      await alice.login('alice', DEMO_PASSWORD);
      const page = await alice.request('/account/email/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('alice@example.com');

      const wrong = await alice.post('/account/email/', { email: 'alice.new@example.com', password: 'not my password' });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toContain('Your password was entered incorrectly');
      expect(await db.email('alice')).toBe('alice@example.com');

      const noToken = await alice.request('/account/email/', { form: { email: 'alice.new@example.com', password: DEMO_PASSWORD } });
      expect(noToken.status).toBe(403);
      expect(await db.email('alice')).toBe('alice@example.com');

      await alice.request('/account/email/');
      const invalid = await alice.post('/account/email/', { email: 'not an address', password: DEMO_PASSWORD });
      expect(invalid.status).toBe(200);
      expect(invalid.body).toContain('Enter a valid email address.');
      const taken = await alice.post('/account/email/', { email: 'BOB@example.com', password: DEMO_PASSWORD });
      expect(taken.status).toBe(200);
      expect(await db.email('alice')).toBe('alice@example.com');

      const ok = await alice.post('/account/email/', { email: 'alice.new@example.com', password: DEMO_PASSWORD });
      expect(ok.status).toBe(302);
      expect(ok.location).toBe('/account/email/?changed=1');
      expect(await db.email('alice')).toBe('alice.new@example.com');
      expect((await alice.request('/account/email/?changed=1')).body).toContain('Your email address was changed.');

      // As an API client: JSON in, JSON out, the token in the header.
      const api = new HttpClient(server.url, JSON_ACCEPT);
      await api.login('alice', DEMO_PASSWORD);
      await api.request('/dashboard/', { headers: { accept: HTML } });
      const bad = await api.request('/account/email/', { json: { email: 'a3@example.com', password: 'nope' }, headers: { 'x-csrftoken': api.csrf } });
      expect(bad.status).toBe(200);
      expect(bad.json()).toMatchObject({ error: 'invalid', email: 'alice.new@example.com' });
      const good = await api.request('/account/email/', {
        json: { email: 'alice@example.com', password: DEMO_PASSWORD },
        headers: { 'x-csrftoken': api.csrf },
      });
      expect(good.json()).toEqual({ email: 'alice@example.com' });
    });

    test('password reset through SMTP: only active users with a usable password get mail; the link works once and ends every session', async () => {
      const bobElsewhere = client();
      await bobElsewhere.login('bob', DEMO_PASSWORD);
      // Earlier tests changed passwords, and each change was announced by mail: count from here.
      const before = smtp.messages.length;
      for (const email of ['nobody@example.com', 'inactive@example.com', 'not-an-address']) {
        const res = await client().submit('/accounts/password_reset/', { email });
        expect(res.status, email).toBe(302);
        expect(res.location, email).toBe('/accounts/password_reset/done/');
      }
      const requested = await client().submit('/accounts/password_reset/', { email: 'BOB@example.com' });
      expect(requested.location).toBe('/accounts/password_reset/done/');
      const mail = await smtp.waitFor((m) => m.to.includes('bob@example.com'));
      await sleep(300);
      expect(smtp.messages.slice(before).map((m) => m.to.join(','))).toEqual(['bob@example.com']);
      expect(mail.raw).toMatch(/^Subject: Password reset on Billing/m);
      const link = resetLink(mail);
      expect(new URL(link).origin).toBe(server.url);

      const browser = client();
      const opened = await browser.request(new URL(link).pathname);
      expect(opened.status).toBe(302);
      expect(opened.location).toMatch(/^\/accounts\/reset\/[A-Za-z0-9_-]+\/set-password\/$/);
      expect((await browser.request(opened.location!)).status).toBe(200);
      const mismatch = await browser.post(opened.location!, { new_password1: 'bob brand new 77', new_password2: 'something else 77' });
      expect(mismatch.status).toBe(200);
      const done = await browser.post(opened.location!, { new_password1: 'bob brand new 77', new_password2: 'bob brand new 77' });
      expect(done.status).toBe(302);
      expect(done.location).toBe('/accounts/reset/done/');
      // The example hands its mailer to the plugin, which hands it to the core: the reset is announced.
      const notice = await smtp.waitFor((m) => m.to.includes('bob@example.com') && /^Subject: Your password on Billing was changed/m.test(m.raw));
      expect(notice.raw).not.toContain('bob brand new 77');

      expect((await bobElsewhere.request('/dashboard/')).status).toBe(302);
      expect((await client().submit('/accounts/login/', { username: 'bob', password: DEMO_PASSWORD })).status).toBe(200);
      expect((await client().submit('/accounts/login/', { username: 'bob', password: 'bob brand new 77' })).status).toBe(302);
      const reused = await client().request(new URL(link).pathname);
      expect(reused.status).toBe(200);
      expect(reused.body).toContain('The password reset link was invalid');
      const forged = await client().request('/accounts/reset/Mg/abc-0123456789abcdef/');
      expect(forged.status).toBe(200);
      expect(forged.body).toContain('The password reset link was invalid');
    });

    test('a second instance with short limits: a stale password check sends to /accounts/reauth/, and sessions end at SESSION_MAX_AGE', async () => {
      // Same database, another process: nothing is re-seeded, and sessions work across both.
      const short = await startExample(exampleEnv(fresh.url, { REAUTH_MAX_AGE: '1', SESSION_MAX_AGE: '4' }));
      try {
        expect(short.stdout.join('\n')).not.toContain('filled with the demo data');
        const fin = new HttpClient(short.url, HTML);
        const alice = new HttpClient(short.url, HTML);
        await Promise.all([fin.login('fin', DEMO_PASSWORD), alice.login('alice', DEMO_PASSWORD)]);
        // Taken once both logins answered: the sessions began before it, so every wait below is
        // long enough however slow the logins were (a loaded machine made them slow).
        const loggedInAt = Date.now();
        await sleep(Math.max(0, loggedInAt + 2100 - Date.now()));
        const stale = await fin.request('/reports/export/');
        expect(stale.status).toBe(302);
        expect(stale.location).toBe('/accounts/reauth/?next=/reports/export/');
        const api = new HttpClient(short.url, JSON_ACCEPT);
        api.cookies.set('sessionid', fin.cookies.get('sessionid')!);
        const staleApi = await api.request('/reports/export/');
        expect(staleApi.status).toBe(401);
        expect(staleApi.json().error).toBe('reauthentication_required');
        // Someone without the permission hears 403, not "confirm your password"; and is active.
        expect((await alice.request('/reports/export/')).status).toBe(403);
        expect((await alice.request('/dashboard/')).status).toBe(200);

        await fin.request(stale.location!);
        const confirmed = await fin.post('/accounts/reauth/', { password: DEMO_PASSWORD, next: '/reports/export/' });
        expect(confirmed.location).toBe('/reports/export/');
        expect((await fin.request('/reports/export/')).status).toBe(200);
        // alice's session dies 4 s after her login, however busy it has been.
        await sleep(Math.max(0, loggedInAt + 4600 - Date.now()));
        const expired = await alice.request('/dashboard/');
        expect(expired.status).toBe(302);
        expect(expired.location).toBe('/accounts/login/?next=/dashboard/');
      } finally {
        expect(await short.stop()).toBe(0);
      }
    });
  });
}
