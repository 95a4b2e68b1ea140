/**
 * Reading Hono's route list. Hono keeps one entry per handler (`app.get('/x', a, b)` is two
 * entries), middleware and routes alike, so gatehouse sorts them itself:
 *
 * - gatehouse's own handlers are marked (parts.ts): the main middleware and the access guards;
 * - the app's middleware is an `ALL` entry whose handler takes `(c, next)` (what `app.use` makes;
 *   Hono's own `inspectRoutes` uses the same rule);
 * - everything else is a route handler, which must have access declared. A handler registered for
 *   a method (`app.get`) counts as a route even when it takes `next`: guessing "middleware" there
 *   would let an undeclared route through.
 *
 * The same rules read a request's matched chain (`matchedRoutes(c)`, in the order Hono runs it):
 * the middleware then knows, before anything of the app runs, which route answers, which guards
 * apply and whether any declares access at all.
 */
import type { RouterRoute } from 'hono/types';
import { type GuardPart, partOf, targetHandler } from './parts.js';

/** What an entry of `app.routes` (or of a matched chain) is. */
export type EntryRole = 'gatehouse' | 'guard' | 'middleware' | 'handler';

/** Sorts one entry (see the module comment). */
export function roleOf(route: RouterRoute): EntryRole {
  const part = partOf(route.handler);
  if (part?.role === 'middleware') return 'gatehouse';
  if (part?.role === 'guard') return 'guard';
  const target = targetHandler(route.handler);
  if (route.method === 'ALL' && typeof target === 'function' && target.length > 1) return 'middleware';
  return 'handler';
}

/** What the middleware learns from a request's matched chain. */
export interface ChainPlan {
  /** The pattern of the first route handler (`/orders/:id/`), or null when none matched. */
  readonly route: string | null;
  /** The guards before the route handler, in order: the middleware enforces them before the app runs. */
  readonly guards: readonly GuardPart[];
  /** A route handler of the app is on the chain. */
  readonly hasHandler: boolean;
  /** Nothing of the app is on the chain (only gatehouse's parts): the answer is Hono's not-found. */
  readonly onlyGatehouse: boolean;
  /** Some guard on the chain exempts the route from the CSRF check. */
  readonly csrfExempt: boolean;
  /** The route is one of the account views. */
  readonly accountView: boolean;
  /** Headers every answer on the route carries (from its guards). */
  readonly headers: Readonly<Record<string, string>>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The headers the route's guards ask every answer to carry (most routes: none, and nothing is allocated). */
function routeHeaders(guards: readonly GuardPart[]): Readonly<Record<string, string>> {
  let merged: Record<string, string> | null = null;
  for (const guard of guards) {
    for (const name in guard.headers) {
      merged ??= {};
      merged[name] = guard.headers[name] as string;
    }
  }
  return merged ?? NO_HEADERS;
}

/**
 * Reads a matched chain. The guards that count are those before the first route handler: Hono
 * runs the chain in registration order, and the first handler answers. Guards further on belong
 * to other routes matching the same path (`/orders/:id` for `/orders/new`); they run only if a
 * handler falls through with `next()`, and then enforce themselves.
 */
export function planChain(chain: readonly RouterRoute[]): ChainPlan {
  let route: string | null = null;
  const guards: GuardPart[] = [];
  let onlyGatehouse = true;
  for (const entry of chain) {
    const role = roleOf(entry);
    if (role === 'handler') {
      onlyGatehouse = false;
      route = entry.path;
      break;
    }
    if (role === 'guard') guards.push(partOf(entry.handler) as GuardPart);
    else if (role === 'middleware') onlyGatehouse = false;
  }
  return {
    route,
    guards,
    hasHandler: route !== null,
    onlyGatehouse,
    csrfExempt: guards.some((guard) => guard.csrfExempt),
    accountView: guards.some((guard) => guard.accountView !== null),
    headers: routeHeaders(guards),
  };
}

/**
 * True when an `app.use(pattern, ...)` entry runs for every request a route with path `routePath`
 * answers, judged from the two patterns alone. Conservative: a pattern it cannot judge (regular
 * expressions, optional parameters) covers nothing, so such a guard never makes a route count
 * as declared — the route then needs its own `access(...)`.
 */
export function patternCovers(pattern: string, routePath: string): boolean {
  if (pattern === '*' || pattern === '/*') return true;
  const wanted = pattern.split('/');
  const given = routePath.split('/');
  for (let i = 0; i < wanted.length; i += 1) {
    const segment = wanted[i] as string;
    const last = i === wanted.length - 1;
    // Hono's trailing `/*` matches the prefix itself too (`/admin/*` answers `/admin`).
    if (segment === '*' && last) return given.length >= i;
    if (i >= given.length) return false;
    const actual = given[i] as string;
    if (segment.includes('{') || segment.endsWith('?') || (segment.includes('*') && segment !== actual)) return false;
    if (segment.startsWith(':')) {
      if (actual === '' || actual === '*') return false;
      continue;
    }
    if (segment !== actual) return false;
  }
  return wanted.length === given.length;
}

/** True when `entry` (a guard or gatehouse's middleware) runs for every request of `route`. */
export function entryCovers(entry: RouterRoute, route: RouterRoute): boolean {
  if (entry.method !== 'ALL' && entry.method !== route.method) return false;
  return entry.path === route.path || patternCovers(entry.path, route.path);
}
