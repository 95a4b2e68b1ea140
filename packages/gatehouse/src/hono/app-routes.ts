/**
 * The start-up walk over `app.routes` behind `gh.check(app)` and `gh.routes(app)`: which guard
 * declares each route, which routes declare nothing, and whether the gatehouse middleware and the
 * account views are where they must be. Hono keeps one entry per handler, middleware included,
 * in registration order, which is also the order it runs them in; so a guard counts for a route
 * when it was registered before the route's handler and its pattern covers the route's path
 * (route-table.ts), exactly what the middleware finds on the matched chain at request time.
 */
import type { RouterRoute } from 'hono/types';
import { ConfigError } from '../core/errors.js';
import { RouteInventory } from '../http/inventory.js';
import type { HttpSite } from '../http/site.js';
import { type GuardPart, partOf } from './parts.js';
import { entryCovers, roleOf } from './route-table.js';

/** The part of a Hono app the walk reads (any `Hono<...>` has it). */
export interface HonoRoutes {
  readonly routes: readonly RouterRoute[];
}

/** What the walk found. */
export interface RouteWalk {
  readonly inventory: RouteInventory;
  /** `GET /x` of route handlers no gatehouse middleware runs before. */
  readonly unguarded: readonly string[];
  /** A gatehouse middleware is registered at all. */
  readonly middleware: boolean;
  /** Where the account views' login route is mounted (full path), or null when not found. */
  readonly loginMountedAt: string | null;
}

/** Walks `routes`; see the module comment. */
export function walkRoutes(routes: readonly RouterRoute[], site: HttpSite): RouteWalk {
  const inventory = new RouteInventory(site.allowUndeclaredRoutes, site.gatehouse.config.reauthMaxAge, 'gatehouse.hono');
  const roles = routes.map(roleOf);
  const seen = new Set<string>();
  const unguarded: string[] = [];
  let loginMountedAt: string | null = null;
  for (let i = 0; i < routes.length; i += 1) {
    const entry = routes[i] as RouterRoute;
    if (roles[i] === 'guard' && (partOf(entry.handler) as GuardPart).accountView === '/login/') loginMountedAt ??= entry.path;
    if (roles[i] !== 'handler') continue;
    const key = `${entry.method} ${entry.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let covered = false;
    const guards: { part: GuardPart; exact: boolean }[] = [];
    for (let j = 0; j < i; j += 1) {
      const earlier = routes[j] as RouterRoute;
      if (roles[j] === 'gatehouse' && entryCovers(earlier, entry)) covered = true;
      if (roles[j] === 'guard' && entryCovers(earlier, entry)) {
        guards.push({ part: partOf(earlier.handler) as GuardPart, exact: earlier.method === entry.method && earlier.path === entry.path });
      }
    }
    if (!covered) unguarded.push(key);
    if (guards.some((guard) => guard.part.hidden)) continue;
    // The route's own guard (`app.get(path, access(...), handler)`), else the nearest covering one.
    const own = [...guards].reverse().find((guard) => guard.exact) ?? guards[guards.length - 1];
    inventory.add({
      method: entry.method,
      url: entry.path,
      declaration: own?.part.access,
      csrfExempt: guards.some((guard) => guard.part.csrfExempt),
      declaredBy: own?.part.origin === 'guard' ? 'guard' : 'config',
    });
  }
  return { inventory, unguarded, middleware: roles.includes('gatehouse'), loginMountedAt };
}

/** The start-up check; throws `ConfigError` (`gatehouse.hono.*`) naming what to fix. */
export function checkRoutes(walk: RouteWalk, site: HttpSite): void {
  if (!walk.middleware) {
    throw new ConfigError(
      'gatehouse.hono.middleware_missing',
      "The gatehouse middleware is not registered on this app: add app.use('*', gh.middleware) before any route.",
    );
  }
  if (walk.unguarded.length > 0) {
    throw new ConfigError(
      'gatehouse.hono.routes_before_middleware',
      `These routes run without the gatehouse middleware (registered before it, or outside its path): ${walk.unguarded.join(', ')}. Register app.use('*', gh.middleware) first.`,
    );
  }
  if (site.accountViews) {
    const expected = `${site.prefix}/login/`;
    if (walk.loginMountedAt === null) {
      throw new ConfigError(
        'gatehouse.hono.account_views_not_mounted',
        `The account views are not mounted: add app.route('${site.prefix || '/'}', gh.accountViews) (or pass accountViews: false).`,
      );
    }
    if (walk.loginMountedAt !== expected) {
      throw new ConfigError(
        'gatehouse.hono.account_views_prefix',
        `The account views are mounted at ${walk.loginMountedAt.slice(0, -'login/'.length)}, but their URLs (login redirects, links in mail) use the prefix "${site.prefix}": mount them with app.route('${site.prefix || '/'}', gh.accountViews) or set accountViews.prefix.`,
      );
    }
  }
  walk.inventory.check();
}
