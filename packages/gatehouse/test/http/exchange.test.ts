/**
 * The `AuthExchange` driven with plain `HttpRequest` objects (no framework): CSRF, every access
 * declaration kind, what `finish` puts on the response, the critical audit written exactly once,
 * and login as one core write (session rotated with `reauthAt`, pending reset dropped). On SQLite
 * and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defineApps } from '../../src/core/permissions.js';
import {
  AuthExchange,
  type HttpSite,
  REAUTH_AT,
  RESET_TOKEN,
  RESET_UID,
  authenticated,
  createHttpSite,
  critical,
  defineRule,
  objectRule,
  originResponse,
  passesTest,
  permission,
  publicAccess,
  recentAuth,
  staffOnly,
} from '../../src/http/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type FakeRequestInit, fakeRequest, memoryLogger } from './fake-request.js';

const apps = defineApps({ billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } } });
const PASSWORD = 'correct horse battery staple';

/** Cookie name → value from serialized Set-Cookie values. */
function cookieJar(setCookies: readonly string[]): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const eq = (pair ?? '').indexOf('=');
    jar[(pair ?? '').slice(0, eq)] = (pair ?? '').slice(eq + 1);
  }
  return jar;
}

for (const database of testDatabases()) {
  describe(`AuthExchange (${database.label})`, () => {
    let fresh: FreshDatabase;
    let t: TestGatehouse<string>;
    let site: HttpSite;
    const log = memoryLogger();

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      t = (await createTestGatehouse({ apps, databaseUrl: fresh.url })) as unknown as TestGatehouse<string>;
      await t.createUser('alice', { password: PASSWORD });
      await t.createUser('fin', { password: PASSWORD, isStaff: true, permissions: ['billing.approve_payout', 'billing.view_invoice'] });
      await t.createUser('fin_nostaff', { password: PASSWORD, permissions: ['billing.approve_payout'] });
      await t.createUser('staffer', { password: PASSWORD, isStaff: true });
      site = await createHttpSite({ gatehouse: t.gatehouse, throttle: false, rateLimits: false }, log);
    }, 60_000);

    afterAll(async () => {
      await site?.tasks.settled();
      await t?.close();
      await fresh?.drop();
    });

    async function open(init: FakeRequestInit = {}, declaration?: Parameters<typeof AuthExchange.open>[3]): Promise<AuthExchange> {
      return AuthExchange.open(site, fakeRequest(init), log, declaration);
    }

    /** Logs `username` in through an exchange; the cookies the browser would then hold. */
    async function loginCookies(username: string): Promise<Record<string, string>> {
      const exchange = await open({ method: 'POST', url: '/accounts/login/' });
      const user = await t.gatehouse.authenticate({ username, password: PASSWORD });
      if (!user) throw new Error(`cannot log ${username} in`);
      await exchange.login(user);
      return cookieJar((await exchange.finish({ status: 302, headers: {}, cookies: [], body: null })).cookies);
    }

    async function auditCount(action: string): Promise<number> {
      return (await t.gatehouse.audit.list({ action, limit: 1000 })).length;
    }

    describe('origin', () => {
      test('a Host not on the allow-list is a 400 before any session is read; an allowed one passes', () => {
        const refused = originResponse(site, fakeRequest({ host: 'evil.example' }), log);
        expect(refused?.status).toBe(400);
        expect(refused?.headers['cache-control']).toBe('no-store');
        expect(refused?.headers['x-frame-options']).toBe('DENY');
        expect(originResponse(site, fakeRequest({ protocol: 'https://evil.example/?' }), log)?.status).toBe(400);
        expect(originResponse(site, fakeRequest({ host: 'localhost:3000' }), log)).toBeNull();
      });
    });

    describe('CSRF', () => {
      test('safe methods and exempt routes pass; an unsafe one without the cookie gets the 403 page, or JSON for a script', async () => {
        expect(await (await open()).checkCsrf(false)).toBeNull();
        expect(await (await open({ method: 'POST' })).checkCsrf(true)).toBeNull();
        const page = await (await open({ method: 'POST', headers: { accept: 'text/html' } })).checkCsrf(false);
        expect(page?.status).toBe(403);
        expect(page?.headers['content-type']).toMatch(/text\/html/);
        const script = await (await open({ method: 'POST', headers: { 'x-requested-with': 'XMLHttpRequest' } })).checkCsrf(false);
        expect(script?.status).toBe(403);
        expect(JSON.parse(script?.body ?? '{}')).toMatchObject({ error: 'csrf_failed' });
      });

      test('a token from a page, posted back with the cookie it set, passes; a token from another secret does not', async () => {
        const page = await open();
        const token = page.csrfToken();
        expect(page.csrfToken()).not.toBe(token); // masked anew each time
        const jar = cookieJar((await page.finish({ status: 200, headers: {}, cookies: [], body: null })).cookies);
        expect(Object.keys(jar)).toEqual(['csrftoken']);
        expect(await (await open({ method: 'POST', cookies: jar, body: { csrfmiddlewaretoken: token } })).checkCsrf(false)).toBeNull();
        expect(await (await open({ method: 'POST', cookies: jar, headers: { 'x-csrftoken': token } })).checkCsrf(false)).toBeNull();
        const other = (await open()).csrfToken();
        expect((await (await open({ method: 'POST', cookies: jar, body: { csrfmiddlewaretoken: other } })).checkCsrf(false))?.status).toBe(403);
        // A foreign Origin fails even with a good token.
        const foreign = await open({ method: 'POST', cookies: jar, body: { csrfmiddlewaretoken: token }, headers: { origin: 'http://evil.example' } });
        expect((await foreign.checkCsrf(false))?.status).toBe(403);
        // Under HTTPS a request with neither Origin nor Referer is refused.
        const bare = await open({ method: 'POST', protocol: 'https', cookies: jar, body: { csrfmiddlewaretoken: token } });
        expect((await bare.checkCsrf(false))?.status).toBe(403);
      });
    });

    describe('authorize, per declaration kind', () => {
      test('public: anyone; authenticated: the anonymous user is sent to log in (page) or gets 401 (script)', async () => {
        expect(await (await open()).authorize(publicAccess())).toBeNull();
        const redirect = await (await open({ url: '/invoices/?page=2' })).authorize(authenticated());
        expect(redirect?.status).toBe(302);
        expect(redirect?.headers.location).toBe('/accounts/login/?next=/invoices/%3Fpage%3D2');
        const api = await (await open({ headers: { accept: 'application/json' } })).authorize(authenticated());
        expect(api?.status).toBe(401);
        expect(JSON.parse(api?.body ?? '{}')).toMatchObject({ error: 'not_authenticated', loginUrl: '/accounts/login/' });
        // Node's own fetch with no Accept preference still gets the redirect.
        const node = await (await open({ headers: { accept: '*/*', 'sec-fetch-mode': 'cors' } })).authorize(authenticated());
        expect(node?.status).toBe(302);
      });

      test('staff, permission, critical, test, object: each refuses whom it should, with 403 naming nothing', async () => {
        const alice = await loginCookies('alice');
        const fin = await loginCookies('fin');
        const finNoStaff = await loginCookies('fin_nostaff');
        const staffer = await loginCookies('staffer');
        const as = (cookies: Record<string, string>): Promise<AuthExchange> => open({ cookies, headers: { accept: 'text/html' } });

        expect(await (await as(alice)).authorize(authenticated())).toBeNull();
        expect((await (await as(alice)).authorize(staffOnly()))?.status).toBe(403);
        expect(await (await as(staffer)).authorize(staffOnly())).toBeNull();
        expect((await (await as(alice)).authorize(permission('billing.view_invoice')))?.status).toBe(403);
        expect(await (await as(fin)).authorize(permission('billing.view_invoice'))).toBeNull();
        // Critical needs both the staff flag and the permission.
        expect((await (await as(finNoStaff)).authorize(critical('billing.approve_payout')))?.status).toBe(403);
        expect((await (await as(staffer)).authorize(critical('billing.approve_payout')))?.status).toBe(403);
        expect(await (await as(fin)).authorize(critical('billing.approve_payout'))).toBeNull();
        // A custom test gets the native request as its second argument.
        let seen: unknown = null;
        const test = passesTest('starts with a', (user, native) => {
          seen = native;
          return user.username.startsWith('a');
        });
        expect(await (await as(alice)).authorize(test)).toBeNull();
        expect(seen).toEqual({ fake: true });
        const denied = await (await as(fin)).authorize(test);
        expect(denied?.status).toBe(403);
        expect(denied?.body).not.toMatch(/starts with a|billing\./);
        // Object rules: logged in at the route; the handler decides.
        const rule = defineRule<{ owner: string }>({
          name: 'own',
          check: (user, o) => o.owner === user.username,
          where: () => {
            throw new Error('unused');
          },
        });
        expect(await (await as(alice)).authorize(objectRule(rule))).toBeNull();
        expect((await (await open()).authorize(objectRule(rule)))?.status).toBe(302);
      });

      test('recentAuth: a fresh login counts (login writes reauthAt); two minutes later a one-minute window sends to re-authenticate', async () => {
        const alice = await loginCookies('alice');
        expect(await (await open({ cookies: alice })).authorize(recentAuth(authenticated(), 60))).toBeNull();
        t.clock.advance(120 * 1000);
        const stale = await (await open({ cookies: alice, url: '/danger/' })).authorize(recentAuth(authenticated(), 60));
        expect(stale?.status).toBe(302);
        expect(stale?.headers.location).toBe('/accounts/reauth/?next=/danger/');
      });
    });

    describe('login and the session', () => {
      test('login is one core write: new id, reauthAt set, a pending reset dropped, the CSRF secret replaced', async () => {
        const anonymous = await open();
        await anonymous.updateSessionData({ [RESET_UID]: 7, [RESET_TOKEN]: 'bound', cart: [1] });
        anonymous.csrfToken();
        const before = cookieJar((await anonymous.finish({ status: 200, headers: {}, cookies: [], body: null })).cookies);
        const exchange = await open({ method: 'POST', cookies: before });
        const user = await t.gatehouse.authenticate({ username: 'alice', password: PASSWORD });
        await exchange.login(user!);
        const data = exchange.sessionData();
        expect(data.cart).toEqual([1]);
        expect(data[RESET_UID]).toBeUndefined();
        expect(data[RESET_TOKEN]).toBeUndefined();
        expect(data[REAUTH_AT]).toBe(t.clock.now());
        const after = cookieJar((await exchange.finish({ status: 302, headers: {}, cookies: [], body: null })).cookies);
        expect(after.sessionid).not.toBe(before.sessionid);
        expect(after.csrftoken).not.toBe(before.csrftoken);
        // The stored session holds the same data: nothing was patched after it was created.
        const stored = await t.gatehouse.sessions.load(after.sessionid!);
        expect(stored?.record.data).toEqual(data);
        expect(await t.gatehouse.sessions.load(before.sessionid!)).toBeNull();
      });

      test('logout ends the session and clears the cookie; a session-less public route reads nothing until it must', async () => {
        const alice = await loginCookies('alice');
        const lazy = await open({ cookies: alice }, publicAccess({ session: false }));
        expect(lazy.user.isAuthenticated).toBe(false);
        await lazy.logout();
        const out = await lazy.finish({ status: 302, headers: {}, cookies: [], body: null });
        expect(out.cookies.find((c) => c.startsWith('sessionid='))).toMatch(
          /^sessionid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/,
        );
        expect(await t.gatehouse.sessions.load(alice.sessionid!)).toBeNull();
      });
    });

    describe('finish', () => {
      test('a logged-in answer: private no-store unless the app chose, Vary: Cookie merged, nothing for anonymous visitors', async () => {
        const alice = await loginCookies('alice');
        const out = await (await open({ cookies: alice })).finish({ status: 200, headers: { vary: 'Accept' }, cookies: [], body: null });
        expect(out.headers['cache-control']).toBe('private, no-store');
        expect(out.headers.vary).toBe('Accept, Cookie');
        expect(out.cookies).toEqual([]);
        const own = await (await open({ cookies: alice })).finish({
          status: 200,
          headers: { 'cache-control': 'private, max-age=60' },
          cookies: [],
          body: null,
        });
        expect(own.headers['cache-control']).toBe('private, max-age=60');
        const visitor = await (await open()).finish({ status: 200, headers: {}, cookies: [], body: null });
        expect(visitor.headers['cache-control']).toBeUndefined();
        expect(visitor.headers.vary).toBeUndefined();
        // The site's security headers are added where the answer has none of its own.
        expect(visitor.headers['x-frame-options']).toBe('DENY');
        expect(visitor.headers['referrer-policy']).toBe('same-origin');
      });

      test('a stale session cookie is cleared; the session cookie carries its expiry and attributes', async () => {
        const out = await (await open({ cookies: { sessionid: 'x'.repeat(43) } })).finish({ status: 200, headers: {}, cookies: [], body: null });
        expect(out.cookies).toEqual(['sessionid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax']);
        const exchange = await open({ method: 'POST' });
        await exchange.login((await t.gatehouse.authenticate({ username: 'alice', password: PASSWORD }))!);
        const set = (await exchange.finish({ status: 302, headers: {}, cookies: [], body: null })).cookies.find((c) => c.startsWith('sessionid='));
        expect(set).toMatch(/^sessionid=[A-Za-z0-9_-]+; Path=\/; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/);
      });

      test('an objectRule route that answers success without authorizeObject fails closed (500)', async () => {
        const rule = defineRule<{ owner: string }>({
          name: 'own',
          check: () => true,
          where: () => {
            throw new Error('unused');
          },
        });
        const alice = await loginCookies('alice');
        const skipped = await open({ cookies: alice }, objectRule(rule));
        const out = await skipped.finish({ status: 200, headers: {}, cookies: [], body: null });
        expect(out.status).toBe(500);
        expect(out.body).toBe('Server error.');
        const checked = await open({ cookies: alice }, objectRule(rule));
        checked.markObjectChecked();
        expect((await checked.finish({ status: 200, headers: {}, cookies: [], body: null })).status).toBe(200);
      });

      test('a critical allow is written once: by the CSRF check, or as denied by finish/end when the check never ran', async () => {
        const fin = await loginCookies('fin');
        const allowedBefore = await auditCount('access.allowed');
        const deniedBefore = await auditCount('access.denied');

        const passes = await open({ method: 'POST', cookies: fin, route: '/payouts/:id/approve/' });
        expect(await passes.authorize(critical('billing.approve_payout'))).toBeNull();
        expect(await auditCount('access.allowed')).toBe(allowedBefore); // pending, not yet written
        expect(await passes.checkCsrf(true)).toBeNull();
        await passes.finish({ status: 200, headers: {}, cookies: [], body: null });
        await passes.end({ status: 200 });
        expect(await auditCount('access.allowed')).toBe(allowedBefore + 1);

        const answeredEarly = await open({ method: 'POST', cookies: fin, route: '/payouts/:id/approve/' });
        await answeredEarly.authorize(critical('billing.approve_payout'));
        await answeredEarly.finish({ status: 415, headers: {}, cookies: [], body: null });
        await answeredEarly.end({ status: 415 });
        const denied = await t.gatehouse.audit.list({ action: 'access.denied', limit: 1 });
        expect(denied[0]?.data).toMatchObject({ reason: 'request failed before the CSRF check (415)' });

        const aborted = await open({ method: 'POST', cookies: fin, route: '/payouts/:id/approve/' });
        await aborted.authorize(critical('billing.approve_payout'));
        await aborted.end({ aborted: true });
        await aborted.end({ status: 200 });
        expect(await auditCount('access.denied')).toBe(deniedBefore + 2);
        expect(await auditCount('access.allowed')).toBe(allowedBefore + 1);
      });
    });
  });
}
