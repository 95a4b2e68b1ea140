/**
 * Walks an Express app's router stack, as the router itself would nest it, and lists every route
 * with the guard that declares its access. This is what the start-up check and the route
 * inventory read (Express has no route hook like Fastify's `onRoute`, so the routes are found
 * after the app registered them).
 *
 * A route is declared when, for each of its methods, its first handler is a gatehouse guard
 * (`access(...)`, `loginRequired()`...), or when a guard was mounted with `router.use(guard)`
 * (or `router.use('/admin', guard)`) earlier in a router that leads to it. A guard placed after
 * another handler protects nothing that handler does, so it does not count: the route is then
 * reported as misplaced. A whole Express app mounted inside another (`app.use('/x', subApp)`)
 * hides its routes from the walk and is refused; mount an `express.Router()` instead.
 */
import { METHODS } from 'node:http';
import { type GuardMark, guardMark } from './guard-mark.js';
import {
  type ExpressRoute,
  type RouterLayer,
  type RouterLike,
  isErrorHandler,
  isMountedApp,
  isRouter,
  joinPath,
  layerPaths,
  routeMethods,
} from './router-stack.js';

/** One method of one route, as found. */
export interface WalkedRoute {
  /** Upper-case method; `ALL` for `.all()` handlers. */
  method: string;
  /** The full path pattern, mount prefixes included: `/accounts/login/`. */
  url: string;
  /** The guard declaring it, or null. */
  guard: GuardMark | null;
  /** A guard was found among the route's handlers, but not first. */
  misplacedGuard: boolean;
}

/** What the walk found. */
export interface RouteWalk {
  routes: WalkedRoute[];
  /** Paths where a whole Express app is mounted (its routes cannot be seen). */
  mountedApps: string[];
  /** Each router met, with the full path it is mounted at (for the account views' check). */
  routers: { router: RouterLike; url: string }[];
}

interface ScopedGuard {
  /** The `use` path, normalised without a trailing slash ('' for the whole router). */
  path: string;
  mark: GuardMark;
}

function normalise(path: string): string {
  return path === '/' ? '' : path.replace(/\/+$/, '');
}

/** True when a guard mounted at `guardPath` runs before a layer registered at `layerPath`. */
export function guardCovers(guardPath: string, layerPath: string): boolean {
  if (guardPath === '') return true;
  const path = normalise(layerPath);
  return path === guardPath || path.startsWith(`${guardPath}/`);
}

/**
 * The handlers a route runs for `method` (lower-case), in order: its `.all()` handlers and that
 * method's. For `_all` (the methods only `.all()` answers), the `.all()` handlers alone.
 */
export function handlersFor(route: ExpressRoute, method: string): RouterLayer[] {
  return route.stack.filter((l) => !isErrorHandler(l) && (l.method === undefined || l.method === method));
}

function scopedGuard(scoped: readonly ScopedGuard[], inherited: GuardMark | null, path: string): GuardMark | null {
  if (inherited) return inherited;
  return scoped.find((g) => guardCovers(g.path, path))?.mark ?? null;
}

/** Every method Node knows, lower-case: `app.all()` registers the route for each of them. */
const EVERY_METHOD = METHODS.map((m) => m.toLowerCase());

/**
 * One entry per method, except that a route answering every method alike (`app.all()`, which
 * registers each of Node's 34 methods, or a router's `.all()`) is one `ALL` entry.
 */
function walkRoute(layer: RouterLayer, route: ExpressRoute, prefix: string, scoped: readonly ScopedGuard[], inherited: GuardMark | null, out: RouteWalk): void {
  for (const path of layerPaths(layer)) {
    const url = joinPath(prefix, path);
    const outer = scopedGuard(scoped, inherited, path);
    const found: WalkedRoute[] = [];
    for (const method of routeMethods(route)) {
      const handlers = handlersFor(route, method);
      const first = guardMark(handlers[0]?.handle);
      const guard = first ?? outer;
      const misplacedGuard = guard === null && handlers.some((h) => guardMark(h.handle) !== undefined);
      found.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), url, guard, misplacedGuard });
    }
    const methods = new Set(routeMethods(route));
    const head = found[0];
    const alike = head !== undefined && found.every((r) => r.guard === head.guard && r.misplacedGuard === head.misplacedGuard);
    if (alike && EVERY_METHOD.every((m) => methods.has(m))) out.routes.push({ ...head, method: 'ALL' });
    else out.routes.push(...found);
  }
}

function walkStack(router: RouterLike, prefix: string, inherited: GuardMark | null, out: RouteWalk): void {
  const scoped: ScopedGuard[] = [];
  for (const layer of router.stack) {
    if (isErrorHandler(layer)) continue;
    if (layer.route) {
      walkRoute(layer, layer.route, prefix, scoped, inherited, out);
    } else if (isMountedApp(layer)) {
      for (const path of layerPaths(layer)) out.mountedApps.push(joinPath(prefix, path));
    } else if (isRouter(layer.handle)) {
      for (const path of layerPaths(layer)) {
        const url = joinPath(prefix, path);
        out.routers.push({ router: layer.handle, url });
        walkStack(layer.handle, url === '/' ? '' : url, scopedGuard(scoped, inherited, path), out);
      }
    } else {
      const mark = guardMark(layer.handle);
      if (mark) for (const path of layerPaths(layer)) scoped.push({ path: normalise(path), mark });
    }
  }
}

/** Walks `router` (an app's `app.router`, or any router) from the root. */
export function walkRoutes(router: RouterLike): RouteWalk {
  const out: RouteWalk = { routes: [], mountedApps: [], routers: [] };
  walkStack(router, '', null, out);
  return out;
}
