/**
 * The start-up check and the route inventory of gatehouse/express: the router stack walked the
 * way Express nests it (app routes, `app.route()`, routers under prefixes, router-level guards),
 * every undeclared route named, the opt-out, the account views' mount, mounted apps refused, and
 * the inventory in the one `RouteAccessEntry` shape.
 */
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  type GatehouseExpress,
  access,
  authenticated,
  critical,
  defineRule,
  gatehouseExpress,
  loginRequired,
  objectRule,
  permission,
  permissionRequired,
  publicAccess,
  recentAuthRequired,
  staffMemberRequired,
  userPassesTest,
} from '../../src/express/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type Perm, apps, roles } from './helpers.js';

const quiet = { info(): void {}, warn(): void {}, error(): void {} };
const handler = (_req: unknown, res: { end(): void }): void => res.end();

let t: TestGatehouse<Perm>;

beforeAll(async () => {
  t = await createTestGatehouse({ apps, roles });
});
afterAll(async () => {
  await t?.close();
});

async function make(options: Record<string, unknown> = {}): Promise<GatehouseExpress> {
  return gatehouseExpress({ gatehouse: t.gatehouse, logger: quiet, ...options });
}

function appWith(gh: GatehouseExpress, build: (app: Express) => void): Express {
  const app = express();
  app.use(gh.middleware);
  app.use('/accounts', gh.accountViews);
  build(app);
  app.use(gh.notFoundHandler);
  app.use(gh.errorHandler);
  return app;
}

function checkError(gh: GatehouseExpress, app: Express): ConfigError {
  try {
    gh.check(app);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('check() passed');
}

describe('gh.check(app)', () => {
  it('passes when every route has a guard first, directly, through app.route() or in a router', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      a.get('/health/', access(publicAccess({ session: false })), handler);
      a.route('/invoices/')
        .get(access(permission('billing.view_invoice')), handler)
        .post(permissionRequired('billing.add_invoice'), handler);
      const admin = express.Router();
      admin.get('/users/', staffMemberRequired(), handler);
      a.use('/admin', admin);
    });
    expect(() => gh.check(app)).not.toThrow();
  });

  it('names every undeclared route, with its full path and method, as gatehouse.express.undeclared_routes', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      a.get('/open/', handler);
      a.post('/orders/:id/cancel/', handler);
      const api = express.Router();
      api.delete('/things/:id/', handler);
      a.use('/api', api);
    });
    const error = checkError(gh, app);
    expect(error.code).toBe('gatehouse.express.undeclared_routes');
    expect(error.message).toContain('GET /open/');
    expect(error.message).toContain('POST /orders/:id/cancel/');
    expect(error.message).toContain('DELETE /api/things/:id/');
  });

  it('a guard after another handler does not count: the route is named, saying why', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      a.post('/late/', express.json(), loginRequired(), handler);
    });
    const error = checkError(gh, app);
    expect(error.message).toContain('POST /late/ (its guard is not its first handler)');
  });

  it('each method of a route is checked on its own', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      a.route('/mixed/').get(access(authenticated()), handler).post(handler);
    });
    const error = checkError(gh, app);
    expect(error.message).toContain('POST /mixed/');
    expect(error.message).not.toContain('GET /mixed/');
  });

  it('router.use(guard) declares the routes after it in that router, and those of routers below it', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      const staff = express.Router();
      staff.use(staffMemberRequired());
      staff.get('/reports/', handler);
      const deeper = express.Router();
      deeper.post('/jobs/', handler);
      staff.use('/ops', deeper);
      a.use('/staff', staff);
      const scoped = express.Router();
      scoped.get('/before/', handler);
      scoped.use('/private', loginRequired());
      scoped.get('/private/page/', handler);
      a.use('/scoped', scoped);
    });
    const error = checkError(gh, app);
    expect(error.message).toContain('GET /scoped/before/');
    expect(error.message).not.toContain('/staff/');
    expect(error.message).not.toContain('/scoped/private/');
    const routes = gh.routes(app);
    expect(routes.find((r) => r.url === '/staff/ops/jobs/')).toMatchObject({ method: 'POST', access: 'staff', declaredBy: 'guard' });
    expect(routes.find((r) => r.url === '/scoped/private/page/')).toMatchObject({ access: 'authenticated' });
  });

  it('allowUndeclaredRoutes lets listed routes through, shown as undeclared in the inventory', async () => {
    const gh = await make({ allowUndeclaredRoutes: ['GET /docs/*', '/metrics'] });
    const app = appWith(gh, (a) => {
      a.get('/docs/intro/', handler);
      a.all('/metrics', handler);
      a.post('/docs/edit/', handler);
    });
    const error = checkError(gh, app);
    expect(error.message).toBe(
      "This route declares no access: POST /docs/edit/. Make a guard each route's first handler (access(publicAccess()) for open routes, access(permission(...)), loginRequired()...), mount one with router.use(guard) before them, or list them in the option allowUndeclaredRoutes.",
    );
    const routes = gh.routes(app);
    expect(routes.find((r) => r.url === '/docs/intro/')).toMatchObject({ access: 'undeclared', declaredBy: 'allowed' });
    expect(routes.find((r) => r.url === '/metrics')).toMatchObject({ method: 'ALL', access: 'undeclared' });
  });

  it('an Express app mounted inside the app is refused: its routes cannot be seen', async () => {
    const gh = await make();
    const app = appWith(gh, (a) => {
      const sub = express();
      sub.get('/x/', handler);
      a.use('/sub', sub);
    });
    const error = checkError(gh, app);
    expect(error.code).toBe('gatehouse.express.mounted_app');
    expect(error.message).toContain('/sub');
  });

  it('the account views must be mounted, at their prefix', async () => {
    const gh = await make();
    const missing = express();
    missing.use(gh.middleware);
    expect(checkError(gh, missing).code).toBe('gatehouse.express.account_views_not_mounted');
    const elsewhere = express();
    elsewhere.use(gh.middleware);
    elsewhere.use('/auth', gh.accountViews);
    const error = checkError(gh, elsewhere);
    expect(error.code).toBe('gatehouse.express.account_views_prefix');
    expect(error.message).toContain("app.use('/accounts', gh.accountViews)");
    const none = await make({ accountViews: false });
    const bare = express();
    bare.use(none.middleware);
    expect(() => none.check(bare)).not.toThrow();
  });
});

