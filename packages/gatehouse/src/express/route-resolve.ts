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
 * into mounted routers as the router does (prefix stripped at a segment boundary). Plain
 * middleware is assumed to pass the request on; a gatehouse guard mounted with `use` applies to
 * what follows it.
 */
import { type GuardMark, guardMark, isOwn } from './guard-mark.js';
import { handlersFor } from './route-walk.js';
import { type LayerMatch, type RouterLayer, type RouterLike, isErrorHandler, isRouter, joinPath } from './router-stack.js';

/** The route a request will reach. */
export interface ResolvedRoute {
  /** The guards that run before its first handler, in order: `use` guards, then its own. */
  guards: readonly GuardMark[];
  /** The route's full pattern (`/orders/:id/`), for logs. */
  pattern: string;
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

function search(router: RouterLike, path: string, method: string, prefix: string, outer: readonly GuardMark[]): ResolvedRoute | null {
  let guards = outer;
  for (const layer of router.stack) {
    if (isErrorHandler(layer)) continue;
    const match = matchLayer(layer, path);
    if (!match) continue;
    if (layer.route) {
      const effective = handles(layer, method);
      if (effective === null) continue;
      const own = guardMark(handlersFor(layer.route, effective)[0]?.handle);
      return { guards: own ? [...guards, own] : guards, pattern: joinPath(prefix, matchedPattern(match)) };
    }
    if (isRouter(layer.handle)) {
      const consumed = match.path;
      const next = path[consumed.length];
      if (consumed.length > 0 && (path.slice(0, consumed.length) !== consumed || (next !== undefined && next !== '/'))) continue;
      const rest = path.slice(consumed.length);
      const found = search(layer.handle, rest.startsWith('/') ? rest : `/${rest}`, method, joinPath(prefix, matchedPattern(match)), guards);
      if (found) return found;
      continue;
    }
    const mark = guardMark(layer.handle);
    if (mark) guards = [...guards, mark];
  }
  return null;
}

/** The route Express will dispatch `method path` to, or null when none matches (a 404). */
export function resolveRoute(router: RouterLike, method: string, path: string): ResolvedRoute | null {
  return search(router, path, method.toLowerCase(), '', []);
}

function mayAnswer(router: RouterLike, path: string, skipUntilOwn: boolean): boolean {
  let skipping = skipUntilOwn && router.stack.some((l) => isOwn(l.handle));
  for (const layer of router.stack) {
    if (skipping) {
      // Middleware before gatehouse's has already passed the request on.
      if (isOwn(layer.handle)) skipping = false;
      continue;
    }
    if (isErrorHandler(layer) || layer.route || isOwn(layer.handle) || guardMark(layer.handle)) continue;
    const match = matchLayer(layer, path);
    if (!match) continue;
    if (!isRouter(layer.handle)) return true;
    const rest = path.slice(match.path.length);
    if (mayAnswer(layer.handle, rest.startsWith('/') ? rest : `/${rest}`, false)) return true;
  }
  return false;
}

/**
 * True when plain middleware after gatehouse's (a `use` handler that is neither a router nor a
 * guard) matches `path`: it may answer a request no route takes, so such a request cannot be
 * treated as a 404 and skip the CSRF check.
 */
export function plainMiddlewareMatches(router: RouterLike, path: string): boolean {
  return mayAnswer(router, path, true);
}

/** The methods `path` answers, for a 405's `Allow` header. */
export function allowedMethods(router: RouterLike, path: string, probe: readonly string[]): string[] {
  return probe.filter((method) => resolveRoute(router, method, path) !== null);
}
