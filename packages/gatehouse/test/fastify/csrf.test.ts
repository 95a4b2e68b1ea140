/**
 * CSRF from the attacker's side: missing, wrong, stolen-from-elsewhere and cross-origin tokens,
 * HTTPS Referer rules, rotation at login, and that a refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEVELOPMENT_HOSTS, authenticated, publicAccess } from '../../src/fastify/index.js';
import { Client, type TestApp, buildApp } from './helpers.js';

describe('CSRF', () => {
  let h: TestApp;
  let changes = 0;

  beforeAll(async () => {
    h = await buildApp({
      config: { csrf: { trustedOrigins: ['https://admin.example.com'] } },
      plugin: { allowedHosts: [...DEVELOPMENT_HOSTS, 'app.example.com'] },
      fastify: { trustProxy: true },
      routes: (app) => {
        app.get('/form/', { config: { access: publicAccess() } }, async (request) => ({ token: request.csrfToken() }));
        app.route({
          method: ['POST', 'PUT', 'PATCH', 'DELETE'],
          url: '/change/',
          config: { access: publicAccess() },
          handler: async () => {
            changes += 1;
            return { changed: true };
          },
        });
        app.post('/private/change/', { config: { access: authenticated() } }, async () => {
          changes += 1;
          return { changed: true };
        });
        app.post('/webhook/', { config: { access: publicAccess(), csrf: false } }, async () => ({ hook: true }));
        app.options('/change/', { config: { access: publicAccess() } }, async () => 'options');
      },
    });
  });
  afterAll(async () => h.close());

  /** A client holding a CSRF cookie and a token for it. */
  async function withToken(): Promise<{ client: Client; token: string }> {
    const client = Client.inject(h.app);
    const res = await client.request('/form/');
    return { client, token: res.json<{ token: string }>().token };
  }

  test('no cookie, no token → 403 page, nothing changed', async () => {
    const before = changes;
    const res = await Client.inject(h.app).request('/change/', { form: { a: '1' } });
    expect(res.status).toBe(403);
    expect(res.body).toContain('This form has expired');
    expect(res.body).toContain('nothing was changed');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(changes).toBe(before);
  });

  test('cookie but no token → 403', async () => {
    const { client } = await withToken();
    expect((await client.request('/change/', { form: { a: '1' } })).status).toBe(403);
  });

  test('a wrong or malformed token → 403', async () => {
    const { client, token } = await withToken();
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of [flipped, 'x', token.slice(1), `${token}x`, 'A'.repeat(86), '%00'.repeat(30)]) {
      expect((await client.request('/change/', { form: { csrfmiddlewaretoken: bad } })).status).toBe(403);
    }
  });

  test('a valid token for someone else’s cookie → 403', async () => {
    const mine = await withToken();
    const theirs = await withToken();
    expect((await mine.client.request('/change/', { form: { csrfmiddlewaretoken: theirs.token } })).status).toBe(403);
  });

  test('the form field or the header is accepted; every render gives a different token, all valid', async () => {
    const { client, token } = await withToken();
    const second = (await client.request('/form/')).json<{ token: string }>().token;
    expect(second).not.toBe(token);
    const before = changes;
    expect((await client.request('/change/', { form: { csrfmiddlewaretoken: token } })).status).toBe(200);
    expect((await client.request('/change/', { form: { a: '1' }, headers: { 'x-csrftoken': second } })).status).toBe(200);
    expect((await client.request('/change/', { json: { a: 1 }, headers: { 'x-csrftoken': token } })).status).toBe(200);
    expect(changes).toBe(before + 3);
  });

  test('PUT, PATCH and DELETE are checked; OPTIONS is not', async () => {
    const { client, token } = await withToken();
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await client.request('/change/', { method, json: {} })).status).toBe(403);
      expect((await client.request('/change/', { method, json: {}, headers: { 'x-csrftoken': token } })).status).toBe(200);
    }
    expect((await client.request('/change/', { method: 'OPTIONS' })).status).toBe(200);
  });

  test('API clients get a JSON 403', async () => {
    const res = await Client.inject(h.app).request('/change/', { json: {}, headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'csrf_failed' });
  });

  test('a cross-origin Origin is refused even with a valid token; Origin: null too', async () => {
    const { client, token } = await withToken();
    for (const origin of ['http://evil.com', 'null', 'http://localhost.evil.com', 'https://localhost:80']) {
      const res = await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { origin } });
      expect(res.status, origin).toBe(403);
    }
    expect((await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { origin: 'http://localhost:80' } })).status).toBe(200);
    expect((await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { origin: 'https://admin.example.com' } })).status).toBe(200);
    const reasons = h.logs.filter((l) => l.msg === 'CSRF check failed').map((l) => (l.gatehouse as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['origin_mismatch', 'origin_null']));
  });

  describe('under HTTPS', () => {
    const https = { 'x-forwarded-proto': 'https', host: 'app.example.com' };

    test('neither Origin nor Referer → 403', async () => {
      const { client, token } = await withToken();
      expect((await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: https })).status).toBe(403);
    });

    test('a same-origin Referer passes; a foreign or plain-HTTP one is refused', async () => {
      const { client, token } = await withToken();
      const post = (referer: string) => client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { ...https, referer } });
      expect((await post('https://app.example.com/form/')).status).toBe(200);
      expect((await post('https://admin.example.com/x')).status).toBe(200);
      expect((await post('https://evil.com/app.example.com/')).status).toBe(403);
      expect((await post('http://app.example.com/form/')).status).toBe(403);
      expect((await post('not a url')).status).toBe(403);
    });

    test('a matching Origin is enough', async () => {
      const { client, token } = await withToken();
      expect(
        (await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { ...https, origin: 'https://app.example.com' } })).status,
      ).toBe(200);
      expect((await client.request('/change/', { form: { csrfmiddlewaretoken: token }, headers: { ...https, origin: 'http://app.example.com' } })).status).toBe(
        403,
      );
    });
  });

  test('the token rotates at login: one from before no longer works', async () => {
    const client = Client.inject(h.app);
    const before = (await client.request('/form/')).json<{ token: string }>().token;
    const cookieBefore = client.cookies.get('csrftoken');
    await client.login('alice');
    expect(client.cookies.get('csrftoken')).not.toBe(cookieBefore);
    expect((await client.request('/private/change/', { form: { csrfmiddlewaretoken: before } })).status).toBe(403);
    const after = (await client.request('/form/')).json<{ token: string }>().token;
    expect((await client.request('/private/change/', { form: { csrfmiddlewaretoken: after } })).status).toBe(200);
  });

  test('a planted CSRF cookie (from before login) is replaced at login', async () => {
    const attacker = await withToken();
    const victim = Client.inject(h.app);
    victim.cookies.set('csrftoken', attacker.client.cookies.get('csrftoken')!);
    await victim.login('bob');
    expect(victim.cookies.get('csrftoken')).not.toBe(attacker.client.cookies.get('csrftoken'));
    expect((await victim.request('/private/change/', { form: { csrfmiddlewaretoken: attacker.token } })).status).toBe(403);
  });

  test('an exempt route (csrf: false) takes posts without a token, and the inventory says so', async () => {
    expect((await Client.inject(h.app).request('/webhook/', { json: {} })).status).toBe(200);
    expect(h.app.gatehouseRoutes().find((r) => r.url === '/webhook/')).toMatchObject({ csrfExempt: true });
  });

  test('the CSRF cookie is HttpOnly and SameSite=Lax', async () => {
    const res = await h.app.inject('/form/');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]).find((c) => c.startsWith('csrftoken='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
  });
});
