/**
 * Route access from the outside: every access class, the denial paths (login redirect, 401 JSON,
 * 403 page, re-authentication), auditing of critical routes, HEAD routes, undeclared routes and
 * the route inventory.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  accessFor,
  authenticated,
  critical,
  gatehouseFastify,
  loginRequired,
  passesTest,
  permission,
  permissionRequired,
  publicAccess,
  recentAuth,
  recentAuthRequired,
  staffMemberRequired,
  staffOnly,
  userPassesTest,
} from '../../src/fastify/index.js';
import { createTestGatehouse } from '../../src/testing/index.js';
import { Client, type TestApp, apps, buildApp, roles } from './helpers.js';

const PERMISSION_NAMES = /billing\.|approve_payout|view_invoice|ops\.|view_metrics|export_reports|shop\./;

describe('access classes', () => {
  let h: TestApp;
  const approved: string[] = [];
  const lookedUp: string[] = [];

  beforeAll(async () => {
    h = await buildApp({
      routes: (app) => {
        app.get('/health/', { config: { access: publicAccess() } }, async () => ({ ok: true }));
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => `hello ${request.user.username}`);
        app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async () => 'invoices');
        app.get('/both/', { config: { access: permission('billing.view_invoice', 'ops.view_metrics') } }, async () => 'both');
        app.get('/internal/', { config: { access: staffOnly() } }, async () => 'internal');
        app.post<{ Params: { id: string } }>('/payouts/:id/approve/', { config: { access: critical('billing.approve_payout') } }, async (request) => {
          lookedUp.push(request.params.id);
          approved.push(request.params.id);
          return { approved: request.params.id };
        });
        app.get('/reports/export/', { config: { access: recentAuth(permission('billing.export_reports'), 600) } }, async () => 'report');
        app.get('/even/', { config: { access: passesTest('even user id', (user) => user.isAuthenticated && user.id % 2 === 0) } }, async () => 'even');
        app.get('/guarded/login/', { preHandler: loginRequired() }, async () => 'login guard');
        app.get('/guarded/perm/', { preHandler: permissionRequired('ops.view_metrics') }, async () => 'perm guard');
        app.get('/guarded/perm-api/', { preHandler: permissionRequired(['ops.view_metrics'], { raiseException: true }) }, async () => 'perm api');
        app.get('/guarded/staff/', { onRequest: staffMemberRequired() }, async () => 'staff guard');
        app.get('/guarded/test/', { preHandler: userPassesTest((user) => user.username.startsWith('f'), { name: 'starts with f' }) }, async () => 'f');
        app.get('/guarded/recent/', { preHandler: recentAuthRequired(60) }, async () => 'recent');
      },
    });
  });
  afterAll(async () => h.close());

  test('public: anyone', async () => {
    const res = await Client.inject(h.app).request('/health/');
    expect(res.status).toBe(200);
  });

  test('authenticated: anonymous browsers go to the login page with next', async () => {
    const res = await Client.inject(h.app).request('/dashboard/');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/accounts/login/?next=/dashboard/');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('next keeps the query string, encoded, and decodes back to the URL requested', async () => {
    const res = await Client.inject(h.app).request('/dashboard/?tab=a&b=c%20d');
    expect(res.location).toBe('/accounts/login/?next=/dashboard/%3Ftab%3Da%26b%3Dc%2520d');
    expect(new URL(res.location!, 'http://x').searchParams.get('next')).toBe('/dashboard/?tab=a&b=c%20d');
  });

  test('authenticated: API clients get 401 JSON', async () => {
    const res = await Client.inject(h.app).request('/dashboard/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ error: 'not_authenticated', loginUrl: '/accounts/login/' });
  });

  test('authenticated: a logged-in user gets through', async () => {
    const alice = Client.inject(h.app);
    await alice.login('alice');
    const res = await alice.request('/dashboard/');
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello alice');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.vary).toMatch(/Cookie/);
  });

  test('permission: anonymous → login, without → 403 page naming nothing, with → 200, superuser → 200', async () => {
    expect((await Client.inject(h.app).request('/invoices/')).location).toBe('/accounts/login/?next=/invoices/');
    const alice = Client.inject(h.app);
    await alice.login('alice');
    const denied = await alice.request('/invoices/');
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toMatch(/text\/html/);
    expect(denied.body).toContain('Access denied');
    expect(denied.body).not.toMatch(PERMISSION_NAMES);
    expect(denied.body).not.toMatch(/invoice/i);
    expect(denied.body).not.toContain(`${String(h.users.alice!.id)}<`);
    expect(denied.headers['cache-control']).toBe('no-store');
    const fin = Client.inject(h.app);
    await fin.login('fin');
    expect((await fin.request('/invoices/')).status).toBe(200);
    const root = Client.inject(h.app);
    await root.login('root');
    expect((await root.request('/invoices/')).status).toBe(200);
  });

  test('permission: the 403 JSON names nothing either, and the reason goes to the log', async () => {
    const alice = Client.inject(h.app);
    await alice.login('alice');
    const res = await alice.request('/invoices/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ error: 'forbidden', message: 'You do not have permission to do this.' });
    const entry = h.logs.find(
      (l) =>
        l.msg === 'access denied' &&
        (l.gatehouse as { user?: string; route?: string })?.user === 'alice' &&
        (l.gatehouse as { route?: string }).route === 'GET /invoices/',
    );
    expect(entry?.gatehouse).toMatchObject({ kind: 'forbidden', reason: 'missing permission billing.view_invoice', userId: h.users.alice!.id });
  });

  test('several permissions: all are required', async () => {
    const fin = Client.inject(h.app);
    await fin.login('fin');
    expect((await fin.request('/both/')).status).toBe(403);
    const root = Client.inject(h.app);
    await root.login('root');
    expect((await root.request('/both/')).status).toBe(200);
  });

  test('staff: staff in, others 403', async () => {
    const ops = Client.inject(h.app);
    await ops.login('ops');
    expect((await ops.request('/internal/')).status).toBe(200);
    const fin = Client.inject(h.app);
    await fin.login('fin_nostaff');
    expect((await fin.request('/internal/')).status).toBe(403);
  });

  test('HEAD routes made by Fastify inherit the guard', async () => {
    const anon = await h.app.inject({ method: 'HEAD', url: '/invoices/' });
    expect(anon.statusCode).toBe(302);
    const alice = Client.inject(h.app);
    await alice.login('alice');
    expect((await alice.request('/invoices/', { method: 'HEAD' })).status).toBe(403);
  });

  describe('critical', () => {
    test('anonymous POST → login, even without a CSRF token; nothing looked up', async () => {
      const before = lookedUp.length;
      const res = await Client.inject(h.app).request('/payouts/1/approve/', { method: 'POST', form: {} });
      expect(res.status).toBe(302);
      expect(res.location).toBe('/accounts/login/?next=/payouts/1/approve/');
      expect(lookedUp.length).toBe(before);
    });

    test('the permission without staff → 403, staff without the permission → 403, nothing happens', async () => {
      for (const username of ['fin_nostaff', 'ops', 'alice']) {
        const client = Client.inject(h.app);
        await client.login(username);
        const res = await client.submit('/accounts/login/', {}, '/payouts/1/approve/');
        expect(res.status).toBe(403);
        expect(res.body).not.toMatch(PERMISSION_NAMES);
      }
      expect(approved).toEqual([]);
    });

    test('staff AND permission → allowed; allow and deny both audited', async () => {
      const fin = Client.inject(h.app);
      await fin.login('fin');
      const res = await fin.submit('/accounts/login/', {}, '/payouts/7/approve/');
      expect(res.status).toBe(200);
      expect(approved).toEqual(['7']);
      const entries = await h.t.gatehouse.audit.list({ limit: 100 });
      const decisions = entries.filter((e) => e.action.startsWith('access.'));
      expect(decisions.find((e) => e.action === 'access.allowed')).toMatchObject({
        actor: 'fin',
        target: 'POST /payouts/:id/approve/',
        data: { url: '/payouts/7/approve/' },
      });
      const denials = decisions.filter((e) => e.action === 'access.denied');
      expect(denials.map((e) => e.actor)).toEqual(expect.arrayContaining(['fin_nostaff', 'ops', 'alice', null]));
      expect(denials.find((e) => e.actor === 'ops')?.data.reason).toMatch(/missing permission billing.approve_payout/);
      expect(denials.find((e) => e.actor === 'fin_nostaff')?.data.reason).toMatch(/needs staff/);
      expect((await h.t.gatehouse.audit.verify()).ok).toBe(true);
    });

    test('a permitted user without a CSRF token → 403, nothing happens, and the audit log says denied, not allowed', async () => {
      const fin = Client.inject(h.app);
      await fin.login('fin');
      const before = (await h.t.gatehouse.audit.list({ limit: 1 }))[0]!.seq;
      const res = await fin.request('/payouts/8/approve/', { method: 'POST', form: {} });
      expect(res.status).toBe(403);
      expect(approved).not.toContain('8');
      const after = (await h.t.gatehouse.audit.list({ limit: 100 })).filter((e) => e.seq > before && e.action.startsWith('access.'));
      expect(after.map((e) => [e.action, e.actor])).toEqual([['access.denied', 'fin']]);
      expect(after[0]!.data.reason).toMatch(/csrf/);
    });

    test('GET on a POST-only route → 405 with Allow', async () => {
      const res = await Client.inject(h.app).request('/payouts/1/approve/');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });
  });

  describe('recent authentication', () => {
    test('fresh after login; stale after maxAge → reauth page (HTML) or 401 (JSON); fresh again after reauth', async () => {
      const fin = Client.inject(h.app);
      await fin.login('fin');
      expect((await fin.request('/reports/export/')).status).toBe(200);
      h.t.clock.advance(601_000);
      const stale = await fin.request('/reports/export/');
      expect(stale.status).toBe(302);
      expect(stale.location).toBe('/accounts/reauth/?next=/reports/export/');
      const api = await fin.request('/reports/export/', { headers: { accept: 'application/json' } });
      expect(api.status).toBe(401);
      expect(api.json()).toMatchObject({ error: 'reauthentication_required', reauthUrl: '/accounts/reauth/' });
      const wrong = await fin.submit('/accounts/reauth/?next=/reports/export/', { password: 'wrong password', next: '/reports/export/' });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toContain('entered incorrectly');
      const before = fin.session();
      const ok = await fin.submit('/accounts/reauth/?next=/reports/export/', { password: 'correct horse battery staple', next: '/reports/export/' });
      expect(ok.status).toBe(302);
      expect(ok.location).toBe('/reports/export/');
      expect(fin.session()).not.toBe(before);
      expect((await fin.request('/reports/export/')).status).toBe(200);
    });

    test('the permission is checked before freshness: without it → 403, not a reauth prompt', async () => {
      const alice = Client.inject(h.app);
      await alice.login('alice');
      h.t.clock.advance(601_000);
      expect((await alice.request('/reports/export/')).status).toBe(403);
    });

    test('reauth needs a login first', async () => {
      const res = await Client.inject(h.app).request('/accounts/reauth/?next=/reports/export/');
      expect(res.status).toBe(302);
      expect(res.location).toBe('/accounts/login/?next=/accounts/reauth/%3Fnext%3D/reports/export/');
    });

    test('reauth refuses an unsafe next', async () => {
      const fin = Client.inject(h.app);
      await fin.login('fin');
      const res = await fin.submit('/accounts/reauth/', { password: 'correct horse battery staple', next: '//evil.com/' });
      expect(res.location).toBe('/dashboard/');
    });
  });

  test('custom test declarations', async () => {
    const even = Object.values(h.users).find((u) => u.id % 2 === 0 && u.isActive)!;
    const odd = Object.values(h.users).find((u) => u.id % 2 === 1 && u.isActive)!;
    const a = Client.inject(h.app);
    await a.login(even.username);
    expect((await a.request('/even/')).status).toBe(200);
    const b = Client.inject(h.app);
    await b.login(odd.username);
    expect((await b.request('/even/')).status).toBe(403);
  });

  describe('standalone guards (Django names)', () => {
    test('loginRequired', async () => {
      expect((await Client.inject(h.app).request('/guarded/login/')).location).toBe('/accounts/login/?next=/guarded/login/');
      const alice = Client.inject(h.app);
      await alice.login('alice');
      expect((await alice.request('/guarded/login/')).status).toBe(200);
    });

    test('permissionRequired: login for anonymous, 403 for the logged-in; raiseException → 403 for anonymous too', async () => {
      expect((await Client.inject(h.app).request('/guarded/perm/')).status).toBe(302);
      expect((await Client.inject(h.app).request('/guarded/perm-api/')).status).toBe(403);
      const alice = Client.inject(h.app);
      await alice.login('alice');
      expect((await alice.request('/guarded/perm/')).status).toBe(403);
      const ops = Client.inject(h.app);
      await ops.login('ops');
      expect((await ops.request('/guarded/perm/')).status).toBe(200);
      expect((await ops.request('/guarded/perm-api/')).status).toBe(200);
    });

    test('staffMemberRequired', async () => {
      const sam = Client.inject(h.app);
      await sam.login('sam');
      expect((await sam.request('/guarded/staff/')).status).toBe(403);
      const ops = Client.inject(h.app);
      await ops.login('ops');
      expect((await ops.request('/guarded/staff/')).status).toBe(200);
    });

    test('userPassesTest', async () => {
      expect((await Client.inject(h.app).request('/guarded/test/')).status).toBe(302);
      const fin = Client.inject(h.app);
      await fin.login('fin');
      expect((await fin.request('/guarded/test/')).status).toBe(200);
      const sam = Client.inject(h.app);
      await sam.login('sam');
      expect((await sam.request('/guarded/test/')).status).toBe(403);
      expect(h.logs.some((l) => (l.gatehouse as { reason?: string })?.reason === 'failed starts with f')).toBe(true);
    });

    test('recentAuthRequired', async () => {
      const sam = Client.inject(h.app);
      await sam.login('sam');
      expect((await sam.request('/guarded/recent/')).status).toBe(200);
      h.t.clock.advance(61_000);
      expect((await sam.request('/guarded/recent/')).location).toBe('/accounts/reauth/?next=/guarded/recent/');
    });
  });

  test('the route inventory lists every route with its class', () => {
    const routes = h.app.gatehouseRoutes();
    const find = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url);
    expect(find('GET', '/health/')).toMatchObject({ access: 'public', permissions: [] });
    expect(find('GET', '/invoices/')).toMatchObject({ access: 'permission', permissions: ['billing.view_invoice'], declaredBy: 'config' });
    expect(find('POST', '/payouts/:id/approve/')).toMatchObject({ access: 'critical', permissions: ['billing.approve_payout'] });
    expect(find('GET', '/reports/export/')).toMatchObject({ access: 'permission', recentAuth: 600 });
    expect(find('GET', '/guarded/perm/')).toMatchObject({ access: 'permission', permissions: ['ops.view_metrics'], declaredBy: 'guard' });
    expect(find('GET', '/guarded/recent/')).toMatchObject({ access: 'authenticated', recentAuth: 60 });
    expect(find('GET', '/even/')).toMatchObject({ access: 'test' });
    expect(find('POST', '/accounts/login/')).toMatchObject({ access: 'public' });
    expect(find('GET', '/accounts/password_change/')).toMatchObject({ access: 'authenticated' });
    expect(find('HEAD', '/invoices/')).toBeUndefined();
    // The plugin's own 405 answers are not routes anyone needs to review.
    expect(find('PUT', '/accounts/login/')).toBeUndefined();
    for (const route of routes) expect(route.access).not.toBe('undeclared');
  });
});

describe('declarations are required', () => {
  test('ready() fails naming each undeclared route', async () => {
    const h = await buildApp({
      noReady: true,
      routes: (app) => {
        app.get('/open/', async () => 'no declaration');
        app.post('/also/open/', async () => 'no declaration');
        app.get('/fine/', { config: { access: publicAccess() } }, async () => 'fine');
      },
    });
    await expect(h.app.ready()).rejects.toThrow(/These routes declare no access: GET \/open\/, POST \/also\/open\//);
    await h.t.close();
  });

  test('allowUndeclaredRoutes is the visible opt-out, and the inventory shows it', async () => {
    const h = await buildApp({
      plugin: { allowUndeclaredRoutes: ['GET /docs/*', '/metrics'] },
      routes: (app) => {
        app.get('/docs/index.html', async () => 'docs');
        app.get('/metrics', async () => 'm');
        app.post('/metrics', async () => 'm');
      },
    });
    expect(
      h.app
        .gatehouseRoutes()
        .filter((r) => r.access === 'undeclared')
        .map((r) => `${r.method} ${r.url}`),
    ).toEqual(['GET /docs/index.html', 'GET /metrics', 'POST /metrics']);
    expect((await h.app.inject('/docs/index.html')).statusCode).toBe(200);
    await h.close();
  });

  test('a value that is not a declaration is refused at registration', async () => {
    await expect(
      buildApp({
        noReady: true,
        routes: (app) => {
          app.get('/x/', { config: { access: 'billing.view_invoice' as never } }, async () => 'x');
        },
      }),
    ).rejects.toThrow(/not an access declaration/);
  });

  test('builders refuse malformed permission names and public recentAuth at once', () => {
    expect(() => permission('not a permission' as never)).toThrow(/not a permission name/);
    expect(() => recentAuth(publicAccess())).toThrow(/public/);
    expect(() => critical([] as never)).toThrow(/at least one/);
  });

  test('routes registered before the plugin (directly or in an earlier plugin) make registration fail, naming them', async () => {
    const t = await createTestGatehouse({ apps, roles });
    const app = Fastify();
    app.get('/early/', async () => 'should not be served');
    app.register(async (child) => {
      child.post('/earlier-child/', async () => 'nor this');
    });
    app.register(gatehouseFastify, { gatehouse: t.gatehouse });
    await expect(app.ready()).rejects.toThrow(/Register gatehouseFastify before any route[\s\S]*early\/ \(GET, HEAD\)[\s\S]*earlier-child\/ \(POST\)/);
    await t.close();
  });

  test('accessFor gives builders typed by the gatehouse', async () => {
    const t = await createTestGatehouse({ apps, roles });
    const access = accessFor(t.gatehouse);
    expect(access.permission('billing.approve_payout')).toEqual({ kind: 'permission', permissions: ['billing.approve_payout'] });
    expect(access.critical('billing.approve_payout', { recentAuth: true })).toEqual({
      kind: 'critical',
      permissions: ['billing.approve_payout'],
      recentAuth: true,
    });
    await t.close();
  });
});
