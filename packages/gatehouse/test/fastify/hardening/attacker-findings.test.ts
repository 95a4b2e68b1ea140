/**
 * Regressions for what an outside attacker found after the first hardening round, over real HTTP
 * on both databases:
 *
 * - behind a proxy that appends `address:port` to X-Forwarded-For, each connection got fresh
 *   throttle counters (the port made every address new);
 * - one reset link opened in several browsers could set the password several times, and two
 *   password changes racing with the same old password both "succeeded";
 * - a reset link whose user id is past a 32-bit integer answered 500 on PostgreSQL;
 * - production started with a mailer that prints reset links into the log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uidToBase64 } from '../../../src/core/tokens.js';
import { createLoginThrottle } from '../../../src/db/throttle.js';
import { trustedProxies } from '../../../src/fastify/index.js';
import { MemoryMailer } from '../../../src/mail/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';
import { burst, formTicket, originOf, postForm } from './burst-helpers.js';

const PROD = { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' };

/** The reset link in the newest mail to `address`. */
function linkIn(h: TestApp, address: string): string {
  const mail = [...h.mailer.outbox].reverse().find((m) => m.to.includes(address) && /reset\//.test(m.text));
  const url = /https?:\/\/\S+\/accounts\/reset\/\S+\//.exec(mail?.text ?? '')?.[0];
  if (!url) throw new Error(`no reset link mailed to ${address}`);
  return new URL(url).pathname;
}

for (const database of testDatabases()) {
  describe(`attacker findings (${database.label})`, () => {
    let fresh: FreshDatabase;
    let h: TestApp;
    let origin: string;
    let closeThrottle: () => Promise<void> = async () => {};

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        fastify: { trustProxy: trustedProxies(1) },
        plugin: async (t) => {
          const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
          closeThrottle = () => throttle.close();
          return { throttle };
        },
      });
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      origin = originOf(h);
    });

    afterAll(async () => {
      await h?.close();
      await closeThrottle();
      await fresh?.drop();
    });

    test('a proxy that writes address:port gives no fresh counters: 60 guesses from one client, each on a new port, admit 5', async () => {
      const ticket = await formTicket(origin, '/accounts/login/');
      let port = 20_000;
      const results = await burst(60, () => {
        port += 1;
        return postFormFrom(origin, ticket, `10.210.0.1:${port}`, { username: 'alice', password: `guess-${port}` });
      });
      expect(results.filter((r) => r.status === 200).length).toBe(5);
      expect(results.filter((r) => r.status === 429).length).toBe(55);

      // Bracketed IPv6 with ports, all in one /64: one client too.
      const v6 = await burst(30, () => {
        port += 1;
        return postFormFrom(origin, ticket, `[2001:db8:1:2::${(port % 9000).toString(16)}]:${port}`, { username: 'bob', password: `guess-${port}` });
      });
      expect(v6.filter((r) => r.status === 200).length).toBe(5);

      // The audit log records the address without the port.
      const failures = (await h.t.gatehouse.stores.audit.list({ limit: 200, action: 'auth.login_failed' })).map((e) => e.ip);
      expect(failures).toContain('10.210.0.1');
      expect(failures.some((ip) => ip?.startsWith('10.210.0.1:') || ip?.startsWith('['))).toBe(false);
    });

    test('one reset link opened in four browsers and posted at once sets the password exactly once', async () => {
      const reset = await Client.http(origin).submit('/accounts/password_reset/', { email: 'sam@example.com' }, '/accounts/password_reset/', {
        'x-forwarded-for': '10.20.0.1',
      });
      expect(reset.status).toBe(302);
      await h.app.gatehouseTasks.settled();
      const link = linkIn(h, 'sam@example.com');

      const browsers = [0, 1, 2, 3].map(() => Client.http(origin));
      const forms: string[] = [];
      for (const browser of browsers) {
        const opened = await browser.request(link);
        expect(opened.status).toBe(302);
        forms.push(opened.location!);
        await browser.request(opened.location!);
      }
      const passwords = browsers.map((_, i) => `Tundra-Quokka-5841-Velvet-${i}`);
      const answers = await Promise.all(
        browsers.map((browser, i) =>
          browser.request(forms[i]!, { form: { csrfmiddlewaretoken: browser.lastToken, new_password1: passwords[i]!, new_password2: passwords[i]! } }),
        ),
      );
      const winners = answers.map((a, i) => [a, i] as const).filter(([a]) => a.status === 302 && a.location === '/accounts/reset/done/');
      expect(winners.length).toBe(1);
      for (const [answer] of answers.map((a, i) => [a, i] as const).filter(([a]) => a.status !== 302)) {
        expect(answer.status).toBe(200);
        expect(answer.body).toMatch(/invalid/i);
      }
      const winner = winners[0]![1];
      for (const [i, password] of passwords.entries()) {
        const user = await h.t.gatehouse.authenticate({ username: 'sam', password });
        expect(user !== null, `password ${i}`).toBe(i === winner);
      }
    });

    test('two password changes racing with the same old password: exactly one lands, the other session is sent to log in', async () => {
      const first = Client.http(origin);
      const second = Client.http(origin);
      await first.login('bob');
      await second.login('bob');
      await first.request('/accounts/password_change/');
      const tokenA = first.lastToken;
      await second.request('/accounts/password_change/');
      const tokenB = second.lastToken;
      const [a, b] = await Promise.all([
        first.request('/accounts/password_change/', {
          form: { csrfmiddlewaretoken: tokenA, old_password: PASSWORD, new_password1: 'Lagoon-Marmot-2217-Copper', new_password2: 'Lagoon-Marmot-2217-Copper' },
        }),
        second.request('/accounts/password_change/', {
          form: { csrfmiddlewaretoken: tokenB, old_password: PASSWORD, new_password1: 'Harbor-Ibex-7730-Saffron', new_password2: 'Harbor-Ibex-7730-Saffron' },
        }),
      ]);
      const done = [a, b].filter((r) => r.location === '/accounts/password_change/done/');
      expect(done.length).toBe(1);
      const lost = a === done[0] ? b : a;
      expect(lost.status).toBe(302);
      expect(lost.location).toMatch(/^\/accounts\/login\/\?next=/);
      const landed = a === done[0] ? 'Lagoon-Marmot-2217-Copper' : 'Harbor-Ibex-7730-Saffron';
      const other = landed === 'Lagoon-Marmot-2217-Copper' ? 'Harbor-Ibex-7730-Saffron' : 'Lagoon-Marmot-2217-Copper';
      expect(await h.t.gatehouse.authenticate({ username: 'bob', password: landed })).not.toBeNull();
      expect(await h.t.gatehouse.authenticate({ username: 'bob', password: other })).toBeNull();
    });

    test('a malformed URL anywhere gets a plain 400 that echoes nothing and carries the security headers', async () => {
      for (const path of ['/%zz', '/orders/%E0%A4%A/']) {
        const res = await fetch(`${origin}${path}`, { headers: { accept: 'text/html' } });
        expect(res.status, path).toBe(400);
        const body = await res.text();
        expect(body).not.toContain('%');
        expect(body.toLowerCase()).not.toContain('fastify');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      }
      const json = await fetch(`${origin}/%zz`, { headers: { accept: 'application/json' } });
      expect(await json.json()).toEqual({ error: 'bad_url', message: 'The address is not valid.' });
    });

    test('a reset link for a user id past a 32-bit integer is the invalid-link page, not a server error', async () => {
      for (const id of [2_147_483_648, 9_007_199_254_740_991]) {
        const res = await fetch(`${origin}/accounts/reset/${uidToBase64(id)}/1-${'a'.repeat(64)}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
        expect(res.status, String(id)).toBe(200);
        expect(await res.text()).toMatch(/invalid/i);
      }
      expect(h.logs.some((l) => l.level >= 50)).toBe(false);
    });
  });
}

describe('production and mail', () => {
  test('refuses a mailer that never delivers (memory, console): it would print or drop reset links', async () => {
    const start = buildApp({
      config: PROD,
      plugin: { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'], throttle: false, rateLimits: false, mailer: new MemoryMailer() },
    });
    await expect(start).rejects.toMatchObject({ code: 'gatehouse.fastify.development_mailer' });
  });
});

/** A login POST as the proxy forwards it for `client`. */
function postFormFrom(origin: string, ticket: { cookie: string; token: string }, client: string, form: Record<string, string>) {
  return postForm(origin, '/accounts/login/', { ...ticket }, form, 'text/html', { 'x-forwarded-for': client });
}
