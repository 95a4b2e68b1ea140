/**
 * Item 10: every denial log line — a guard's denial, a CSRF failure, the 400 for a bad Host —
 * says who (username and id, or anonymous), from where (the client address as resolved through
 * the trusted proxy) and which route; and nothing secret (no cookie, token or password).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticated, critical, permission, publicAccess, trustedProxies } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';
import { gatehouseLines, listen, rawHttp } from './edge-support.js';

const CLIENT_IP = '203.0.113.77';
const VIA_PROXY = { 'x-forwarded-for': CLIENT_IP };

for (const database of testDatabases()) {
  describe(`denial log lines carry who, where and which route (${database.label})`, () => {
    let fresh: FreshDatabase;
    let h: TestApp;
    let origin: string;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        fastify: { trustProxy: trustedProxies(1) },
        routes: (app) => {
          app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async () => ({ invoices: [] }));
          app.get('/dashboard/', { config: { access: authenticated() } }, async () => ({ ok: true }));
          app.post('/payouts/:id/approve/', { config: { access: critical('billing.approve_payout') } }, async () => ({ approved: true }));
          app.post('/change/', { config: { access: publicAccess() } }, async () => ({ changed: true }));
        },
      });
      origin = await listen(h);
    });

    afterAll(async () => {
      await h?.close();
      await fresh?.drop();
    });

    /** Every secret the client holds, none of which may show in a log line. */
    function secretsOf(client: Client): string[] {
      return [...client.cookies.values(), client.lastToken, PASSWORD].filter((s) => s.length > 0);
    }

    function expectNoSecrets(line: unknown, secrets: string[]): void {
      const text = JSON.stringify(line);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }

    test('a logged-in user refused by a guard (403)', async () => {
      const alice = Client.http(origin);
      await alice.login('alice');
      expect((await alice.request('/invoices/', { headers: VIA_PROXY })).status).toBe(403);
      const line = gatehouseLines(h, 'access denied').at(-1)!;
      expect(line).toMatchObject({
        decision: 'deny',
        kind: 'forbidden',
        user: 'alice',
        userId: h.users.alice!.id,
        anonymous: false,
        ip: CLIENT_IP,
        route: 'GET /invoices/',
      });
      expectNoSecrets(line, secretsOf(alice));
    });

    test('an anonymous visitor sent to log in', async () => {
      expect((await Client.http(origin).request('/dashboard/', { headers: VIA_PROXY })).status).toBe(302);
      const line = gatehouseLines(h, 'access denied').at(-1)!;
      expect(line).toMatchObject({ kind: 'login', user: null, userId: null, anonymous: true, ip: CLIENT_IP, route: 'GET /dashboard/' });
    });

    test('a CSRF failure, logged in, on a critical route and a public one', async () => {
      const fin = Client.http(origin);
      await fin.login('fin');
      await fin.request('/accounts/login/');
      expect((await fin.request('/payouts/9/approve/', { form: { csrfmiddlewaretoken: 'x'.repeat(86) }, headers: VIA_PROXY })).status).toBe(403);
      let line = gatehouseLines(h, 'CSRF check failed').at(-1)!;
      expect(line).toMatchObject({
        decision: 'deny',
        kind: 'csrf',
        user: 'fin',
        userId: h.users.fin!.id,
        anonymous: false,
        ip: CLIENT_IP,
        route: 'POST /payouts/:id/approve/',
        reason: 'token_incorrect',
      });
      expectNoSecrets(line, secretsOf(fin));
      expect((await Client.http(origin).request('/change/', { form: {}, headers: VIA_PROXY })).status).toBe(403);
      line = gatehouseLines(h, 'CSRF check failed').at(-1)!;
      expect(line).toMatchObject({ kind: 'csrf', user: null, userId: null, anonymous: true, ip: CLIENT_IP, route: 'POST /change/', reason: 'cookie_missing' });
    });

    test('the 400 for a Host that is not allowed', async () => {
      const bob = Client.http(origin);
      await bob.login('bob');
      const res = await rawHttp(origin, { path: '/dashboard/', headers: { host: 'evil.example', cookie: bob.cookieHeader(), ...VIA_PROXY } });
      expect(res.status).toBe(400);
      const line = gatehouseLines(h, 'request refused: untrusted Host or protocol').at(-1)!;
      // The session is not loaded for a request this site does not serve: so, anonymous.
      expect(line).toMatchObject({ decision: 'deny', kind: 'host', user: null, userId: null, anonymous: true, ip: CLIENT_IP, route: 'GET /dashboard/' });
      expectNoSecrets(line, secretsOf(bob));
    });
  });
}
