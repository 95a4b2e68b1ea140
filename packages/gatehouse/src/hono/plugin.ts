/**
 * `gatehouseHono(options)`: gatehouse for a Hono app, on the web-standard Request/Response.
 *
 * ```ts
 * const gh = await gatehouseHono({ gatehouse, mailer, throttle });
 * const app = new Hono<GatehouseEnv>();
 * app.use('*', gh.middleware);
 * app.onError(gh.onError);
 * app.notFound(gh.notFound);
 * app.route('/accounts', gh.accountViews);
 * app.get('/invoices/', access(permission('billing.view_invoice')), listInvoices);
 * gh.check(app); // throws naming every route without access
 * ```
 *
 * Everything it decides lives in the HTTP layer (`gatehouse/http`); this module only translates
 * Hono's context to the layer's request and the layer's answers to Responses.
 */
import type { ErrorHandler, Hono, MiddlewareHandler, NotFoundHandler } from 'hono';
import { ConfigError } from '../core/errors.js';
import { compileTrust, type ProxyTrust } from '../http/forwarded.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import { consoleLogger, type HttpLogger } from '../http/logger.js';
import { createHttpSite, type GatehouseHttpOptions, type HttpSite, recodeConfigError } from '../http/site.js';
import { type SecurityHeaderOverrides, securityHeaders } from '../http/security-headers.js';
import type { BackgroundTasks } from '../http/tasks.js';
import { buildAccountApi, buildAccountViews } from './account-views.js';
import { type HonoRoutes, checkRoutes, walkRoutes } from './app-routes.js';
import { type ConnInfoReader, remoteAddressReader } from './conn-info.js';
import { type ProbedRouter, createErrorHandlers } from './errors.js';
import { access } from './guards.js';
import { createMiddleware } from './middleware.js';
import type { GatehouseEnv } from './types.js';

/** Bodies larger than this are refused (413) unless `bodyLimit` says otherwise: Fastify's default. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Options of `gatehouseHono`. */
export interface GatehouseHonoOptions extends GatehouseHttpOptions {
  /**
   * The proxies in front of the app, `trustedProxies(1)` or `trustedProxies('10.0.0.0/8')`: the
   * client's address is then the rightmost `X-Forwarded-For` entry they did not add, and
   * `X-Forwarded-Proto`/`-Host` count when the peer is one of them. Without it forwarded headers
   * are ignored (Hono has no proxy handling of its own).
   */
  trustProxy?: ProxyTrust;
  /**
   * How to find the peer's address on this runtime: Hono's `getConnInfo` for it
   * (`hono/bun`, `hono/deno`, `hono/cloudflare-workers`...). Defaults to `@hono/node-server`'s.
   */
  getConnInfo?: ConnInfoReader;
  /** Where gatehouse logs (pino-shaped: `info/warn/error(object, message)`); the console by default. */
  logger?: HttpLogger;
  /** Largest body read on unsafe methods, in bytes (1 MiB by default; the account forms take 64 KiB). */
  bodyLimit?: number;
  /** Security header overrides (`{ 'content-security-policy': "..." }`, `false` drops one). */
  securityHeaders?: SecurityHeaderOverrides;
}

/** What `gatehouseHono` returns. */
export interface GatehouseHono {
  /** `app.use('*', gh.middleware)`, before every route. */
  readonly middleware: MiddlewareHandler<GatehouseEnv>;
  /** The account views: `app.route('/accounts', gh.accountViews)` (the `accountViews.prefix`). */
  readonly accountViews: Hono<GatehouseEnv>;
  /** The JSON account API, with the `api` option: `app.route('/api/auth', gh.accountApi)` (at `api.prefix`). */
  readonly accountApi: Hono<GatehouseEnv>;
  /** `access(declaration)`: the route middleware that enforces and declares (also exported on its own). */
  readonly access: typeof access;
  /** `app.onError(gh.onError)`: gatehouse's errors mapped, never a stack trace. */
  readonly onError: ErrorHandler<GatehouseEnv>;
  /** `app.notFound(gh.notFound)`: 404, or 405 with `Allow` when the path takes other methods. */
  readonly notFound: NotFoundHandler<GatehouseEnv>;
  /**
   * The start-up check: throws `ConfigError('gatehouse.hono.undeclared_routes')` naming every
   * route without access (unless `allowUndeclaredRoutes` matches it), and when the middleware or
   * the account views are missing. Call it once all routes are registered.
   */
  check(app: HonoRoutes): void;
  /** The route inventory (what `gatehouse routes` lists). */
  routes(app: HonoRoutes): RouteAccessEntry[];
  /** The resolved site (settings shared by every request). */
  readonly site: HttpSite;
  /** Work done after responses (reset mails); `await gh.tasks.settled()` in tests and at shutdown. */
  readonly tasks: BackgroundTasks;
  /** Waits for the deferred work; call when the server stops. */
  close(): Promise<void>;
}

function checkTrust(trust: unknown): ((address: string, hop: number) => boolean) | null {
  if (trust === undefined || trust === null || trust === false) return null;
  if (typeof trust === 'function' || (Array.isArray(trust) && trust.every((entry) => typeof entry === 'string'))) return compileTrust(trust as ProxyTrust);
  throw new ConfigError(
    'gatehouse.hono.invalid_trust_proxy',
    `trustProxy must come from trustedProxies(...) (a hop count or the proxies' addresses), got ${JSON.stringify(trust)}. "true" would let any client pick its own address.`,
  );
}

function checkBodyLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_BODY_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new ConfigError('gatehouse.hono.invalid_body_limit', `bodyLimit must be a positive whole number of bytes, got ${String(limit)}.`);
  }
  return limit;
}

/** Builds gatehouse for a Hono app; throws `ConfigError` (`gatehouse.hono.*`) naming what to fix. */
export async function gatehouseHono(options: GatehouseHonoOptions): Promise<GatehouseHono> {
  const log = options?.logger ?? consoleLogger;
  let site: HttpSite;
  let trust: ((address: string, hop: number) => boolean) | null;
  let bodyLimit: number;
  try {
    trust = checkTrust(options?.trustProxy);
    bodyLimit = checkBodyLimit(options?.bodyLimit);
    if (options?.getConnInfo !== undefined && typeof options.getConnInfo !== 'function') {
      throw new ConfigError('gatehouse.hono.invalid_conn_info', 'getConnInfo must be a function (c) => ConnInfo, e.g. getConnInfo from hono/bun or hono/deno.');
    }
    // The adapter writes the security headers itself (respond.ts says why), so the site has none.
    site = await createHttpSite(options, log, { securityHeaders: false });
  } catch (error) {
    throw recodeConfigError(error, 'hono');
  }
  const request = { remoteAddress: remoteAddressReader(options.getConnInfo), trust };
  const security = Object.entries(securityHeaders(site.gatehouse.config.production, options.securityHeaders ?? {}));
  let checkedApp: (HonoRoutes & { router?: ProbedRouter }) | null = null;
  const middleware = createMiddleware({ site, security, log, request, bodyLimit, checked: () => checkedApp !== null });
  const { onError, notFound } = createErrorHandlers({ security, log, request, router: () => checkedApp?.router ?? null });
  return {
    middleware,
    accountViews: buildAccountViews(site),
    accountApi: buildAccountApi(site),
    access,
    onError,
    notFound,
    check(app) {
      checkRoutes(walkRoutes(app.routes, site), site);
      checkedApp = app;
    },
    routes: (app) => walkRoutes(app.routes, site).inventory.list(),
    site,
    tasks: site.tasks,
    close: () => site.tasks.settled(),
  };
}
