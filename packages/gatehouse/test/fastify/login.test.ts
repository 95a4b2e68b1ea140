/**
 * Login and logout from the attacker's side: one message for every failure, open redirects via
 * `next`, session fixation, switching users, logout by GET, escaping, and the throttle.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashSessionId } from '../../src/core/sessions.js';
import { authenticated, publicAccess } from '../../src/fastify/index.js';
import { Client, PASSWORD, type TestApp, buildApp } from './helpers.js';

/** The page without the parts that differ on every render (tokens). */
function stable(body: string): string {
  return body.replace(/value="[A-Za-z0-9_-]{86}"/g, 'value="TOKEN"');
}

describe('login', () => {
  let h: TestApp;

  beforeAll(async () => {
    h = await buildApp({
      fastify: { trustProxy: true },
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
        app.get('/whoami/', { config: { access: publicAccess() } }, async (request) => ({ user: request.user.username, anonymous: request.user.isAnonymous }));
      },
    });
  });
  afterAll(async () => h.close());

  test('GET shows the form with a CSRF field, never cached', async () => {
    const res = await Client.inject(h.app).request('/accounts/login/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('name="username"');
    expect(res.body).toMatch(/name="csrfmiddlewaretoken" value="[A-Za-z0-9_-]{86}"/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('success: 302 to loginRedirectUrl, an HttpOnly SameSite=Lax session cookie, request.user set', async () => {
    const client = Client.inject(h.app);
    await client.request('/accounts/login/');
    const res = await client.request('/accounts/login/', { form: { csrfmiddlewaretoken: client.lastToken, username: 'alice', password: PASSWORD } });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/dashboard/');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((c) => c.startsWith('sessionid='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).toMatch(/Expires=/);
    expect((await client.request('/dashboard/')).json()).toEqual({ user: 'alice' });
    const logins = await h.t.gatehouse.audit.list({ action: 'auth.login' });
    expect(logins.some((e) => e.actor === 'alice')).toBe(true);
  });

  test('unknown user, wrong password and inactive account get the very same page', async () => {
    const pages: string[] = [];
    for (const [username, password] of [
      ['nobody', PASSWORD],
      ['alice', 'wrong password'],
      ['inactive', PASSWORD],
    ] as const) {
      const client = Client.inject(h.app);
      const res = await client.submit('/accounts/login/', { username, password }, '/accounts/login/', { 'x-forwarded-for': `10.9.0.${pages.length + 1}` });
      expect(res.status).toBe(200);
      expect(res.body).toContain('Please enter a correct username and password. Note that both fields may be case-sensitive.');
      expect(client.session()).toBeUndefined();
      pages.push(stable(res.body).replace(`value="${username}"`, 'value="USER"'));
    }
    expect(new Set(pages).size).toBe(1);
    const failures = await h.t.gatehouse.audit.list({ action: 'auth.login_failed' });
    expect(failures.map((e) => e.target)).toEqual(expect.arrayContaining(['nobody', 'alice', 'inactive']));
  });

  test('missing fields: a field error, no lookup', async () => {
    const res = await Client.inject(h.app).submit('/accounts/login/', { username: '', password: '' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('This field is required.');
  });

  test('what the user typed is escaped when shown again', async () => {
    const res = await Client.inject(h.app).submit('/accounts/login/', { username: '"><script>alert(1)</script>', password: 'x' }, '/accounts/login/', {
      'x-forwarded-for': '10.9.1.1',
    });
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  describe('next', () => {
    test('a safe next (form field or query) is followed', async () => {
      const client = Client.inject(h.app);
      const page = await client.request('/accounts/login/?next=/orders/%3Fpage%3D2');
      expect(page.body).toContain('name="next" value="/orders/?page=2"');
      const res = await client.request('/accounts/login/?next=/orders/%3Fpage%3D2', {
        form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: PASSWORD, next: '/orders/?page=2' },
      });
      expect(res.location).toBe('/orders/?page=2');
    });

    test.each([
      '//evil.com/',
      '/\\evil.com',
      'https://evil.com/',
      'http://localhost:80@evil.com/',
      'javascript:alert(1)',
      '\t//evil.com',
      'https:evil.com',
      `/${'x'.repeat(2100)}`,
    ])('an unsafe next (%j) falls back to loginRedirectUrl, and is not echoed into the form', async (next) => {
      const client = Client.inject(h.app);
      const page = await client.request(`/accounts/login/?next=${encodeURIComponent(next)}`);
      expect(page.body).not.toContain('name="next"');
      const res = await client.request('/accounts/login/', { form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: PASSWORD, next } });
      expect(res.status).toBe(302);
      expect(res.location).toBe('/dashboard/');
    });

    test('an absolute URL to this very host is fine', async () => {
      const client = Client.inject(h.app);
      const res = await client.submit('/accounts/login/', { username: 'bob', password: PASSWORD, next: 'http://localhost:80/orders/' });
      expect(res.location).toBe('http://localhost/orders/');
    });
  });

  describe('sessions', () => {
    test('session fixation: a session id planted before login is not the one after, and is dead', async () => {
      const planted = await h.t.gatehouse.sessions.start(null, {}, { note: 'attacker' });
      const victim = Client.inject(h.app);
      victim.cookies.set('sessionid', planted.id);
      await victim.login('alice');
      expect(victim.session()).toBeDefined();
      expect(victim.session()).not.toBe(planted.id);
      expect(await h.t.gatehouse.stores.sessions.get(hashSessionId(planted.id))).toBeNull();
      const attacker = Client.inject(h.app);
      attacker.cookies.set('sessionid', planted.id);
      expect((await attacker.request('/whoami/')).json()).toEqual({ user: '', anonymous: true });
    });

    test('logging in as someone else drops the previous user’s session and its data', async () => {
      const client = Client.inject(h.app);
      await client.login('alice');
      const aliceSession = client.session()!;
      const loaded = await h.t.gatehouse.sessions.load(aliceSession);
      await h.t.gatehouse.sessions.saveData(loaded!, { ...loaded!.record.data, secret: 'alice only' });
      await client.login('bob');
      expect(client.session()).not.toBe(aliceSession);
      expect(await h.t.gatehouse.sessions.load(aliceSession)).toBeNull();
      const bob = await h.t.gatehouse.sessions.load(client.session()!);
      expect(bob?.user?.username).toBe('bob');
      expect(bob?.record.data.secret).toBeUndefined();
    });

    test('a malformed, unknown or forged session cookie is simply no session, and is cleared', async () => {
      for (const value of ['garbage', 'A'.repeat(43), '%%%', '', 'x'.repeat(5000), '\u00ff\u00fe']) {
        const res = await h.app.inject({ url: '/whoami/', headers: { cookie: `sessionid=${value}` } });
        expect(res.statusCode, value).toBe(200);
        expect(res.json()).toEqual({ user: '', anonymous: true });
      }
      const res = await h.app.inject({ url: '/whoami/', headers: { cookie: `sessionid=${'A'.repeat(43)}` } });
      expect(String(res.headers['set-cookie'])).toMatch(/sessionid=;.*Expires=Thu, 01 Jan 1970/);
    });

    test('a session of a user who was deactivated meanwhile is dead', async () => {
      const client = Client.inject(h.app);
      await client.login('sam');
      await h.t.gatehouse.accounts.setActive(h.users.sam!, false);
      expect((await client.request('/whoami/')).json()).toEqual({ user: '', anonymous: true });
      await h.t.gatehouse.accounts.setActive(h.users.sam!, true);
    });
  });

  describe('logout', () => {
    test('POST ends the session, clears the cookie, and redirects to logoutRedirectUrl', async () => {
      const client = Client.inject(h.app);
      await client.login('alice');
      const id = client.session()!;
      const res = await client.submit('/accounts/login/', {}, '/accounts/logout/');
      expect(res.status).toBe(302);
      expect(res.location).toBe('/accounts/login/');
      expect(client.session()).toBeUndefined();
      expect(await h.t.gatehouse.sessions.load(id)).toBeNull();
      const stolen = Client.inject(h.app);
      stolen.cookies.set('sessionid', id);
      expect((await stolen.request('/dashboard/')).status).toBe(302);
      expect((await h.t.gatehouse.audit.list({ action: 'auth.logout' })).some((e) => e.actor === 'alice')).toBe(true);
    });

    test('GET → 405 with Allow: POST, and the session survives', async () => {
      const client = Client.inject(h.app);
      await client.login('alice');
      const res = await client.request('/accounts/logout/');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect((await client.request('/dashboard/')).status).toBe(200);
    });

    test('POST without a CSRF token → 403, still logged in (no forced logout)', async () => {
      const client = Client.inject(h.app);
      await client.login('alice');
      expect((await client.request('/accounts/logout/', { form: {} })).status).toBe(403);
      expect((await client.request('/dashboard/')).status).toBe(200);
    });

    test('a safe next is followed; an unsafe one is not', async () => {
      const client = Client.inject(h.app);
      await client.login('alice');
      expect((await client.submit('/accounts/login/', { next: '/bye/' }, '/accounts/logout/')).location).toBe('/bye/');
      await client.login('alice');
      expect((await client.submit('/accounts/login/', { next: '//evil.com' }, '/accounts/logout/')).location).toBe('/accounts/login/');
    });

    test('anonymous logout is harmless', async () => {
      const res = await Client.inject(h.app).submit('/accounts/login/', {}, '/accounts/logout/');
      expect(res.status).toBe(302);
    });
  });

  test('other methods on account URLs → 405', async () => {
    const res = await h.app.inject({ method: 'PUT', url: '/accounts/login/' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, POST, HEAD');
  });
});

describe('login throttling', () => {
  let h: TestApp;

  beforeAll(async () => {
    h = await buildApp({ fastify: { trustProxy: true }, config: { throttle: { perAccountAndAddress: 3, perAddress: 6, window: 900 } } });
  });
  afterAll(async () => h.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  test('after the limit, even the right password is refused (429, Retry-After), with a generic message', async () => {
    const client = Client.inject(h.app);
    for (let i = 0; i < 3; i += 1) {
      expect((await client.submit('/accounts/login/', { username: 'alice', password: `guess${i}` }, '/accounts/login/', from('10.0.0.1'))).status).toBe(200);
    }
    const blocked = await client.submit('/accounts/login/', { username: 'alice', password: PASSWORD }, '/accounts/login/', from('10.0.0.1'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toContain('Too many failed attempts');
    expect(client.session()).toBeUndefined();
    expect((await h.t.gatehouse.audit.list({ action: 'auth.login_throttled' })).length).toBeGreaterThan(0);
  });

  test('the victim, from elsewhere, is not locked out', async () => {
    const victim = Client.inject(h.app);
    const res = await victim.submit('/accounts/login/', { username: 'alice', password: PASSWORD }, '/accounts/login/', from('10.0.0.2'));
    expect(res.status).toBe(302);
  });

  test('an unknown username is throttled exactly like a real one (no enumeration)', async () => {
    const statuses = async (username: string, ip: string) => {
      const out: number[] = [];
      for (let i = 0; i < 4; i += 1)
        out.push((await Client.inject(h.app).submit('/accounts/login/', { username, password: 'x' }, '/accounts/login/', from(ip))).status);
      return out;
    };
    expect(await statuses('bob', '10.0.1.1')).toEqual(await statuses('no_such_user', '10.0.1.2'));
  });

  test('one address spraying many accounts is stopped by the per-address limit', async () => {
    const seen: number[] = [];
    for (const username of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']) {
      seen.push((await Client.inject(h.app).submit('/accounts/login/', { username, password: 'x' }, '/accounts/login/', from('10.0.2.1'))).status);
    }
    expect(seen.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(seen[6]).toBe(429);
  });

  test('the username is counted as typed by the throttle port, with the client address', async () => {
    const calls: string[] = [];
    let blocked = false;
    const stub = {
      reserve: async (key: { username: string; ip: string }) => {
        calls.push(`reserve ${key.username} ${key.ip}`);
        if (blocked) return { allowed: false as const, retryAfterSeconds: 42 };
        return {
          allowed: true as const,
          failed: async () => void calls.push(`failure ${key.username} ${key.ip}`),
          succeeded: async () => void calls.push(`success ${key.username} ${key.ip}`),
          release: async () => void calls.push(`release ${key.username} ${key.ip}`),
        };
      },
    };
    const app = await buildApp({ fastify: { trustProxy: true }, plugin: { throttle: stub } });
    const client = Client.inject(app.app);
    await client.submit('/accounts/login/', { username: 'bob', password: 'x' }, '/accounts/login/', from('10.0.4.1'));
    await client.submit('/accounts/login/', { username: 'bob', password: PASSWORD }, '/accounts/login/', from('10.0.4.1'));
    blocked = true;
    const res = await Client.inject(app.app).submit('/accounts/login/', { username: 'bob', password: PASSWORD }, '/accounts/login/', from('10.0.4.1'));
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(calls).toEqual(['reserve bob 10.0.4.1', 'failure bob 10.0.4.1', 'reserve bob 10.0.4.1', 'success bob 10.0.4.1', 'reserve bob 10.0.4.1']);
    await app.close();
  });
});