describe('gh.routes(app): the route inventory', () => {
  it('lists every route with its access class, permissions, rule, recent-auth and CSRF exemption; the 405s left out', async () => {
    const gh = await make({ gatehouse: t.gatehouse });
    const rule = defineRule<{ ownerId: number }>({
      name: 'shop.order.view',
      grantedBy: ['shop.view_all_orders'],
      check: (u, o) => o.ownerId === u.id,
      where: () => ({}) as never,
    });
    const app = appWith(gh, (a) => {
      a.get('/health/', access(publicAccess({ session: false })), handler);
      a.get('/orders/:id/', access(objectRule(rule)), handler);
      a.post('/payouts/:id/approve/', access(critical('billing.approve_payout', { recentAuth: 300 })), handler);
      a.post('/hooks/stripe/', access(publicAccess(), { csrf: false }), handler);
      a.get('/settings/', recentAuthRequired(), handler);
      a.get(
        '/custom/',
        userPassesTest((user) => user.isAuthenticated, { name: 'is_member' }),
        handler,
      );
    });
    gh.check(app);
    const routes = gh.routes(app);
    const by = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url);
    expect(by('GET', '/health/')).toEqual({
      method: 'GET',
      url: '/health/',
      access: 'public',
      permissions: [],
      recentAuth: null,
      rule: null,
      csrfExempt: false,
      declaredBy: 'config',
    });
    expect(by('GET', '/orders/:id/')).toMatchObject({ access: 'object', permissions: ['shop.view_all_orders'], rule: 'shop.order.view' });
    expect(by('POST', '/payouts/:id/approve/')).toMatchObject({ access: 'critical', permissions: ['billing.approve_payout'], recentAuth: 300 });
    expect(by('POST', '/hooks/stripe/')).toMatchObject({ access: 'public', csrfExempt: true });
    expect(by('GET', '/settings/')).toMatchObject({ access: 'authenticated', recentAuth: t.gatehouse.config.reauthMaxAge, declaredBy: 'guard' });
    expect(by('GET', '/custom/')).toMatchObject({ access: 'test', declaredBy: 'guard' });
    // The account views are listed with their methods; their 405 answers are not.
    expect(by('GET', '/accounts/login/')).toMatchObject({ access: 'public' });
    expect(by('POST', '/accounts/logout/')).toMatchObject({ access: 'public' });
    expect(by('GET', '/accounts/logout/')).toBeUndefined();
    expect(by('GET', '/accounts/password_change/')).toMatchObject({ access: 'authenticated' });
    expect(routes.some((r) => r.method === 'ALL')).toBe(false);
    // Sorted by URL, then method.
    const sorted = [...routes].sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url)));
    expect(routes).toEqual(sorted);
  });
});
