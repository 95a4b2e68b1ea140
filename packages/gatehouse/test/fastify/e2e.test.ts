/**
 * End to end, against a listening server on 127.0.0.1 with real HTTP (fetch), a database file
 * (and PostgreSQL when the suite has one), the SQL login throttle, and the reset mail delivered
 * through a real SMTP server on loopback by the SMTP mailer.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLoginThrottle } from '../../src/db/throttle.js';
import { authenticated, critical, permission, publicAccess } from '../../src/fastify/index.js';
import { SmtpMailer } from '../../src/mail/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from './helpers.js';

/** A loopback SMTP server keeping the raw messages it receives. */
async function startSmtp(): Promise<{ port: number; messages: string[]; next(): Promise<string>; close(): Promise<void> }> {
  const messages: string[] = [];
  let waiting: ((raw: string) => void) | null = null;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push(raw);
        waiting?.(raw);
        waiting = null;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  let read = 0;
  return {
    port,
    messages,
    next: () =>
      new Promise<string>((resolve, reject) => {
        if (messages.length > read) {
          read += 1;
          resolve(messages[read - 1]!);
          return;
        }
        const timer = setTimeout(() => reject(new Error('no mail arrived')), 10_000);
        waiting = (raw) => {
          clearTimeout(timer);
          read += 1;
          resolve(raw);
        };
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text body of a raw message, quoted-printable decoded when needed. */
function bodyText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body;
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

for (const database of testDatabases()) {
  describe(`end to end over HTTP (${database.label})`, () => {
    let h: TestApp;
    let fresh: FreshDatabase;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let mailer: SmtpMailer;
    let origin: string;
    let closeThrottle: () => Promise<void> = async () => {};
    let approvals = 0;

    beforeAll(async () => {
      smtp = await startSmtp();
      mailer = new SmtpMailer({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true, pool: false, defaultFromEmail: 'Billing <noreply@billing.example>' });
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        config: { defaultFromEmail: 'Billing <noreply@billing.example>', throttle: { perAccountAndAddress: 3, perAddress: 100, window: 900 } },
        plugin: async (t) => {
          const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
          closeThrottle = () => throttle.close();
          return { mailer, throttle };
        },
        routes: (app) => {
          app.get('/health/', { config: { access: publicAccess() } }, async () => ({ ok: true }));
          app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
          app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async () => ({ invoices: [] }));
          app.post('/payouts/:id/approve/', { config: { access: critical('billing.approve_payout') } }, async () => {
            approvals += 1;
            return { approved: true };
          });
        },
      });
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await h?.close();
      await closeThrottle();
      await mailer?.close();
      await smtp?.close();
      await fresh?.drop();
    });

    test('anonymous: public page, login redirect for browsers, 401 for API clients', async () => {
      const client = Client.http(origin);
      expect((await client.request('/health/')).status).toBe(200);
      const browser = await client.request('/invoices/');
      expect(browser.status).toBe(302);
      expect(browser.location).toBe('/accounts/login/?next=/invoices/');
      const api = await client.request('/invoices/', { headers: { accept: 'application/json' } });
      expect(api.status).toBe(401);
    });

    test('login, a permission page, a 403, logout', async () => {
      const fin = Client.http(origin);
      const login = await fin.submit('/accounts/login/?next=/invoices/', { username: 'fin', password: PASSWORD, next: '/invoices/' });
      expect(login.status).toBe(302);
      expect(login.location).toBe('/invoices/');
      expect((await fin.request('/invoices/')).status).toBe(200);
      const alice = Client.http(origin);
      await alice.login('alice');
      const denied = await alice.request('/invoices/');
      expect(denied.status).toBe(403);
      expect(denied.body).not.toMatch(/billing\./);
      const out = await fin.submit('/accounts/login/', {}, '/accounts/logout/');
      expect(out.status).toBe(302);
      expect((await fin.request('/dashboard/')).status).toBe(302);
    });

    test('a cross-site form post is refused; the critical action does not happen', async () => {
      const fin = Client.http(origin);
      await fin.login('fin');
      await fin.request('/accounts/login/');
      const forged = await fin.request('/payouts/1/approve/', { form: { csrfmiddlewaretoken: fin.lastToken }, headers: { origin: 'http://evil.example' } });
      expect(forged.status).toBe(403);
      expect(approvals).toBe(0);
      const real = await fin.request('/payouts/1/approve/', { form: { csrfmiddlewaretoken: fin.lastToken }, headers: { origin } });
      expect(real.status).toBe(200);
      expect(approvals).toBe(1);
    });

    test('the SQL throttle blocks guessing from one address', async () => {
      const attacker = Client.http(origin);
      for (let i = 0; i < 3; i += 1) expect((await attacker.submit('/accounts/login/', { username: 'sam', password: `guess${i}` })).status).toBe(200);
      expect((await attacker.submit('/accounts/login/', { username: 'sam', password: PASSWORD })).status).toBe(429);
    });

    test('password reset through real SMTP: mail, link, token out of the URL, new password, link dead', async () => {
      const client = Client.http(origin);
      const requested = await client.submit('/accounts/password_reset/', { email: 'BOB@example.com' });
      expect(requested.status).toBe(302);
      expect(requested.location).toBe('/accounts/password_reset/done/');
      const raw = await smtp.next();
      expect(raw).toMatch(/^To: bob@example\.com/m);
      expect(raw).toMatch(/^Subject: Password reset on Billing/m);
      expect(raw).toMatch(/^From: Billing <noreply@billing\.example>/m);
      const text = bodyText(raw);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/accounts\/reset\/[A-Za-z0-9_-]+\/[0-9a-z]+-[0-9a-f]{64}\/)/.exec(text)?.[1];
      expect(link).toBeDefined();
      expect(new URL(link!).origin).toBe(origin);

      const browser = Client.http(origin);
      const opened = await browser.request(new URL(link!).pathname);
      expect(opened.status).toBe(302);
      expect(opened.location).toMatch(/^\/accounts\/reset\/[A-Za-z0-9_-]+\/set-password\/$/);
      const form = await browser.request(opened.location!);
      expect(form.status).toBe(200);
      const done = await browser.request(opened.location!, {
        form: { csrfmiddlewaretoken: browser.lastToken, new_password1: 'a brand new Passphrase 7', new_password2: 'a brand new Passphrase 7' },
      });
      expect(done.status).toBe(302);
      expect(done.location).toBe('/accounts/reset/done/');

      const bob = Client.http(origin);
      expect((await bob.submit('/accounts/login/', { username: 'bob', password: PASSWORD })).status).toBe(200);
      expect((await bob.submit('/accounts/login/', { username: 'bob', password: 'a brand new Passphrase 7' })).status).toBe(302);
      const reused = await Client.http(origin).request(new URL(link!).pathname);
      expect(reused.status).toBe(200);
      expect(reused.body).toContain('The password reset link was invalid');
    });

    test('an unknown address gets the same answer and no mail', async () => {
      const before = smtp.messages.length;
      const res = await Client.http(origin).submit('/accounts/password_reset/', { email: 'nobody@example.com' });
      expect(res.status).toBe(302);
      expect(res.location).toBe('/accounts/password_reset/done/');
      await h.app.gatehouseTasks.settled();
      expect(smtp.messages.length).toBe(before);
    });

    test('many concurrent requests are served', async () => {
      const client = Client.http(origin);
      await client.login('root');
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => client.request(i % 2 ? '/invoices/' : '/dashboard/')));
      expect(results.every((r) => r.status === 200)).toBe(true);
    });
  });
}
