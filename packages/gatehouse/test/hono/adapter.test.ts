/**
 * gatehouse/hono from the attacker's side: a Hono app served by @hono/node-server on a real
 * socket, driven with fetch, on SQLite and PostgreSQL. What the conformance suite covers for
 * every adapter is not repeated here; these are the Hono-specific parts: the matched-chain guards
 * (`access`, guards on `app.use` patterns), the route check and its fail-closed runtime twin,
 * the shared body reader and its limits, the error and not-found handlers, proxy trust from the
 * runtime's connection info, and the object-rule safety net.
 */
import { Hono } from 'hono';
import { type SqlBool, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PermissionDenied } from '../../src/core/errors.js';
import {
  type GatehouseEnv,
  access,
  authenticated,
  authorizeObject,
  critical,
  csrfToken,
  defineRule,
  gatehouseHono,
  login,
  loginRequired,
  objectRule,
  permissionRequired,
  publicAccess,
  recentAuthRequired,
  staffMemberRequired,
  trustedProxies,
  userPassesTest,
} from '../../src/hono/index.js';
import { createTestGatehouse } from '../../src/testing/index.js';
import { testDatabases } from '../support/databases.js';
import { Browser, type HonoTestApp, captureLogger, chunkedUpload, listen, rawRequest, startHonoApp } from './helpers.js';

interface Order {
  id: number;
  ownerId: number;
}

const orderRule = defineRule<Order>({
  name: 'shop.order.view',
  grantedBy: ['shop.view_all_orders'],
  check: (user, order) => order.ownerId === user.id,
  where: (user) => sql<SqlBool>`owner_id = ${user.id}`,
});

