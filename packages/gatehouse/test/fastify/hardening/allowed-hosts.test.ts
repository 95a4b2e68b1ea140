/**
 * Item 15: the Host allow-list (Django's ALLOWED_HOSTS). A request whose Host is not allowed gets
 * a plain 400 before its session is loaded; development allows this machine's names by default;
 * the patterns follow Django (a leading dot: subdomains too), with an optional port.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { compileAllowedHosts, hostMatches, parseHost } from '../../../src/fastify/allowed-hosts.js';
import { authenticated, publicAccess } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';
import { gatehouseLines, listen, rawHttp } from './edge-support.js';

const routes = (app: TestApp['app']): void => {
  app.get('/health/', { config: { access: publicAccess() } }, async () => ({ ok: true }));
  app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
};

for (const database of testDatabases()) {
  describe(`Host allow-list over HTTP (${database.label})`, () => {
    let fresh: FreshDatabase[] = [];
    let dev: TestApp;
    let listed: TestApp;
    let devOrigin: string;
    let listedOrigin: string;

    beforeAll(async () => {
      fresh = [await freshDatabaseUrl(database.kind), await freshDatabaseUrl(database.kind)];
      dev = await buildApp({ databaseUrl: fresh[0]!.url, routes });
      devOrigin = await listen(dev);
      listed = await buildApp({
        databaseUrl: fresh[1]!.url,
        plugin: { allowedHosts: ['billing.example.com', '.example.org', 'api.example.net:8443', '127.0.0.1'] },
        routes,
      });
      listedOrigin = await listen(listed);
    });

    afterAll(async () => {
      await dev?.close();
      await listed?.close();
      for (const db of fresh) await db.drop();
    });

    test('development default: localhost, *.localhost, 127.0.0.1 and [::1] (any port) are served', async () => {
      for (const host of ['localhost', 'localhost:3000', 'app.localhost:8000', '127.0.0.1', '127.0.0.1:9999', '[::1]:3000', 'LOCALHOST']) {
        const res = await rawHttp(devOrigin, { path: '/health/', headers: { host } });
        expect(res.status, host).toBe(200);
      }
    });

    test('any other Host → 400 with a plain message, no cookie, no page', async () => {
      for (const host of ['evil.com', 'localhost.evil.com', 'evil.com:80', '127.0.0.2', 'a b', 'user@localhost', 'localhost/x', '[::2]']) {
        const res = await rawHttp(devOrigin, { path: '/health/', headers: { host } });
        expect(res.status, host).toBe(400);
        expect(res.headers['content-type'], host).toMatch(/^text\/plain/);
        expect(res.body, host).toBe('Bad request: this site does not answer to that Host.');
        expect(res.headers['set-cookie'], host).toBeUndefined();
      }
    });

    test('a listed set: exact names, a leading dot for subdomains, a port when one is given', async () => {
      const expectations: [string, number][] = [
        ['billing.example.com', 200],
        ['billing.example.com:1234', 200],
        ['BILLING.example.com.', 200],
        ['www.billing.example.com', 400],
        ['example.org', 200],
        ['a.b.example.org:80', 200],
        ['xexample.org', 400],
        ['api.example.net:8443', 200],
        ['api.example.net', 400],
        ['api.example.net:443', 400],
        ['localhost', 400],
      ];
      for (const [host, status] of expectations) {
        expect((await rawHttp(listedOrigin, { path: '/health/', headers: { host } })).status, host).toBe(status);
      }
    });

    test('refused before the session is loaded: a valid session cookie with a forged Host is not even read', async () => {
      const alice = Client.http(devOrigin);
      await alice.login('alice');
      const cookie = alice.cookieHeader();
      expect((await rawHttp(devOrigin, { path: '/dashboard/', headers: { host: 'localhost', cookie, accept: 'application/json' } })).status).toBe(200);
      const res = await rawHttp(devOrigin, { path: '/dashboard/', headers: { host: 'evil.com', cookie, accept: 'application/json' } });
      expect(res.status).toBe(400);
      const line = gatehouseLines(dev, 'request refused: untrusted Host or protocol').at(-1)!;
      // Had the session been loaded, the line would name alice.
      expect(line).toMatchObject({ kind: 'host', user: null, userId: null, anonymous: true, ip: '127.0.0.1', route: 'GET /dashboard/' });
      expect(String(line.reason)).toContain('evil.com');
    });

    test('a forged Host on a POST changes nothing: the login form never runs', async () => {
      const client = Client.http(devOrigin);
      await client.request('/accounts/login/');
      const before = (await dev.t.gatehouse.audit.list({ limit: 1 }))[0]?.seq ?? 0;
      const res = await rawHttp(devOrigin, {
        method: 'POST',
        path: '/accounts/login/',
        headers: { host: 'evil.com', cookie: client.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrfmiddlewaretoken: client.lastToken, username: 'bob', password: 'correct horse battery staple' }).toString(),
      });
      expect(res.status).toBe(400);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await dev.t.gatehouse.audit.list({ limit: 10 })).filter((e) => e.seq > before)).toEqual([]);
    });
  });
}

describe('allow-list patterns', () => {
  test('parseHost normalises and refuses what is not a host', () => {
    expect(parseHost('Example.COM.:8080')).toEqual({ name: 'example.com', port: '8080' });
    expect(parseHost('[::1]:3000')).toEqual({ name: '[::1]', port: '3000' });
    for (const bad of ['', 'a b', 'x@y', 'a/b', 'a:b:c', 'a:99999', '.', '..a', 'a..b', '[::1', 'é.com']) expect(parseHost(bad), bad).toBeNull();
  });

  test('a leading dot matches the name and its subdomains, not look-alikes', () => {
    const patterns = compileAllowedHosts(['.example.com']);
    expect(hostMatches(parseHost('example.com')!, patterns)).toBe(true);
    expect(hostMatches(parseHost('a.example.com')!, patterns)).toBe(true);
    expect(hostMatches(parseHost('badexample.com')!, patterns)).toBe(false);
    expect(hostMatches(parseHost('example.com.evil.net')!, patterns)).toBe(false);
  });

  test('"*" and malformed entries are coded ConfigErrors', () => {
    for (const bad of ['*', 'a b', 'http://example.com', '']) {
      let caught: unknown;
      try {
        compileAllowedHosts([bad]);
      } catch (error) {
        caught = error;
      }
      expect(caught, bad).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).code, bad).toBe('gatehouse.fastify.invalid_allowed_host');
    }
  });
});
