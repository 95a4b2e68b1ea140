/**
 * The account views as a Hono sub-app, built from the HTTP layer's one table of account routes:
 * `app.route('/accounts', gh.accountViews)` (the prefix must be the `accountViews.prefix` option,
 * `/accounts` by default; `gh.check(app)` verifies it). Each URL answers its methods through the
 * layer's handler, the other methods with 405 and `Allow` (a GET to `logout/` must not log
 * anyone out, and should say why), and `gatehouse.css` serves the default pages' stylesheet.
 *
 * Every handler is behind a guard carrying the route's declaration, so the views are declared
 * like any route, and the middleware enforces them before the body is read (64 KiB at most).
 */
import { Hono } from 'hono';
import { untypedAccess } from '../http/access.js';
import { accountRoutes, disallowedMethods, methodNotAllowed, stylesheetResponse } from '../http/account-routes.js';
import { openApiDocument } from '../http/api/openapi.js';
import { apiRoutes } from '../http/api/routes.js';
import { jsonResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { makeGuard } from './guards.js';
import { toResponse } from './respond.js';
import { exchangeOf } from './state.js';
import type { GatehouseEnv } from './types.js';

/** The sub-app of `site`'s account views (empty when they are turned off). */
export function buildAccountViews(site: HttpSite): Hono<GatehouseEnv> {
  const views = new Hono<GatehouseEnv>();
  for (const route of accountRoutes(site)) {
    const guard = makeGuard({ access: route.access, origin: 'access', accountView: route.path, headers: route.headers });
    views.on([...route.methods], route.path, guard, async (c) => toResponse(await route.handler(exchangeOf(c), c.req.param() as Record<string, string>)));
    const others = disallowedMethods(route);
    if (others.length > 0) {
      // No session, no CSRF check: the answer is 405 whatever the request, and nothing is done.
      const refusal = makeGuard({
        access: untypedAccess.publicAccess({ session: false }),
        origin: 'access',
        csrfExempt: true,
        accountView: route.path,
        headers: route.headers,
        hidden: true,
      });
      views.on(others, route.path, refusal, () => toResponse(methodNotAllowed(route)));
    }
  }
  if (site.accountViews) {
    const open = makeGuard({ access: untypedAccess.publicAccess({ session: false }), origin: 'access', accountView: '/gatehouse.css' });
    views.get('/gatehouse.css', open, () => toResponse(stylesheetResponse(site)));
  }
  return views;
}

/**
 * The JSON account API as a Hono sub-app (`app.route('/api/auth', gh.accountApi)`, at the `api`
 * option's prefix), from the same table as on every adapter: JSON-only answers, form or JSON
 * bodies of at most 64 KiB, 405 for other methods, and `openapi.json` when `api.openApi`.
 */
export function buildAccountApi(site: HttpSite): Hono<GatehouseEnv> {
  const api = new Hono<GatehouseEnv>();
  if (!site.api) return api;
  for (const route of apiRoutes()) {
    const guard = makeGuard({ access: route.access, origin: 'access', accountView: route.path, headers: route.headers, json: true });
    api.on([...route.methods], route.path, guard, async (c) => toResponse(await route.handler(exchangeOf(c), c.req.param() as Record<string, string>)));
    const others = disallowedMethods(route);
    if (others.length > 0) {
      const refusal = makeGuard({
        access: untypedAccess.publicAccess({ session: false }),
        origin: 'access',
        csrfExempt: true,
        accountView: route.path,
        headers: route.headers,
        hidden: true,
        json: true,
      });
      api.on(others, route.path, refusal, () => toResponse(methodNotAllowed(route)));
    }
  }
  if (site.api.openApi) {
    const document = JSON.stringify(openApiDocument({ prefix: site.api.prefix, title: `${site.siteName} account API` }));
    const open = makeGuard({ access: untypedAccess.publicAccess({ session: false }), origin: 'access', json: true });
    api.get('/openapi.json', open, () => toResponse({ ...jsonResponse(200, null), body: document }));
  }
  return api;
}