for (const database of testDatabases()) {
  describe(`gatehouse/hono on ${database.label}`, () => {
    let server: HonoTestApp;
    const orders = new Map<number, Order>();

    beforeAll(async () => {
      server = await startHonoApp({
        kind: database.kind,
        build(app, { gh, users }) {
          orders.set(1, { id: 1, ownerId: users.alice.id });
          orders.set(2, { id: 2, ownerId: users.bob.id });
          const typed = app as unknown as Hono<GatehouseEnv>;
          typed.use('*', gh.middleware);
          typed.onError(gh.onError);
          typed.notFound(gh.notFound);
          typed.route('/accounts', gh.accountViews);
          typed.get('/public/', access(publicAccess()), (c) => c.json({ user: c.get('user').isAuthenticated ? c.get('user').username : null }));
          typed.get('/health/', access(publicAccess({ session: false })), (c) => c.json({ ok: true, user: c.get('user').isAuthenticated }));
          typed.get('/dashboard/', access(authenticated()), (c) => c.json({ id: c.get('user').id }));
          typed.get('/invoices/', permissionRequired('billing.view_invoice'), (c) => c.json({ invoices: [] }));
          typed.post('/payouts/:id/approve/', access(critical('billing.approve_payout')), (c) => c.json({ approved: c.req.param('id') }));
          typed.use('/admin/*', staffMemberRequired());
          typed.get('/admin/panel/', (c) => c.json({ panel: true }));
          typed.get('/orders/:id/', access(objectRule(orderRule)), async (c) => {
            const order = await authorizeObject(c, orderRule, orders.get(Number(c.req.param('id'))));
            return c.json(order);
          });
          typed.get('/forgetful/:id/', access(objectRule(orderRule)), (c) => c.json(orders.get(Number(c.req.param('id'))) ?? null));
          typed.post('/echo/', access(authenticated()), async (c) => c.json({ fields: await c.req.parseBody(), text: await c.req.text() }));
          typed.post('/webhook/', access(publicAccess(), { csrf: false }), async (c) => c.json({ length: (await c.req.text()).length }));
          typed.get('/boom/', access(publicAccess()), () => {
            throw new Error('secret detail of the failure');
          });
          typed.get('/denied/', access(authenticated()), () => {
            throw new PermissionDenied('the handler said no');
          });
          typed.get('/sensitive/', recentAuthRequired(60), (c) => c.json({ sensitive: true }));
          typed.get(
            '/bob-only/',
            userPassesTest((user) => user.isAuthenticated && user.username === 'bob'),
            (c) => c.json({ bob: true }),
          );
          // A sub-app with its own error handler (Hono then wraps its handlers) and a guard on all of it.
          const api = new Hono<GatehouseEnv>();
          api.onError((_error, c) => c.json({ error: 'api' }, 500));
          api.use('*', loginRequired());
          api.get('/me/', (c) => c.json({ me: c.get('user').username }));
          typed.route('/api', api);
          typed.basePath('/v2').get('/ping/', access(publicAccess()), (c) => c.text('pong'));
          // Answers gatehouse did not see being made: a plain Response, and a fetch() answer (immutable headers).
          typed.get('/raw/', access(publicAccess()), () => new Response('raw', { headers: { 'content-security-policy': "default-src 'none'" } }));
          typed.get('/proxied/', access(publicAccess({ session: false })), () => fetch(`${server.origin}/health/`));
          typed.post('/login-as-alice/', access(publicAccess()), async (c) => {
            await login(c, users.alice);
            return c.json({ loggedIn: c.get('user').isAuthenticated });
          });
        },
      });
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it('sends anonymous browsers to log in and API clients a JSON 401', async () => {
      const browser = new Browser(server.origin);
      const page = await browser.fetch('/dashboard/?tab=1');
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/accounts/login/?next=/dashboard/%3Ftab%3D1');
      const api = await browser.fetch('/dashboard/', { headers: { accept: 'application/json' } });
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: 'not_authenticated' });
    });

    it('logs in through the account views and sets c.get("user")', async () => {
      const browser = new Browser(server.origin);
      const login = await browser.login('alice');
      expect(login.headers.get('location')).toBe('/dashboard/');
      const dashboard = await browser.fetch('/dashboard/');
      expect(dashboard.status).toBe(200);
      expect(await dashboard.json()).toEqual({ id: server.users.alice.id });
      expect(dashboard.headers.get('cache-control')).toBe('private, no-store');
      expect(dashboard.headers.get('vary')).toContain('Cookie');
      expect(dashboard.headers.get('x-frame-options')).toBe('DENY');
    });

    it('enforces permissions, staff guards on app.use patterns, and critical routes', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect((await alice.fetch('/invoices/')).status).toBe(403);
      expect((await alice.fetch('/admin/panel/')).status).toBe(403);
      const fin = new Browser(server.origin);
      await fin.login('fin');
      expect((await fin.fetch('/invoices/')).status).toBe(200);
      expect((await fin.fetch('/admin/panel/')).status).toBe(200);
      const nostaff = new Browser(server.origin);
      await nostaff.login('fin_nostaff');
      const refused = await nostaff.post('/payouts/7/approve/', {}, '/accounts/password_change/');
      expect(refused.status).toBe(403);
      const approved = await fin.post('/payouts/7/approve/', {}, '/accounts/password_change/');
      expect(approved.status).toBe(200);
      expect(await approved.json()).toEqual({ approved: '7' });
      const audit = await server.t.gatehouse.stores.audit.list({ limit: 10, newestFirst: true });
      const decisions = audit.filter((entry) => entry.target === 'POST /payouts/:id/approve/');
      expect(decisions.map((entry) => [entry.action, entry.actor])).toEqual([
        ['access.allowed', 'fin'],
        ['access.denied', 'fin_nostaff'],
      ]);
    });

    it('audits a critical allow that then fails CSRF as denied, once', async () => {
      const fin = new Browser(server.origin);
      await fin.login('fin');
      const response = await fin.fetch('/payouts/9/approve/', { method: 'POST', form: { x: '1' }, headers: { origin: server.origin } });
      expect(response.status).toBe(403);
      const audit = await server.t.gatehouse.stores.audit.list({ limit: 5, newestFirst: true });
      const entry = audit.find((e) => e.target === 'POST /payouts/:id/approve/');
      expect(entry?.action).toBe('access.denied');
      expect(JSON.stringify(entry?.data)).toContain('csrf');
      expect(audit.filter((e) => e.target === 'POST /payouts/:id/approve/' && (e.data as { url?: string }).url === '/payouts/9/approve/')).toHaveLength(1);
    });

    it('refuses unsafe requests without a CSRF token and lets exempt routes through', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      const refused = await alice.fetch('/echo/', { method: 'POST', form: { a: '1' } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain('{"fields"');
      const webhook = await fetch(`${server.origin}/webhook/`, { method: 'POST', body: 'signed payload', headers: { 'content-type': 'text/plain' } });
      expect(webhook.status).toBe(200);
      expect(await webhook.json()).toEqual({ length: 14 });
    });

    it('reads the body once and shares it with the app', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      const response = await alice.post('/echo/', { note: 'héllo wörld' }, '/accounts/password_change/');
      expect(response.status).toBe(200);
      const json = (await response.json()) as { fields: Record<string, string>; text: string };
      expect(json.fields.note).toBe('héllo wörld');
      expect(json.text).toContain('note=h%C3%A9llo');
    });

    it('refuses bodies over the limit and forms with too many fields (413), changing nothing', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      const token = await alice.csrfFrom('/accounts/password_change/');
      const big = await alice.fetch('/echo/', {
        method: 'POST',
        body: `csrfmiddlewaretoken=${token}&x=${'a'.repeat(1024 * 1024 + 10)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
      });
      expect(big.status).toBe(413);
      const many = Array.from({ length: 250 }, (_, i) => `f${i}=1`).join('&');
      const fields = await alice.fetch('/echo/', {
        method: 'POST',
        body: `csrfmiddlewaretoken=${token}&${many}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
      });
      expect(fields.status).toBe(413);
      // Chunked, no Content-Length: the reader stops at the limit and answers before the upload ends.
      const chunked = await chunkedUpload(server.origin, '/echo/', {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.origin,
        'x-csrftoken': token,
        cookie: alice.cookieHeader(),
      });
      expect(chunked.status).toBe(413);
      expect(chunked.sentBeforeAnswer).toBeLessThan(8 * 1024 * 1024);
      const loginForm = await new Browser(server.origin).fetch('/accounts/login/', {
        method: 'POST',
        body: `username=alice&password=${'p'.repeat(70 * 1024)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.origin },
      });
      expect(loginForm.status).toBe(413);
      const badJson = await alice.fetch('/echo/', {
        method: 'POST',
        body: '{"a":',
        headers: { 'content-type': 'application/json', origin: server.origin, 'x-csrftoken': token },
      });
      expect(badJson.status).toBe(400);
      expect(await badJson.text()).not.toContain('SyntaxError');
    });

    it('maps errors: a generic 500 without details, PermissionDenied through the denial path', async () => {
      const boom = await fetch(`${server.origin}/boom/`, { headers: { accept: 'text/html' } });
      expect(boom.status).toBe(500);
      const body = await boom.text();
      expect(body).not.toContain('secret detail');
      expect(body).not.toMatch(/at .*\.ts:\d+/);
      expect(server.logs.some((line) => line.level === 'error' && String((line.fields.err as Error | undefined)?.message).includes('secret detail'))).toBe(
        true,
      );
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect((await alice.fetch('/denied/')).status).toBe(403);
      const anonymous = await fetch(`${server.origin}/denied/`, { redirect: 'manual' });
      expect(anonymous.status).toBe(302);
    });

    it('answers unknown paths 404 and known paths with another method 405 with Allow', async () => {
      const missing = await fetch(`${server.origin}/nothing/here/`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
      const wrongMethod = await fetch(`${server.origin}/public/`, { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
      const logout = await fetch(`${server.origin}/accounts/logout/`);
      expect(logout.status).toBe(405);
      expect(logout.headers.get('allow')).toBe('POST');
      const head = await fetch(`${server.origin}/public/`, { method: 'HEAD' });
      expect(head.status).toBe(200);
    });

    it('checks objects: 403 for another owner, 404 only for users who see everything, 500 when the handler skips the check', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect((await alice.fetch('/orders/1/')).status).toBe(200);
      expect((await alice.fetch('/orders/2/')).status).toBe(403);
      expect((await alice.fetch('/orders/99/')).status).toBe(403);
      const root = new Browser(server.origin);
      await root.login('root');
      expect((await root.fetch('/orders/99/')).status).toBe(404);
      const forgot = await alice.fetch('/forgetful/2/');
      expect(forgot.status).toBe(500);
      expect(await forgot.text()).not.toContain('ownerId');
    });

    it("adds the security headers to any answer, keeping the app's own, even a fetch() answer's immutable ones", async () => {
      const raw = await fetch(`${server.origin}/raw/`);
      expect(raw.headers.get('content-security-policy')).toBe("default-src 'none'");
      expect(raw.headers.get('x-frame-options')).toBe('DENY');
      const proxied = await fetch(`${server.origin}/proxied/`);
      expect(proxied.status).toBe(200);
      expect(await proxied.json()).toEqual({ ok: true, user: false });
      expect(proxied.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('cannot be walked around with dot segments, doubled slashes or another case', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      const cookie = alice.cookieHeader();
      for (const path of [
        '/dashboard/../admin/panel/',
        '/admin/../admin/panel/',
        '//admin/panel/',
        '/ADMIN/panel/',
        '/admin/panel/.',
        '/admin/./panel/',
        '/%61dmin/panel/',
      ]) {
        const response = await rawRequest(server.origin, path, { cookie, host: new URL(server.origin).host });
        expect(response.status, path).not.toBe(200);
        expect(response.body, path).not.toContain('panel');
      }
    });

    it('refuses a Host that is not allowed before reading the session', async () => {
      const response = await rawRequest(server.origin, '/public/', { host: 'evil.example' });
      expect(response.status).toBe(400);
      expect(response.headers['x-frame-options']).toBe('DENY');
      const forwarded = await rawRequest(server.origin, '/public/', { host: '127.0.0.1', 'x-forwarded-host': 'evil.example' });
      // No proxy is trusted here: the forwarded host is not even read.
      expect(forwarded.status).toBe(200);
    });

    it('skips the session on publicAccess({ session: false }) routes', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect(await (await alice.fetch('/health/')).json()).toEqual({ ok: true, user: false });
      expect(await (await alice.fetch('/public/')).json()).toEqual({ user: 'alice' });
    });

    it('runs userPassesTest and recentAuthRequired guards', async () => {
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect((await alice.fetch('/bob-only/')).status).toBe(403);
      expect((await alice.fetch('/sensitive/')).status).toBe(200);
      server.t.clock.advance(120_000);
      const stale = await alice.fetch('/sensitive/');
      expect(stale.status).toBe(302);
      expect(stale.headers.get('location')).toBe('/accounts/reauth/?next=/sensitive/');
      const bob = new Browser(server.origin);
      await bob.login('bob');
      expect((await bob.fetch('/bob-only/')).status).toBe(200);
    });

    it('logs in from a handler with login(c, user), rotating the CSRF secret', async () => {
      const browser = new Browser(server.origin);
      const token = await browser.csrfFrom('/accounts/login/');
      const before = [...browser.cookies.entries()];
      const response = await browser.fetch('/login-as-alice/', { method: 'POST', form: { csrfmiddlewaretoken: token }, headers: { origin: server.origin } });
      expect(await response.json()).toEqual({ loggedIn: true });
      expect(browser.cookies.get('sessionid')).toBeDefined();
      expect(browser.cookies.get('csrftoken')).not.toBe(before.find(([name]) => name === 'csrftoken')?.[1]);
      expect((await browser.fetch('/dashboard/')).status).toBe(200);
    });

    it('finds guards of mounted sub-apps (even wrapped by their own error handler) and routes under a basePath', async () => {
      expect((await fetch(`${server.origin}/api/me/`, { redirect: 'manual' })).status).toBe(302);
      const alice = new Browser(server.origin);
      await alice.login('alice');
      expect(await (await alice.fetch('/api/me/')).json()).toEqual({ me: 'alice' });
      expect(await (await fetch(`${server.origin}/v2/ping/`)).text()).toBe('pong');
    });

    it('lists every route with its access, guards on app.use patterns included', () => {
      const app = new Hono();
      const { gh } = server;
      app.use('*', gh.middleware);
      app.route('/accounts', gh.accountViews);
      app.use('/ops/*', staffMemberRequired());
      app.get('/ops/jobs/', (c) => c.text('jobs'));
      app.post('/hook/', access(publicAccess(), { csrf: false }), (c) => c.text('ok'));
      const routes = gh.routes(app);
      expect(routes.find((r) => r.url === '/ops/jobs/')).toMatchObject({ method: 'GET', access: 'staff', declaredBy: 'guard' });
      expect(routes.find((r) => r.url === '/hook/')).toMatchObject({ method: 'POST', access: 'public', csrfExempt: true, declaredBy: 'config' });
      expect(routes.find((r) => r.url === '/accounts/password_change/' && r.method === 'GET')).toMatchObject({ access: 'authenticated' });
      // The views' own 405 answers are not routes of the inventory.
      expect(routes.filter((r) => r.url === '/accounts/logout/').map((r) => r.method)).toEqual(['POST']);
      const sub = new Hono();
      sub.onError((_error, c) => c.text('sub', 500));
      sub.use('*', loginRequired());
      sub.get('/me/', (c) => c.text('me'));
      app.route('/api', sub);
      app.basePath('/v2').get('/ping/', access(publicAccess()), (c) => c.text('pong'));
      const all = gh.routes(app);
      expect(all.find((r) => r.url === '/api/me/')).toMatchObject({ access: 'authenticated', declaredBy: 'guard' });
      expect(all.find((r) => r.url === '/v2/ping/')).toMatchObject({ access: 'public', declaredBy: 'config' });
      expect(() => gh.check(app)).not.toThrow();
    });

    it('fails the start naming every undeclared route, unless allowed', () => {
      const { gh } = server;
      const app = new Hono();
      app.use('*', gh.middleware);
      app.route('/accounts', gh.accountViews);
      app.get('/open/', (c) => c.text('open'));
      app.post('/open/', (c) => c.text('open'));
      app.use('/api/:version{v[0-9]+}/*', staffMemberRequired());
      app.get('/api/v1/users/', (c) => c.text('users'));
      app.get('/late/', (c) => c.text('late'));
      app.use('/late/', staffMemberRequired());
      let error: unknown;
      try {
        gh.check(app);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('gatehouse.hono.undeclared_routes');
      expect((error as Error).message).toContain('GET /open/, POST /open/, GET /api/v1/users/, GET /late/');
    });

    it('refuses routes registered before the middleware, and account views at the wrong prefix', () => {
      const { gh } = server;
      const early = new Hono();
      early.get('/early/', access(publicAccess()), (c) => c.text('early'));
      early.use('*', gh.middleware);
      early.route('/accounts', gh.accountViews);
      expect(() => gh.check(early)).toThrow(expect.objectContaining({ code: 'gatehouse.hono.routes_before_middleware' }));
      const missing = new Hono();
      expect(() => gh.check(missing)).toThrow(expect.objectContaining({ code: 'gatehouse.hono.middleware_missing' }));
      const elsewhere = new Hono();
      elsewhere.use('*', gh.middleware);
      elsewhere.route('/auth', gh.accountViews);
      expect(() => gh.check(elsewhere)).toThrow(expect.objectContaining({ code: 'gatehouse.hono.account_views_prefix' }));
      const none = new Hono();
      none.use('*', gh.middleware);
      expect(() => gh.check(none)).toThrow(expect.objectContaining({ code: 'gatehouse.hono.account_views_not_mounted' }));
    });
  });

  describe(`gatehouse/hono without gh.check(app), on ${database.label}`, () => {
    let server: HonoTestApp;

    beforeAll(async () => {
      server = await startHonoApp({
        kind: database.kind,
        skipCheck: true,
        options: { accountViews: false, allowUndeclaredRoutes: ['GET /allowed/'] },
        build(app, { gh }) {
          app.use('*', gh.middleware);
          app.get('/declared/', access(publicAccess()), (c) => c.text('declared'));
          app.get('/forgotten/', (c) => c.text('secret'));
          app.post('/forgotten/', (c) => c.text('changed'));
          app.get('/allowed/', (c) => c.text('allowed'));
        },
      });
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it('opens one exchange per request even with the middleware registered twice', async () => {
      const twice = new Hono();
      twice.use('*', server.gh.middleware);
      twice.use('*', server.gh.middleware);
      twice.get('/token/', access(publicAccess()), (c) => c.text(csrfToken(c)));
      const served = await listen(twice.fetch);
      try {
        const response = await fetch(`${served.origin}/token/`);
        expect(response.status).toBe(200);
        expect(response.headers.getSetCookie().filter((cookie) => cookie.startsWith('csrftoken='))).toHaveLength(1);
        expect(response.headers.get('x-frame-options')).toBe('DENY');
      } finally {
        await served.close();
      }
    });

    it('refuses (500, logged, generic) every request to an undeclared route', async () => {
      const get = await fetch(`${server.origin}/forgotten/`);
      expect(get.status).toBe(500);
      expect(await get.text()).not.toContain('secret');
      const post = await fetch(`${server.origin}/forgotten/`, { method: 'POST' });
      expect(post.status).toBe(500);
      expect((await fetch(`${server.origin}/declared/`)).status).toBe(200);
      expect((await fetch(`${server.origin}/allowed/`)).status).toBe(200);
      expect(server.logs.some((line) => line.level === 'error' && line.message.includes('gh.check(app) was not called'))).toBe(true);
      expect(server.logs.some((line) => line.level === 'error' && JSON.stringify(line.fields).includes('GET /forgotten/'))).toBe(true);
    });
  });

  describe(`gatehouse/hono client addresses, on ${database.label}`, () => {
    /** Logs `alice` in from a handler and returns the address the login was audited with. */
    async function auditedAddress(server: HonoTestApp, headers: Record<string, string>): Promise<string | null> {
      const response = await fetch(`${server.origin}/as-alice/`, { method: 'POST', headers });
      expect(response.status).toBe(200);
      const [entry] = await server.t.gatehouse.stores.audit.list({ limit: 1, newestFirst: true, action: 'auth.login' });
      return entry?.ip ?? null;
    }

    function addressApp(kind: typeof database.kind, behindProxy: boolean): Promise<HonoTestApp> {
      return startHonoApp({
        kind,
        options: { accountViews: false, ...(behindProxy ? { trustProxy: trustedProxies(1) } : {}) },
        build(app, { gh, users }) {
          app.use('*', gh.middleware);
          app.post('/as-alice/', access(publicAccess(), { csrf: false }), async (c) => {
            await login(c, users.alice);
            return c.text('ok');
          });
        },
      });
    }

    it('takes the socket address, and X-Forwarded-For only behind trusted proxies', async () => {
      const direct = await addressApp(database.kind, false);
      const behind = await addressApp(database.kind, true);
      try {
        const forwarded = { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' };
        expect(await auditedAddress(direct, forwarded)).toBe('127.0.0.1');
        // One proxy: the rightmost entry is the one it added, the client's; the rest is the client's own writing.
        expect(await auditedAddress(behind, forwarded)).toBe('203.0.113.9');
        expect(await auditedAddress(behind, {})).toBe('127.0.0.1');
      } finally {
        await direct.close();
        await behind.close();
      }
    }, 60_000);

    it('refuses (500) a request whose runtime gives no address, and uses getConnInfo when given', async () => {
      const server = await addressApp(database.kind, false);
      try {
        const noConn = await gatehouseHono({ gatehouse: server.t.gatehouse, accountViews: false, logger: captureLogger([]) });
        const app = new Hono();
        app.use('*', noConn.middleware);
        app.get('/x/', access(publicAccess()), (c) => c.text('x'));
        noConn.check(app);
        // app.request() has no socket: no address, so nothing is counted under a made-up one.
        expect((await app.request('http://localhost/x/')).status).toBe(500);
        const withConn = await gatehouseHono({
          gatehouse: server.t.gatehouse,
          accountViews: false,
          logger: captureLogger([]),
          getConnInfo: () => ({ remote: { address: '192.0.2.1' } }),
        });
        const other = new Hono();
        other.use('*', withConn.middleware);
        other.get('/x/', access(publicAccess()), (c) => c.text('x'));
        expect((await other.request('http://localhost/x/')).status).toBe(200);
        await expect(gatehouseHono({ gatehouse: server.t.gatehouse, trustProxy: true as never })).rejects.toMatchObject({
          code: 'gatehouse.hono.invalid_trust_proxy',
        });
      } finally {
        await server.close();
      }
    }, 60_000);
  });
}

describe('gatehouse/hono start-up refusals (no database of its own: in-memory SQLite)', () => {
  it('refuses a production start without siteUrl, allowedHosts or a shared throttle, with gatehouse.hono.* codes', async () => {
    const t = await createTestGatehouse({ config: { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' } });
    try {
      const base = { gatehouse: t.gatehouse, logger: captureLogger([]) };
      await expect(gatehouseHono({ ...base, throttle: false, rateLimits: false })).rejects.toMatchObject({ code: 'gatehouse.hono.site_url_missing' });
      await expect(gatehouseHono({ ...base, siteUrl: 'https://notes.example.com', throttle: false, rateLimits: false })).rejects.toMatchObject({
        code: 'gatehouse.hono.allowed_hosts_missing',
      });
      await expect(
        gatehouseHono({ ...base, siteUrl: 'https://notes.example.com', allowedHosts: ['notes.example.com'], rateLimits: false }),
      ).rejects.toMatchObject({
        code: 'gatehouse.hono.throttle_missing',
      });
      await expect(gatehouseHono({ ...base, accountViews: false, bodyLimit: -1 })).rejects.toMatchObject({ code: 'gatehouse.hono.invalid_body_limit' });
      const gh = await gatehouseHono({
        ...base,
        siteUrl: 'https://notes.example.com',
        allowedHosts: ['notes.example.com'],
        throttle: false,
        rateLimits: false,
      });
      // HSTS in production, on every answer.
      const app = new Hono();
      app.use('*', gh.middleware);
      app.route('/accounts', gh.accountViews);
      app.get('/x/', access(publicAccess()), (c) => c.text('x'));
      const response = await app.request('https://notes.example.com/x/', {}, { incoming: { socket: { remoteAddress: '192.0.2.7' } } });
      expect(response.status).toBe(200);
      expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await t.close();
    }
  });
});
