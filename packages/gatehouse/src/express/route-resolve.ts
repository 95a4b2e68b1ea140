/**
 * Which route will answer a request, found before Express routes it. The middleware runs before
 * routing, yet two of its decisions depend on the route, as they do on Fastify (where the route is
 * known from the start):
 *
 * - `publicAccess({ session: false })` routes load no session;
 * - on a route whose first handler is a guard, the CSRF check runs in that guard, after access is
 *   decided (an anonymous POST to a protected route is sent to log in, not told its form
 *   expired), and after the guard, not before, the body is read. Every other unsafe request
 *   (routes let through by `allowUndeclaredRoutes`, plain middleware that answers, unknown URLs)
 *   is checked by the middleware itself, so no handler ever runs unchecked.
 *
 * The search matches each layer with the layer's own matcher, in the router's order, recursing
 * into mounted routers as the router does (prefix stripped at a segment boundary), from the layer
 * after gatehouse's middleware. A gatehouse guard mounted with `use` applies to what follows it.
 * Plain middleware that matches before the first guard might answer the request itself, so the
 * route is then marked `opaque` and the middleware checks CSRF before it (fail closed), unless it
 * is one of the well-known middleware that only ever pass a POST on (body parsers, static files,
 * CORS, helmet, compression, loggers, cookie parsing).
 */
import { type GuardMark, guardMark, isOwn } from './guard-mark.js';
import { handlersFor } from './route-walk.js';
import { type LayerMatch, type RouterLayer, type RouterLike, isErrorHandler, isPassThrough, isRouter, joinPath } from './router-stack.js';

/** The route a request will reach. */
export interface ResolvedRoute {
  /** The guards that run before its first handler, in order: `use` guards, then its own. */
  guards: readonly GuardMark[];
  /** The route's full pattern (`/orders/:id/`), for logs. */
  pattern: string;
  /**
   * Plain middleware that may answer (not a known pass-through such as a body parser) runs
   * before the route's first guard: the request cannot be left to the guard's CSRF check.
   */
  opaque: boolean;
}

function matchLayer(layer: RouterLayer, path: string): LayerMatch | false {
  try {
    return layer.match(path);
  } catch {
    // Bad percent-encoding in a parameter: the router fails the request with 400 itself.
    return false;
  }
}

/** The method whose handlers the route runs for `method` (HEAD runs GET's), or null. */
function handles(layer: RouterLayer, method: string): string | null {
  const methods = layer.route?.methods ?? {};
  if (methods[method]) return method;
  if (method === 'head' && methods.get) return 'get';
  if (methods._all) return method;
  return null;
}

/** The registered path that matched, as text (a RegExp as its source form), else the matched text. */
function matchedPattern(match: LayerMatch): string {
  if (typeof match.pattern === 'string') return match.pattern;
  if (match.pattern instanceof RegExp) return String(match.pattern);
  return match.path;
}

interface SearchState {
  guards: readonly GuardMark[];
  opaque: boolean;
}

/** True for a layer that is neither a route, a router, an error handler nor gatehouse's own. */
function isPlain(layer: RouterLayer): boolean {
  return !layer.route && !isErrorHandler(layer) && !isOwn(layer.handle) && !isRouter(layer.handle);
}

/** Where the layers still to run start: at the top, after gatehouse's middleware (the rest ran already). */
function firstPending(router: RouterLike, top: boolean): number {
  if (!top) return 0;
  const at = router.stack.findIndex((l) => isOwn(l.handle));
  return at === -1 ? 0 : at + 1;
}

function search(router: RouterLike, path: string, method: string, prefix: string, outer: SearchState, top: boolean): ResolvedRoute | null {
  const state: SearchState = { guards: outer.guards, opaque: outer.opaque };
  const stack = router.stack;
  for (let i = firstPending(router, top); i < stack.length; i += 1) {
    const layer = stack[i] as RouterLayer;
    if (isErrorHandler(layer) || isOwn(layer.handle)) continue;
    const match = matchLayer(layer, path);
    if (!match) continue;
    if (layer.route) {
      const effective = handles(layer, method);
      if (effective === null) continue;
      const own = guardMark(handlersFor(layer.route, effective)[0]?.handle);
      return { guards: own ? [...state.guards, own] : state.guards, pattern: joinPath(prefix, matchedPattern(match)), opaque: state.opaque };
    }
    if (isRouter(layer.handle)) {
      const consumed = match.path;
      const next = path[consumed.length];
      if (consumed.length > 0 && (path.slice(0, consumed.length) !== consumed || (next !== undefined && next !== '/'))) continue;
      const rest = path.slice(consumed.length);
      const found = search(layer.handle, rest.startsWith('/') ? rest : `/${rest}`, method, joinPath(prefix, matchedPattern(match)), state, false);
      if (found) return found;
      continue;
    }
    const mark = guardMark(layer.handle);
    if (mark) state.guards = [...state.guards, mark];
    // Middleware after a guard runs after its CSRF check; before any guard it might answer first.
    else if (state.guards.length === 0 && !isPassThrough(layer)) state.opaque = true;
  }
  return null;
}

/** The route Express will dispatch `method path` to, or null when none matches (a 404). */
export function resolveRoute(router: RouterLike, method: string, path: string): ResolvedRoute | null {
  return search(router, path, method.toLowerCase(), '', { guards: [], opaque: false }, true);
}

function mayAnswer(router: RouterLike, path: string, top: boolean): boolean {
  const stack = router.stack;
  for (let i = firstPending(router, top); i < stack.length; i += 1) {
    const layer = stack[i] as RouterLayer;
    if (layer.route || guardMark(layer.handle) || (isPlain(layer) && isPassThrough(layer))) continue;
    if (isErrorHandler(layer) || isOwn(layer.handle)) continue;
    const match = matchLayer(layer, path);
    if (!match) continue;
    if (!isRouter(layer.handle)) return true;
    const rest = path.slice(match.path.length);
    if (mayAnswer(layer.handle, rest.startsWith('/') ? rest : `/${rest}`, false)) return true;
  }
  return false;
}

/**
 * True when plain middleware after gatehouse's (a `use` handler that is neither a router, a
 * guard nor a known pass-through) matches `path`: it may answer a request no route takes, so such
 * a request cannot be treated as a 404 and skip the CSRF check.
 */
export function plainMiddlewareMatches(router: RouterLike, path: string): boolean {
  return mayAnswer(router, path, true);
}

/** The methods `path` answers, for a 405's `Allow` header. */
export function allowedMethods(router: RouterLike, path: string, probe: readonly string[]): string[] {
  return probe.filter((method) => resolveRoute(router, method, path) !== null);
}
