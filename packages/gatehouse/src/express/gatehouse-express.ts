/**
 * `gatehouseExpress(options)`: gatehouse for an Express 5 app.
 *
 * ```ts
 * const gh = await gatehouseExpress({ gatehouse, mailer, throttle, rateLimits });
 * const app = express();
 * app.use(gh.middleware);                           // first: session, req.user, CSRF, headers
 * app.use('/accounts', gh.accountViews);            // login, logout, password change/reset
 * app.get('/invoices/', gh.access(permission('billing.view_invoice')), listInvoices);
 * app.use(gh.notFoundHandler);
 * app.use(gh.errorHandler);
 * gh.check(app);                                    // throws naming every undeclared route
 * ```
 *
 * The site (siteUrl, allowed hosts, production refusals, throttle, templates...) is built once,
 * by the HTTP layer, which is why this is awaited: a misconfigured deployment fails here, at
 * start-up. Everything else only translates between Express and that layer.
 */
import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import { ConfigError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import { type HttpLogger, consoleLogger } from '../http/logger.js';
import type { SecurityHeaderOverrides } from '../http/security-headers.js';
import { type GatehouseHttpOptions, type HttpSite, createHttpSite, recodeConfigError } from '../http/site.js';
import type { BackgroundTasks } from '../http/tasks.js';
import type { RegisteredPermission } from '../http/types.js';
import { accountApiRouter } from './account-api.js';
import { accountViewsRouter } from './account-views.js';
import { createErrorHandler, createNotFoundHandler } from './error-handlers.js';
import { access } from './guards.js';
import { createMiddleware } from './middleware.js';
import { assertRoutes, reportRoutes } from './route-check.js';
import { type ExpressAppLike, type RouterLike, routerOf } from './router-stack.js';

/** Options of `gatehouseExpress`: the HTTP layer's, plus Express's own. */
export interface GatehouseExpressOptions extends GatehouseHttpOptions {
  /** Where gatehouse logs (pino-shaped: `info/warn/error(object, message)`); the console by default. */
  logger?: HttpLogger;
  /**
   * Security headers: gatehouse's set (CSP, frame denial, `Referrer-Policy: same-origin`, HSTS in
   * production...) with these overrides (`false` drops one), or `false` when the app sets its own
   * (helmet).
   */
  securityHeaders?: SecurityHeaderOverrides | false;
}

/** What `gatehouseExpress` gives the app. */
export interface GatehouseExpress {
  /** The gatehouse it was built with. */
  readonly gatehouse: Gatehouse<RegisteredPermission>;
  /** The site as the HTTP layer resolved it (account URLs, cookies, hosts...). */
  readonly site: HttpSite;
  /** `app.use(gh.middleware)`, before every route and router. */
  readonly middleware: RequestHandler;
  /** The account views: `app.use('/accounts', gh.accountViews)` (at the `accountViews.prefix`). */
  readonly accountViews: Router;
  /** The JSON account API, with the `api` option: `app.use('/api/auth', gh.accountApi)` (at `api.prefix`). */
  readonly accountApi: Router;
  /** A route's declared access, enforced: `app.get(path, gh.access(authenticated()), handler)`. */
  readonly access: typeof access;
  /** Last in the app: `app.use(gh.errorHandler)`. */
  readonly errorHandler: ErrorRequestHandler;
  /** After the routes: `app.use(gh.notFoundHandler)` (404, or 405 with `Allow`). */
  readonly notFoundHandler: RequestHandler;
  /**
   * Walks the app's routes and throws `ConfigError('gatehouse.express.undeclared_routes')`
   * naming each one without a gatehouse guard first (unless `allowUndeclaredRoutes` lets it
   * through). Call it once the routes are registered; if the app does not, the middleware runs
   * it on the first request and answers 500 while routes are undeclared.
   */
  check(app: ExpressAppLike | RouterLike): void;
  /** The route inventory (`gatehouse routes` reads it from the app's config module). */
  routes(app: ExpressAppLike | RouterLike): RouteAccessEntry[];
  /** Work done after responding (reset mails); tests await `tasks.settled()`. */
  readonly tasks: BackgroundTasks;
  /** Waits for the work deferred after responses (call it when the server closes). */
  close(): Promise<void>;
}

interface CheckResult {
  /** The top-level stack length the result holds for: routes added later are checked again. */
  layers: number;
  error: Error | null;
}

async function buildSite(options: GatehouseExpressOptions, log: HttpLogger): Promise<HttpSite> {
  try {
    return await createHttpSite(options, log, { securityHeaders: options.securityHeaders ?? {} });
  } catch (error) {
    throw recodeConfigError(error, 'express');
  }
}

/** Builds gatehouse for an Express app; see the module comment. */
export async function gatehouseExpress(options: GatehouseExpressOptions): Promise<GatehouseExpress> {
  const log = options.logger ?? consoleLogger;
  const site = await buildSite(options, log);
  const production = site.gatehouse.config.production;
  const errorHandler = createErrorHandler(site, log);
  const views = accountViewsRouter(site, errorHandler);
  const api = accountApiRouter(site, errorHandler);
  const checks = new WeakMap<object, CheckResult>();
  const warnedTrust = new WeakSet<object>();

  const checkTrustProxy = (app: ExpressAppLike | RouterLike): void => {
    if (!('get' in app) || typeof app.get !== 'function' || warnedTrust.has(app)) return;
    warnedTrust.add(app);
    if (app.get('trust proxy') !== true) return;
    const message =
      "gatehouse: app.set('trust proxy', true) trusts every X-Forwarded-For entry, so req.ip is the leftmost one, which the client chooses (login throttle and audit addresses can be forged). Use app.set('trust proxy', trustedProxies(<number of proxies>)) or the proxies' addresses.";
    if (production) log.error({ code: 'gatehouse.express.trust_proxy_all' }, message);
    else log.warn({ code: 'gatehouse.express.trust_proxy_all' }, message);
  };

  const check = (app: ExpressAppLike | RouterLike): void => {
    checkTrustProxy(app);
    const layers = routerOf(app).stack.length;
    try {
      assertRoutes(reportRoutes(app, site, views), site, site.accountViews);
      checks.set(app, { layers, error: null });
    } catch (error) {
      checks.set(app, { layers, error: error instanceof Error ? error : new Error(String(error)) });
      throw error;
    }
  };

  const routeProblem = (app: ExpressAppLike): Error | null => {
    const layers = routerOf(app).stack.length;
    const known = checks.get(app);
    if (known && known.layers === layers) return known.error;
    try {
      check(app);
      return null;
    } catch (error) {
      // Once per change of the app's routes: every request meanwhile gets the generic 500.
      log.error(
        { err: error, code: error instanceof ConfigError ? error.code : undefined },
        'gatehouse: the app failed its route check, so every request is refused with 500 until it is fixed (call gh.check(app) at start-up to fail there instead)',
      );
      return checks.get(app)?.error ?? (error as Error);
    }
  };

  return {
    gatehouse: site.gatehouse as unknown as Gatehouse<RegisteredPermission>,
    site,
    middleware: createMiddleware({ site, log, routeProblem }),
    accountViews: views,
    accountApi: api,
    access,
    errorHandler,
    notFoundHandler: createNotFoundHandler(site),
    check,
    routes: (app) => reportRoutes(app, site, views).entries,
    tasks: site.tasks,
    close: () => site.tasks.settled(),
  };
}
