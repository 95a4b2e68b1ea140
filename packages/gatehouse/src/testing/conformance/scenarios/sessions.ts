/**
 * Login and logout: the login page, one answer for every failure, the session cookie's flags,
 * session rotation (a planted or old id is dead), logout by POST only, and the CSRF check on it.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_JSON } from '../client.js';
import { type ConformanceScenarioGroup, browser, lastAuditSeq, auditSince, loggedIn } from '../world.js';
import { INVALID_LOGIN, setCookie, setsSession, stablePage } from './checks.js';

/** The login and logout scenarios. */
export const sessionScenarios: ConformanceScenarioGroup = {
  name: 'login and logout',
  scenarios: [
    {
      name: 'the login page: a form with a CSRF field, never cached; the CSRF cookie is HttpOnly and SameSite=Lax',
      async run(world, expect) {
        const res = await browser(world).request('/accounts/login/');
        expect(res.status).toBe(200);
        expect(res.headers['content-type'] ?? '').toMatch(/^text\/html/);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toContain('name="username"');
        expect(res.body).toContain('name="password"');
        expect(res.body).toMatch(/name="csrfmiddlewaretoken" value="[A-Za-z0-9_-]{86}"/);
        const cookie = setCookie(res, 'csrftoken') ?? '';
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/SameSite=Lax/i);
        expect(cookie).toMatch(/Path=\//i);
      },
    },
    {
      name: 'a successful login: 302 to the login redirect, an HttpOnly SameSite=Lax session cookie, the user known, audited',
      async run(world, expect) {
        const before = await lastAuditSeq(world);
        const client = browser(world);
        const res = await client.submit('/accounts/login/', { username: 'frank', password: CONFORMANCE_PASSWORD });
        expect(res.status).toBe(302);
        expect(res.location).toBe('/dashboard/');
        const cookie = setCookie(res, 'sessionid') ?? '';
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/SameSite=Lax/i);
        expect(cookie).toMatch(/Path=\//i);
        // Plain HTTP in development: a Secure cookie would never come back.
        expect(cookie).not.toMatch(/Secure/i);
        // A persistent cookie, ending with the session (not when the browser closes).
        expect(cookie).toMatch(/Expires=|Max-Age=/i);
        expect((await client.request('/whoami/', { headers: { accept: ACCEPT_JSON } })).json()).toEqual({ user: 'frank', anonymous: false });
        const logins = (await auditSince(world, before)).filter((e) => e.action === 'auth.login');
        expect(logins.map((e) => e.actor)).toEqual(['frank']);
      },
    },
    {
      name: 'an unknown user, a wrong password and an inactive account get the very same page, and no session',
      async run(world, expect) {
        const pages: string[] = [];
        for (const [username, password] of [
          ['nobody', CONFORMANCE_PASSWORD],
          ['frank', 'wrong password'],
          ['inactive', CONFORMANCE_PASSWORD],
        ] as const) {
          const client = browser(world);
          const res = await client.submit('/accounts/login/', { username, password });
          expect(res.status, username).toBe(200);
          expect(res.body, username).toContain(INVALID_LOGIN);
          expect(setsSession(res), username).toBe(false);
          expect(client.session(), username).toBeUndefined();
          pages.push(stablePage(res.body).replace(`value="${username}"`, 'value="USER"'));
        }
        expect(new Set(pages).size).toBe(1);
      },
    },
    {
      name: 'missing fields: a field error; what was typed is escaped when shown again; usernames are NFKC-normalised',
      async run(world, expect) {
        const empty = await browser(world).submit('/accounts/login/', { username: '', password: '' });
        expect(empty.status).toBe(200);
        expect(empty.body).toContain('This field is required.');
        const typed = await browser(world).submit('/accounts/login/', { username: '"><script>alert(1)</script>', password: 'x' });
        expect(typed.status).toBe(200);
        expect(typed.body).not.toContain('<script>alert(1)</script>');
        expect(typed.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
        const client = browser(world);
        const wide = await client.submit('/accounts/login/', { username: 'ｆｒａｎｋ', password: CONFORMANCE_PASSWORD });
        expect(wide.status).toBe(302);
        expect((await client.request('/whoami/', { headers: { accept: ACCEPT_JSON } })).json()).toEqual({ user: 'frank', anonymous: false });
      },
    },
    {
      name: 'session fixation: an id planted before login is replaced, and dead',
      async run(world, expect) {
        const planted = await world.gatehouse.sessions.start(null, {}, { note: 'attacker' });
        const victim = browser(world);
        victim.cookies.set('sessionid', planted.id);
        await victim.login('frank', CONFORMANCE_PASSWORD);
        expect(victim.session()).not.toBe(planted.id);
        expect(await world.gatehouse.sessions.load(planted.id), 'the planted session').toBe(null);
        const attacker = browser(world);
        attacker.cookies.set('sessionid', planted.id);
        expect((await attacker.request('/whoami/', { headers: { accept: ACCEPT_JSON } })).json()).toEqual({ user: '', anonymous: true });
      },
    },
    {
      name: 'logging in again rotates the session: the old cookie no longer works',
      async run(world, expect) {
        const client = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        const old = client.clone();
        expect((await old.request('/dashboard/')).status).toBe(200);
        await client.login('frank', CONFORMANCE_PASSWORD);
        expect(client.session()).not.toBe(old.session());
        expect((await client.request('/dashboard/')).status).toBe(200);
        expect((await old.request('/dashboard/')).status).toBe(302);
        expect((await old.request('/whoami/', { headers: { accept: ACCEPT_JSON } })).json()).toEqual({ user: '', anonymous: true });
        // Switching to another user drops the first user's session too.
        const other = client.clone();
        await client.login('bob', CONFORMANCE_PASSWORD);
        expect((await client.request('/whoami/', { headers: { accept: ACCEPT_JSON } })).json()).toEqual({ user: 'bob', anonymous: false });
        expect((await other.request('/dashboard/')).status).toBe(302);
      },
    },
    {
      name: 'logout (POST with a token): 302 to the logout redirect, the cookie cleared, never cached, the session dead, audited',
      async run(world, expect) {
        const client = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        const stolen = client.clone();
        const before = await lastAuditSeq(world);
        const res = await client.submit('/accounts/login/', {}, '/accounts/logout/');
        expect(res.status).toBe(302);
        expect(res.location).toBe('/accounts/login/');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(client.session()).toBeUndefined();
        expect((await stolen.request('/dashboard/')).status).toBe(302);
        expect((await auditSince(world, before)).some((e) => e.action === 'auth.logout' && e.actor === 'frank')).toBe(true);
      },
    },
    {
      name: 'logout by GET: 405 with Allow: POST, and the session survives',
      async run(world, expect) {
        const client = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        const res = await client.request('/accounts/logout/');
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('POST');
        expect((await client.request('/dashboard/')).status).toBe(200);
      },
    },
    {
      name: 'logout without a CSRF token: 403, still logged in (no forced logout)',
      async run(world, expect) {
        const client = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        expect((await client.request('/accounts/logout/', { form: {} })).status).toBe(403);
        expect((await client.request('/dashboard/')).status).toBe(200);
      },
    },
    {
      name: 'other methods on an account URL: 405 naming the allowed ones',
      async run(world, expect) {
        for (const method of ['PUT', 'DELETE', 'PATCH']) {
          const res = await browser(world).request('/accounts/login/', { method });
          expect(res.status, method).toBe(405);
          const allowed = (res.headers.allow ?? '').split(',').map((m) => m.trim());
          expect(allowed, method).toContain('GET');
          expect(allowed, method).toContain('POST');
          expect(allowed, method).not.toContain(method);
        }
      },
    },
    {
      name: 'a user deactivated meanwhile: the session is dead at once',
      async run(world, expect) {
        const client = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        await world.gatehouse.accounts.setActive(world.users.frank, false);
        try {
          expect((await client.request('/dashboard/')).status).toBe(302);
        } finally {
          await world.gatehouse.accounts.setActive(world.users.frank, true);
        }
      },
    },
  ],
};
