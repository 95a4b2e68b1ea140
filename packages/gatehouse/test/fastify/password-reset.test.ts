/**
 * Password reset: the same answer for every address, mail only to eligible users (after the
 * response), the token moved out of the URL, one use only, every session ended, and links built
 * only from a trusted origin.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uidToBase64 } from '../../src/core/tokens.js';
import { authenticated } from '../../src/fastify/index.js';
import type { MailMessage } from '../../src/mail/index.js';
import { Client, PASSWORD, type TestApp, buildApp } from './helpers.js';

const NEW_PASSWORD = 'a brand new Passphrase 7';

/** The reset link's path from a mail body. */
function linkPath(text: string): string {
  const match = /https?:\/\/[^/\s]+(\/accounts\/reset\/[^\s]+\/)/.exec(text);
  if (!match?.[1]) throw new Error(`no reset link in:\n${text}`);
  return match[1];
}

describe('password reset', () => {
  let h: TestApp;

  beforeAll(async () => {
    h = await buildApp({
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
    const nopass = await h.t.gatehouse.accounts.createUser({ username: 'nopass', email: 'nopass@example.com' });
    h.users.nopass = nopass;
    await h.t.gatehouse.accounts.createUser({ username: 'Mixed', email: 'Mixed.Case@Example.com', password: PASSWORD });
  });
  afterAll(async () => h.close());

  async function requestReset(email: string, headers: Record<string, string> = {}) {
    const client = Client.inject(h.app);
    const res = await client.submit('/accounts/password_reset/', { email }, '/accounts/password_reset/', headers);
    await h.app.gatehouseTasks.settled();
    return { client, res };
  }

  test('the form renders', async () => {
    const res = await Client.inject(h.app).request('/accounts/password_reset/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('name="email"');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('every address gets the same answer; mail goes only to active users with a usable password', async () => {
    h.mailer.clear();
    const answers: string[] = [];
    for (const email of [
      'alice@example.com',
      'nobody@example.com',
      'inactive@example.com',
      'nopass@example.com',
      '',
      'not an address',
      'alice@example.com\r\nBcc: evil@example.com',
      'x'.repeat(300),
    ]) {
      const { res } = await requestReset(email);
      const cookieNames = ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split('=')[0]);
      answers.push(JSON.stringify([res.status, res.location, cookieNames, res.body]));
    }
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!).slice(0, 2)).toEqual([302, '/accounts/password_reset/done/']);
    expect(h.mailer.outbox.map((m) => m.to)).toEqual([['alice@example.com']]);
  });

  test('the address is matched without regard to case, and the mail goes to the stored address', async () => {
    h.mailer.clear();
    await requestReset('MIXED.case@EXAMPLE.COM');
    expect(h.mailer.outbox.map((m) => m.to)).toEqual([['Mixed.Case@example.com']]);
    const mail = h.mailer.outbox[0]!;
    expect(mail.subject).toBe('Password reset on Billing');
    expect(mail.text).toContain("Your username, in case you've forgotten: Mixed");
    expect(mail.from).toBe('webmaster@localhost');
  });

  test('the answer does not wait for the mail', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: MailMessage[] = [];
    const slow = await buildApp({
      plugin: {
        mailer: {
          send: async (message: MailMessage) => {
            await gate;
            sent.push(message);
          },
        },
      },
    });
    const started = Date.now();
    const res = await Client.inject(slow.app).submit('/accounts/password_reset/', { email: 'alice@example.com' });
    expect(res.status).toBe(302);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sent).toEqual([]);
    release();
    await slow.app.gatehouseTasks.settled();
    expect(sent.map((m) => m.to)).toEqual([['alice@example.com']]);
    await slow.close();
  });

  test('a failing mailer is logged, never shown', async () => {
    const broken = await buildApp({ plugin: { mailer: { send: async () => Promise.reject(new Error('smtp down')) } } });
    const res = await Client.inject(broken.app).submit('/accounts/password_reset/', { email: 'alice@example.com' });
    expect(res.status).toBe(302);
    await broken.app.gatehouseTasks.settled();
    expect(broken.logs.some((l) => l.msg === 'gatehouse background task failed')).toBe(true);
    await broken.close();
  });

  describe('the link', () => {
    test('moves the token into the session, then the whole flow works once', async () => {
      const loggedIn = Client.inject(h.app);
      await loggedIn.login('bob');
      h.mailer.clear();
      await requestReset('bob@example.com');
      const path = linkPath(h.mailer.outbox[0]!.text);
      const uid = uidToBase64(h.users.bob!.id);
      expect(path.startsWith(`/accounts/reset/${uid}/`)).toBe(true);

      const browser = Client.inject(h.app);
      const opened = await browser.request(path);
      expect(opened.status).toBe(302);
      expect(opened.headers['referrer-policy']).toBe('no-referrer');
      expect(opened.location).toBe(`/accounts/reset/${uid}/set-password/`);
      const token = path.split('/')[4]!;
      expect(opened.location).not.toContain(token);
      expect(browser.session()).toBeDefined();

      const form = await browser.request(opened.location!);
      expect(form.status).toBe(200);
      expect(form.body).toContain('name="new_password1"');
      expect(form.body).not.toContain(token);

      const mismatch = await browser.request(opened.location!, {
        form: { csrfmiddlewaretoken: browser.lastToken, new_password1: NEW_PASSWORD, new_password2: 'other' },
      });
      expect(mismatch.body).toContain('didn’t match');
      const weak = await browser.request(opened.location!, {
        form: { csrfmiddlewaretoken: browser.lastToken, new_password1: '12345678', new_password2: '12345678' },
      });
      expect(weak.body).toMatch(/too common|entirely numeric/);

      const done = await browser.request(opened.location!, {
        form: { csrfmiddlewaretoken: browser.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
      });
      expect(done.status).toBe(302);
      expect(done.location).toBe('/accounts/reset/done/');
      expect(browser.session()).toBeUndefined();
      expect((await browser.request('/accounts/reset/done/')).body).toContain('Password reset complete');

      expect(await h.t.gatehouse.authenticate({ username: 'bob', password: NEW_PASSWORD })).not.toBeNull();
      expect(await h.t.gatehouse.authenticate({ username: 'bob', password: PASSWORD })).toBeNull();
      expect((await loggedIn.request('/dashboard/')).status).toBe(302);
      expect((await h.t.gatehouse.audit.list({ action: 'auth.password_reset' })).some((e) => e.target === 'bob')).toBe(true);

      // Used once: the link, and the set-password page, are now invalid.
      const again = await Client.inject(h.app).request(path);
      expect(again.status).toBe(200);
      expect(again.body).toContain('The password reset link was invalid');
      const replay = Client.inject(h.app);
      expect((await replay.request(opened.location!)).body).toContain('was invalid');
    });

    test('logging in drops a pending reset token from the session', async () => {
      h.mailer.clear();
      await requestReset('fin@example.com');
      const browser = Client.inject(h.app);
      const opened = await browser.request(linkPath(h.mailer.outbox[0]!.text));
      const anonymousSession = browser.session();
      await browser.login('fin');
      expect(browser.session()).not.toBe(anonymousSession);
      const data = (await h.t.gatehouse.sessions.load(browser.session()!))!.record.data;
      expect(Object.keys(data)).toEqual(['reauthAt']);
      expect((await browser.request(opened.location!)).body).toContain('was invalid');
    });

    test('forged, malformed, or foreign links are invalid (200 page, never an error)', async () => {
      const uid = uidToBase64(h.users.alice!.id);
      for (const path of [
        `/accounts/reset/${uid}/1-${'0'.repeat(64)}/`,
        `/accounts/reset/${uid}/garbage/`,
        '/accounts/reset/AAAA/1-abc/',
        `/accounts/reset/${uidToBase64(999999)}/1-${'a'.repeat(64)}/`,
        `/accounts/reset/${encodeURIComponent('é<script>')}/x/`,
        `/accounts/reset/${uid}/${'z'.repeat(90)}/`,
      ]) {
        const res = await Client.inject(h.app).request(path);
        expect(res.status, path).toBe(200);
        expect(res.body).toContain('The password reset link was invalid');
        expect(res.body).not.toContain('<script>');
      }
    });

    test('expired links are invalid', async () => {
      h.mailer.clear();
      await requestReset('sam@example.com');
      const path = linkPath(h.mailer.outbox[0]!.text);
      h.t.clock.advance((h.t.gatehouse.config.passwordResetTimeout + 1) * 1000);
      expect((await Client.inject(h.app).request(path)).body).toContain('was invalid');
    });

    test('a login in between kills the link', async () => {
      h.mailer.clear();
      await requestReset('ops@example.com');
      const path = linkPath(h.mailer.outbox[0]!.text);
      h.t.clock.advance(2000);
      await Client.inject(h.app).login('ops');
      expect((await Client.inject(h.app).request(path)).body).toContain('was invalid');
    });

    test('the set-password page needs the token in this session, for this user', async () => {
      h.mailer.clear();
      await requestReset('root@example.com');
      const path = linkPath(h.mailer.outbox[0]!.text);
      const holder = Client.inject(h.app);
      await holder.request(path);
      // A different browser (no token in its session) gets the invalid page.
      const other = Client.inject(h.app);
      expect((await other.request(`/accounts/reset/${uidToBase64(h.users.root!.id)}/set-password/`)).body).toContain('was invalid');
      // The holder's session does not unlock another user's page.
      expect((await holder.request(`/accounts/reset/${uidToBase64(h.users.alice!.id)}/set-password/`)).body).toContain('was invalid');
      await holder.request('/accounts/password_reset/'); // a fresh CSRF token
      const post = await holder.request(`/accounts/reset/${uidToBase64(h.users.alice!.id)}/set-password/`, {
        form: { csrfmiddlewaretoken: holder.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
      });
      expect(post.body).toContain('was invalid');
      expect(await h.t.gatehouse.authenticate({ username: 'alice', password: PASSWORD })).not.toBeNull();
    });
  });
});

