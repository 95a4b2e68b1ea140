/**
 * Items 3 and 4, from the attacker's side over HTTP on both databases:
 *
 * - behind one proxy that appends to X-Forwarded-For (`trustedProxies(1)`), a client that writes
 *   its own X-Forwarded-For (`6.6.6.6, <its real address>`) is still throttled and audited under
 *   its real address, the rightmost one;
 * - with a list of proxy CIDRs, internal hops are skipped and the first outside address counts;
 * - `X-Forwarded-Proto: https://evil.example/?` (or a forged X-Forwarded-Host) never reaches a
 *   mail link nor passes the CSRF origin check, whatever the trust setting (a count, a list,
 *   Fastify's `true`).
 */
import type { FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLoginThrottle } from '../../../src/db/index.js';
import { publicAccess, trustedProxies } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';
import { listen } from './edge-support.js';

const THROTTLE = { perAccountAndAddress: 3, perAddress: 50, window: 900 };

interface Served {
  h: TestApp;
  origin: string;
  changes: () => number;
  close(): Promise<void>;
}

/** An app on a fresh database with the database throttle, listening. */
async function serve(kind: 'sqlite' | 'postgres', trustProxy: FastifyServerOptions['trustProxy']): Promise<Served> {
  const fresh: FreshDatabase = await freshDatabaseUrl(kind);
  let closeThrottle: () => Promise<void> = async () => {};
  let changes = 0;
  const h = await buildApp({
    databaseUrl: fresh.url,
    fastify: { trustProxy },
    config: { throttle: THROTTLE },
    plugin: async (t) => {
      const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
      closeThrottle = () => throttle.close();
      return { throttle };
    },
    routes: (app) => {
      app.post('/change/', { config: { access: publicAccess() } }, async () => {
        changes += 1;
        return { changed: true };
      });
    },
  });
  const origin = await listen(h);
  return {
    h,
    origin,
    changes: () => changes,
    async close() {
      await h.close();
      await closeThrottle();
      await fresh.drop();
    },
  };
}

/** A failed login for `username` through the form, with these forwarding headers on the POST. */
async function failedLogin(origin: string, username: string, headers: Record<string, string>): Promise<number> {
  return (await Client.http(origin).submit('/accounts/login/', { username, password: 'not the password' }, '/accounts/login/', headers)).status;
}

