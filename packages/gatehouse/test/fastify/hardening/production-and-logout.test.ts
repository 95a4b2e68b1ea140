/**
 * Item 13 (the plugin's part): in production the plugin refuses to start without siteUrl, without
 * allowedHosts, with an in-memory (per-process) throttle, and with a Fastify `trustProxy` hop
 * count (which Fastify 5 ignores); `trustProxy: true` is warned about. Each refusal is a coded
 * ConfigError saying what to pass.
 *
 * Item 14 (logout): the logout response is never stored and clears the site's data in the
 * browser — over HTTP, on both databases.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { createMemoryLoginThrottle } from '../../../src/db/index.js';
import { trustedProxies } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';
import { listen } from './edge-support.js';

const PROD = { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' };
const GOOD = { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'], throttle: false as const, rateLimits: false as const };

async function startError(options: Parameters<typeof buildApp>[0]): Promise<ConfigError> {
  let h: TestApp | undefined;
  try {
    h = await buildApp(options);
  } catch (error) {
    return error as ConfigError;
  }
  await h.close();
  throw new Error('the app started');
}

describe('production refuses what it cannot run safely', () => {
  test('no siteUrl → gatehouse.fastify.site_url_missing', async () => {
    const error = await startError({ config: PROD, plugin: { ...GOOD, siteUrl: undefined } });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('gatehouse.fastify.site_url_missing');
    expect(error.message).toMatch(/siteUrl: "https:\/\//);
  });

  test('no allowedHosts (or an empty list) → gatehouse.fastify.allowed_hosts_missing', async () => {
    for (const allowedHosts of [undefined, []]) {
      const error = await startError({ config: PROD, plugin: { ...GOOD, allowedHosts } });
      expect(error.code).toBe('gatehouse.fastify.allowed_hosts_missing');
      expect(error.message).toMatch(/allowedHosts: \["/);
    }
  });

  test('an in-memory throttle → gatehouse.fastify.throttle_not_shared', async () => {
    const error = await startError({ config: PROD, plugin: (t) => ({ ...GOOD, throttle: createMemoryLoginThrottle(t.gatehouse.config.throttle) }) });
    expect(error.code).toBe('gatehouse.fastify.throttle_not_shared');
    expect(error.message).toMatch(/createLoginThrottle\(database/);
  });

  test('Fastify trustProxy as a bare number → gatehouse.fastify.trust_proxy_hop_count (any mode)', async () => {
    for (const config of [PROD, {}]) {
      // Fastify's types no longer take a number, but JavaScript (and an env value passed through) can.
      const error = await startError({ config, plugin: GOOD, fastify: { trustProxy: 1 as unknown as boolean } });
      expect(error.code).toBe('gatehouse.fastify.trust_proxy_hop_count');
      expect(error.message).toMatch(/trustedProxies\(1\)/);
    }
  });

  test('trustProxy: true starts, with a loud line saying what it means; trustedProxies() starts quietly', async () => {
    const loose = await buildApp({ config: PROD, plugin: GOOD, fastify: { trustProxy: true } });
    expect(loose.logs.some((l) => l.level === 50 && /trustProxy: true trusts every X-Forwarded-For entry/.test(l.msg))).toBe(true);
    await loose.close();
    const counted = await buildApp({ config: PROD, plugin: GOOD, fastify: { trustProxy: trustedProxies(1) } });
    expect(counted.logs.some((l) => /trustProxy/.test(l.msg))).toBe(false);
    await counted.close();
  });

  test('a siteUrl, allowedHosts and a shared (or knowingly no) throttle: it starts', async () => {
    const h = await buildApp({ config: PROD, plugin: GOOD });
    await h.close();
  });
});

for (const database of testDatabases()) {
  describe(`logout leaves nothing behind in the browser (${database.label})`, () => {
    let fresh: FreshDatabase;
    let h: TestApp;
    let origin: string;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({ databaseUrl: fresh.url, plugin: { accountViews: { loggedOutPage: false } } });
      origin = await listen(h);
    });

    afterAll(async () => {
      await h?.close();
      await fresh?.drop();
    });

    test('the logout response: Cache-Control: no-store and Clear-Site-Data', async () => {
      const alice = Client.http(origin);
      await alice.login('alice');
      const res = await alice.submit('/accounts/login/', {}, '/accounts/logout/');
      expect(res.status).toBe(302);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['clear-site-data']).toBe('"cache", "cookies", "storage"');
      expect(alice.session()).toBeUndefined();
    });

    test('also with the logged-out page, and for a visitor who was not logged in', async () => {
      const page = await buildApp({ plugin: { accountViews: { loggedOutPage: true } } });
      const pageOrigin = await listen(page);
      try {
        for (const login of [true, false]) {
          const client = Client.http(pageOrigin);
          if (login) await client.login('bob');
          const res = await client.submit('/accounts/login/', {}, '/accounts/logout/');
          expect(res.status).toBe(200);
          expect(res.headers['cache-control']).toBe('no-store');
          expect(res.headers['clear-site-data']).toBe('"cache", "cookies", "storage"');
        }
      } finally {
        await page.close();
      }
    });
  });
}