describe('reset link origin', () => {
  test('siteUrl is used when given, whatever (allowed) Host the request came with; a forged Host gets 400 and no mail', async () => {
    const h = await buildApp({ plugin: { siteUrl: 'https://billing.example.com/ignored/path', allowedHosts: ['localhost', 'www.billing.example.com'] } });
    const evil = await Client.inject(h.app).submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
      host: 'evil.com',
    });
    expect(evil.status).toBe(400);
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox).toEqual([]);
    await Client.inject(h.app).submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
      host: 'www.billing.example.com',
    });
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox[0]!.text).toMatch(/https:\/\/billing\.example\.com\/accounts\/reset\//);
    expect(h.mailer.outbox[0]!.text).not.toContain('www.');
    await h.close();
  });

  test('without siteUrl, a Host header that is not allowed gets 400 and is never put in a link', async () => {
    const h = await buildApp({ fastify: { trustProxy: true } });
    const res = await Client.inject(h.app).submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
      host: 'evil.com',
    });
    expect(res.status).toBe(400);
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox).toEqual([]);
    await Client.inject(h.app).submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', { host: '127.0.0.1:8000' });
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox[0]!.text).toContain('http://127.0.0.1:8000/accounts/reset/');
    await h.close();
  });

  test('allowedHosts lets a listed Host build the link (development)', async () => {
    const h = await buildApp({ plugin: { allowedHosts: ['billing.example.com', 'localhost'] } });
    await Client.inject(h.app).submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
      host: 'billing.example.com',
    });
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox[0]!.text).toContain('http://billing.example.com/accounts/reset/');
    await h.close();
  });

  test('in production, a forged Host is refused (400): no mail, nothing changed, a line in the log', async () => {
    const h = await buildApp({
      config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' },
      plugin: { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'], throttle: false, rateLimits: false },
      fastify: { trustProxy: true },
    });
    const evil = Client.inject(h.app);
    const res = await evil.request('/accounts/password_reset/', {
      form: { email: 'alice@example.com' },
      headers: { host: 'evil.com', origin: 'https://evil.com', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(400);
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox).toEqual([]);
    expect(h.logs.some((l) => (l.gatehouse as { kind?: string } | undefined)?.kind === 'host')).toBe(true);
    await h.close();
  });

  test('in production without siteUrl or allowedHosts the plugin refuses to start', async () => {
    await expect(
      buildApp({ config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' }, plugin: { throttle: false } }),
    ).rejects.toThrow(/siteUrl/);
    await expect(
      buildApp({
        config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' },
        plugin: { throttle: false, siteUrl: 'https://billing.example.com' },
      }),
    ).rejects.toThrow(/allowedHosts/);
  });

  test('in production without reset counters the plugin refuses to start, with a coded error', async () => {
    await expect(
      buildApp({
        config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' },
        plugin: { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'], throttle: false },
      }),
    ).rejects.toMatchObject({ code: 'gatehouse.fastify.rate_limits_missing' });
  });

  test('in production without a throttle the plugin refuses to start', async () => {
    await expect(
      buildApp({
        config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' },
        plugin: { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'] },
      }),
    ).rejects.toThrow(/throttle/);
  });
});
