/**
 * The parts of Express 5's router (the `router` package, 2.x) that gatehouse reads: an app's
 * `app.router.stack` of layers, each either a route (`layer.route`, whose own `stack` holds one
 * layer per handler with its `method`), a mounted router (`layer.handle.stack`), or plain
 * middleware. They are not in Express's public types, so they are described here, and every read
 * goes through these guards: a router that does not look like this is refused at start-up
 * (`gatehouse.express.unknown_router`) rather than walked wrongly.
 */
import { ConfigError } from '../core/errors.js';

/** What `layer.match(path)` returns. */
export interface LayerMatch {
  /** The part of the path matched. */
  path: string;
  params: Record<string, string>;
  /** The registered path that matched (router 2.3+; one of them, for an array of paths). */
  pattern?: unknown;
}

/** A layer of a router's or a route's stack. */
export interface RouterLayer {
  handle: ((...args: never[]) => unknown) & { stack?: unknown; name?: string };
  route?: ExpressRoute;
  /** The path the layer was registered with (router 2.3+). */
  rawPath?: unknown;
  /** The HTTP method of a route's handler layer, lower-case; undefined for `.all()`. */
  method?: string;
  match(path: string): LayerMatch | false;
}

/** A route: one path, its handlers by method. */
export interface ExpressRoute {
  path: unknown;
  stack: RouterLayer[];
  methods: Record<string, boolean | undefined>;
}

/** Anything with a router stack: an app's `router`, an `express.Router()`. */
export interface RouterLike {
  stack: RouterLayer[];
}

/** The parts of an Express app gatehouse reads. */
export interface ExpressAppLike {
  router?: unknown;
  get(setting: string): unknown;
}

/** The router of an app, or the router itself. */
export function routerOf(source: ExpressAppLike | RouterLike): RouterLike {
  const router = 'stack' in source ? source : source.router;
  if (!isRouter(router)) {
    throw new ConfigError(
      'gatehouse.express.unknown_router',
      "gatehouse/express could not read the app's router stack (app.router.stack): it needs Express 5 with its router 2.x. Pass the Express app itself.",
    );
  }
  return router;
}

/** True for an object with a router's layer stack. */
export function isRouter(value: unknown): value is RouterLike {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && Array.isArray((value as { stack?: unknown }).stack);
}

/** True for error-handling middleware (four parameters), which the router skips for requests. */
export function isErrorHandler(layer: RouterLayer): boolean {
  return typeof layer.handle === 'function' && layer.handle.length > 3;
}

/** True for a layer that mounts a whole Express app (`app.use('/x', otherApp)`). */
export function isMountedApp(layer: RouterLayer): boolean {
  return !layer.route && layer.handle?.name === 'mounted_app';
}

/**
 * The path(s) a layer was registered with, as text: `/orders/:id/`, a RegExp as `/^\/x/`.
 * Router 2.3 keeps the registered path in `rawPath`; routes always keep theirs in `route.path`.
 */
export function layerPaths(layer: RouterLayer): string[] {
  const raw = layer.route ? layer.route.path : layer.rawPath;
  if (raw === undefined) {
    throw new ConfigError(
      'gatehouse.express.unknown_router',
      "gatehouse/express cannot read where a router is mounted: update Express's router package to 2.3 or later (npm update router), which keeps each layer's path.",
    );
  }
  const list = Array.isArray(raw) ? raw.flat(Number.POSITIVE_INFINITY) : [raw];
  return list.map((p) => (typeof p === 'string' ? p : String(p)));
}

/** `prefix` + `path` without a doubled or dangling slash (`'' + '/'` stays `/`). */
export function joinPath(prefix: string, path: string): string {
  if (path === '/' || path === '') return prefix === '' ? '/' : prefix;
  if (prefix === '' || prefix === '/') return path;
  return `${prefix.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

/** The lower-case methods a route answers (`.all()` as `_all`). */
export function routeMethods(route: ExpressRoute): string[] {
  return Object.keys(route.methods).filter((m) => route.methods[m] === true);
}

/**
 * Function names of well-known middleware that never answer an unsafe request themselves (or
 * only with an error): body-parser's four parsers, serve-static (GET/HEAD only, falls through
 * otherwise), cors (answers OPTIONS only), helmet, compression, morgan, cookie-parser. Anything
 * else may answer, as far as gatehouse can tell.
 */
const PASS_THROUGH = new Set([
  'jsonParser',
  'urlencodedParser',
  'rawParser',
  'textParser',
  'serveStatic',
  'corsMiddleware',
  'helmetMiddleware',
  'compression',
  'logger',
  'cookieParser',
]);

/** True for a layer whose handler is well-known middleware that passes unsafe requests on. */
export function isPassThrough(layer: RouterLayer): boolean {
  return PASS_THROUGH.has(layer.handle?.name ?? '');
}