for (const database of testDatabases()) {
  describe(`proxy trust and the request's origin (${database.label})`, () => {
    const apps: Record<string, Served> = {};

    beforeAll(async () => {
      apps.hops = await serve(database.kind, trustedProxies(1));
      apps.list = await serve(database.kind, trustedProxies('127.0.0.0/8, 10.0.0.0/8'));
      apps.all = await serve(database.kind, true);
    });

    afterAll(async () => {
      for (const app of Object.values(apps)) await app.close();
    });

    test('one appending proxy (hop count 1): a spoofed leftmost X-Forwarded-For is ignored by the throttle and the audit log', async () => {
      const { h, origin } = apps.hops!;
      // Each attempt claims another address on the left; the proxy appended the real one.
      const statuses: number[] = [];
      for (const spoof of ['6.6.6.6', '6.6.6.7', '6.6.6.8', '6.6.6.9'])
        statuses.push(await failedLogin(origin, 'alice', { 'x-forwarded-for': `${spoof}, 203.0.113.9` }));
      expect(statuses).toEqual([200, 200, 200, 429]);
      // The right password from the same real address is still refused: the pair is counted.
      const right = await Client.http(origin).submit('/accounts/login/', { username: 'alice', password: PASSWORD }, '/accounts/login/', {
        'x-forwarded-for': '1.2.3.4, 203.0.113.9',
      });
      expect(right.status).toBe(429);
      const entries = (await h.t.gatehouse.audit.list({ limit: 50 })).filter((e) => e.action.startsWith('auth.login_') && e.target === 'alice');
      expect(entries.length).toBe(5);
      expect(new Set(entries.map((e) => e.ip))).toEqual(new Set(['203.0.113.9']));
      // Another real client is not locked out by it.
      const other = await Client.http(origin).submit('/accounts/login/', { username: 'alice', password: PASSWORD }, '/accounts/login/', {
        'x-forwarded-for': '6.6.6.6, 198.51.100.7',
      });
      expect(other.status).toBe(302);
    });

    test('a list of proxy CIDRs: internal hops are skipped, the first outside address counts', async () => {
      const { h, origin } = apps.list!;
      for (const spoof of ['6.6.6.6', '7.7.7.7', '8.8.8.8'])
        expect(await failedLogin(origin, 'bob', { 'x-forwarded-for': `${spoof}, 203.0.113.10, 10.1.2.3` })).toBe(200);
      expect(await failedLogin(origin, 'bob', { 'x-forwarded-for': '9.9.9.9, 203.0.113.10, 10.1.2.3' })).toBe(429);
      const ips = (await h.t.gatehouse.audit.list({ limit: 50 })).filter((e) => e.action.startsWith('auth.login_') && e.target === 'bob').map((e) => e.ip);
      expect(new Set(ips)).toEqual(new Set(['203.0.113.10']));
    });

    test('X-Forwarded-Proto: https://evil.example/? never reaches a mail link, under every trust setting', async () => {
      for (const [name, served] of Object.entries(apps)) {
        const { h, origin } = served;
        const client = Client.http(origin);
        const res = await client.submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
          'x-forwarded-proto': 'https://evil.example/?',
        });
        expect(res.status, name).toBe(400);
        expect(res.body, name).toBe('Bad request: X-Forwarded-Proto must be http or https.');
        await h.app.gatehouseTasks.settled();
        expect(h.mailer.outbox, name).toEqual([]);
        // A forged forwarded host is refused the same way.
        const host = await client.submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
          'x-forwarded-host': 'evil.example',
        });
        expect(host.status, name).toBe(400);
        await h.app.gatehouseTasks.settled();
        expect(h.mailer.outbox, name).toEqual([]);
        // A proxy saying https is believed: the link keeps the validated host and says https.
        await client.submit('/accounts/password_reset/', { email: 'alice@example.com' }, '/accounts/password_reset/', {
          'x-forwarded-proto': 'https',
          origin: origin.replace('http:', 'https:'),
        });
        await h.app.gatehouseTasks.settled();
        expect(h.mailer.outbox.length, name).toBe(1);
        expect(h.mailer.outbox[0]!.text, name).toContain(`${origin.replace('http:', 'https:')}/accounts/reset/`);
        expect(h.mailer.outbox[0]!.text, name).not.toContain('evil');
        h.mailer.outbox.length = 0;
      }
    });

    test('X-Forwarded-Proto: https://evil.example/? with Origin https://evil.example never passes the CSRF check', async () => {
      for (const [name, served] of Object.entries(apps)) {
        const client = Client.http(served.origin);
        await client.request('/accounts/login/');
        const before = served.changes();
        for (const proto of ['https://evil.example/?', 'https://evil.example', 'javascript', 'https, https://evil.example/?']) {
          const res = await client.request('/change/', {
            form: { csrfmiddlewaretoken: client.lastToken },
            headers: { 'x-forwarded-proto': proto, origin: 'https://evil.example' },
          });
          expect([400, 403], `${name} ${proto}`).toContain(res.status);
        }
        expect(served.changes(), name).toBe(before);
        // The same token with the site's own origin goes through: the refusals were about the origin.
        const ok = await client.request('/change/', { form: { csrfmiddlewaretoken: client.lastToken }, headers: { origin: served.origin } });
        expect(ok.status, name).toBe(200);
      }
    });
  });
}

describe('trustedProxies', () => {
  test('a hop count trusts that many hops; a list is checked and passed on', () => {
    const hops = trustedProxies(2);
    expect(typeof hops).toBe('function');
    expect((hops as (a: string, i: number) => boolean)('1.2.3.4', 0)).toBe(true);
    expect((hops as (a: string, i: number) => boolean)('1.2.3.4', 1)).toBe(true);
    expect((hops as (a: string, i: number) => boolean)('1.2.3.4', 2)).toBe(false);
    expect(trustedProxies(' 10.0.0.0/8 , 192.168.1.7,fd00::/8, loopback ,10.0.0.0/255.0.0.0')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
      '10.0.0.0/255.0.0.0',
    ]);
  });

  test('anything else is a coded ConfigError', () => {
    for (const bad of [0, -1, 1.5, 33, '', 'proxy.internal', '10.0.0.0/33', '10.0.0.1,,10.0.0.2', 'true', '::1/129'] as const) {
      expect(() => trustedProxies(bad), String(bad)).toThrow(expect.objectContaining({ code: 'gatehouse.fastify.invalid_trust_proxy' }));
    }
  });
});
