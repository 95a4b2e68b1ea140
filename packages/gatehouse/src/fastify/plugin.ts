/**
 * `gatehouseFastify`: the Fastify plugin. Register it first, before any route:
 *
 * ```ts
 * await app.register(gatehouseFastify, { gatehouse, mailer, throttle });
 * app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, handler);
 * ```
 *
 * What it sets up, in request order:
 * 1. `onRequest`: cookies parsed, security headers (helmet), the Host and forwarded protocol
 *    checked (400 unless allowed), the session loaded and `request.user` set (the anonymous user
 *    when nobody is logged in);
 * 2. `onRequest` of each route: its access guard, before the body is read;
 * 3. `preValidation`: the CSRF check on unsafe methods;
 * 4. `onSend`: a critical decision still pending written as denied, session and CSRF cookies,
 *    cache headers, and the object-rule safety net;
 * then, after the answer has gone, deferred work (reset mails).
 * `ready()` fails if a route declares no access.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import type { PasswordResetRateLimits } from '../core/rate-limit.js';
import type { User } from '../core/user.js';
import { publicAccess } from './access.js';
import { type AccountUrls, type PluginContext, kContext, kState } from './context.js';
import { installResetBadUrlPage } from './bad-url.js';
import { csrfToken } from './csrf.js';
import { gatehouseErrorHandler, notFoundHandler } from './errors.js';
import { formBodyOptions } from './form-parser.js';
import { helmetOptions } from './headers.js';
import { registerSecurityHeaders } from './security-headers.js';
import { csrfHook, responseHook, sessionHook } from './hooks.js';
import { DEVELOPMENT_HOSTS, compileAllowedHosts } from './allowed-hosts.js';
import { settleAfterAbort, settleAfterResponse } from './pending-audit.js';
import { checkProxyTrust } from './proxy-trust.js';
import { originCheckHook } from './request-origin.js';
import { RouteInventory } from './inventory.js';
import type { LoginThrottle, Mailer } from './ports.js';
import { configurePasswordResetLimits } from './reset-limits.js';
import { cookieSpecs, loginRequest, logoutRequest } from './session-cookie.js';
import { BackgroundTasks } from './tasks.js';
import { Templates } from './templates.js';
import type { RequestLoginOptions } from './types.js';
import { accountViews } from './views/index.js';

/** Where and how the account views are mounted. */
export interface AccountViewsOptions {
  /** URL prefix, `/accounts` by default (`''` mounts them at the root). */
  prefix?: string;
  /** Logout shows `registration/logged_out.html` instead of redirecting to `logoutRedirectUrl`. */
  loggedOutPage?: boolean;
}

/** Options of `gatehouseFastify`. */
export interface GatehouseFastifyOptions {
  /** The gatehouse (`createGatehouse`). */
  // biome-ignore lint/suspicious/noExplicitAny: any app's permission union is accepted
  gatehouse: Gatehouse<any>;
  /** Sends the reset mails; without one, reset requests are answered but no mail goes out. */
  mailer?: Mailer;
  /**
   * Counts failed logins (`createLoginThrottle(database, config.throttle)` from `gatehouse/db`).
   * Required in production; `false` turns throttling off explicitly.
   */
  throttle?: LoginThrottle | false;
  /**
   * Password-reset counters (`createRateLimits(database, gatehouse.config.passwordReset)` from
   * `gatehouse/db`): mails per address, requests per client, invalid links per client. In memory
   * in development; required in production; `false` turns them off explicitly.
   */
  rateLimits?: PasswordResetRateLimits | false;
  /** The account views (`/accounts/login/`...), or `false` to mount none. */
  accountViews?: AccountViewsOptions | false;
  /** The app's template folder, searched before the defaults (`registration/login.html`...). */
  templatesDir?: string;
  /** Shown in page titles and mails. */
  siteName?: string;
  /**
   * `https://example.com`: the origin of links in mail (reset links carry tokens). Required in
   * production; in development, without it, links use the request's own origin (its Host is on
   * `allowedHosts`).
   */
  siteUrl?: string;
  /**
   * The Host header values this site answers (Django's `ALLOWED_HOSTS`): `example.com`,
   * `.example.com` (and its subdomains), `example.com:8443` (that port only). A request with any
   * other Host gets 400 before its session is loaded. Required in production; in development the
   * default is this machine's names (`localhost`, `*.localhost`, `127.0.0.1`, `[::1]`).
   */
  allowedHosts?: readonly string[];
  /** Routes allowed without an access declaration: `GET /docs/*`, `/metrics` (all methods). */
  allowUndeclaredRoutes?: readonly string[];
  /** The re-authentication page, when the account views are not mounted here. */
  reauthUrl?: string;
  /** Helmet options merged over gatehouse's, or `false` when the app sets its own headers. */
  helmet?: FastifyHelmetOptions | false;
  /** Install gatehouse's error handler (default true). */
  errorHandler?: boolean;
  /**
   * Install gatehouse's not-found handler (default true): 405 with `Allow` when the URL exists
   * for other methods, else a plain 404 page or JSON.
   */
  notFoundHandler?: boolean;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && (!trimmed.startsWith('/') || trimmed.startsWith('//'))) {
    throw new ConfigError('gatehouse.fastify.invalid_prefix', `accountViews.prefix must be '' or start with a single '/', got "${prefix}".`);
  }
  return trimmed;
}

function accountUrls(prefix: string, reauthUrl: string | undefined, mounted: boolean): AccountUrls {
  return {
    login: `${prefix}/login/`,
    logout: `${prefix}/logout/`,
    passwordChange: `${prefix}/password_change/`,
    passwordChangeDone: `${prefix}/password_change/done/`,
    passwordReset: `${prefix}/password_reset/`,
    passwordResetDone: `${prefix}/password_reset/done/`,
    passwordResetComplete: `${prefix}/reset/done/`,
    reauth: reauthUrl ?? `${prefix}/reauth/`,
    resetBase: `${prefix}/reset/`,
    stylesheet: mounted ? `${prefix}/gatehouse.css` : '',
  };
}

function checkSiteUrl(siteUrl: string | undefined, production: boolean): string | null {
  if (siteUrl === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(siteUrl);
  } catch {
    throw new ConfigError('gatehouse.fastify.invalid_site_url', `siteUrl must be an absolute URL like https://example.com, got "${siteUrl}".`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError('gatehouse.fastify.invalid_site_url', `siteUrl must be http(s), got "${siteUrl}".`);
  }
  if (production && parsed.protocol !== 'https:') {
    throw new ConfigError('gatehouse.fastify.insecure_site_url', `siteUrl must use https in production: reset links carry tokens. Got "${siteUrl}".`);
  }
  return parsed.origin;
}

/**
 * What production refuses to start without, each with what to pass. Checked before anything is
 * registered, so a misconfigured deploy fails at start-up, not on the first reset mail or under
 * the first password-guessing run.
 */
function checkProductionOptions(options: GatehouseFastifyOptions, production: boolean, siteUrl: string | null, views: boolean): void {
  if (!production) return;
  if (siteUrl === null) {
    throw new ConfigError(
      'gatehouse.fastify.site_url_missing',
      'In production gatehouse needs the plugin option siteUrl (e.g. siteUrl: "https://billing.example.com"): links in mail are built only from it, never from request headers.',
    );
  }
  if (options.allowedHosts === undefined || options.allowedHosts.length === 0) {
    throw new ConfigError(
      'gatehouse.fastify.allowed_hosts_missing',
      'In production gatehouse needs the plugin option allowedHosts: the Host names this site answers (e.g. allowedHosts: ["billing.example.com"]); any other Host gets 400.',
    );
  }
  if (options.throttle === undefined && views) {
    throw new ConfigError(
      'gatehouse.fastify.throttle_missing',
      'In production the login form needs a throttle: pass throttle: createLoginThrottle(database, gatehouse.config.throttle) (or throttle: false to go without, knowingly).',
    );
  }
  if (options.mailer?.developmentOnly === true) {
    throw new ConfigError(
      'gatehouse.fastify.development_mailer',
      'In production mail must reach people: the console mailer prints reset links (working tokens) into the server log, and the memory mailer keeps mail in memory. Pass an SMTP mailer, e.g. mailer: mailerFromUrl("smtp://mail.example.com:587").',
    );
  }
  if (options.throttle && (options.throttle as { shared?: unknown }).shared === false) {
    throw new ConfigError(
      'gatehouse.fastify.throttle_not_shared',
      'In production the login throttle must count in a shared store: an in-memory throttle counts per process (each instance and each restart starts from zero). Pass throttle: createLoginThrottle(database, gatehouse.config.throttle).',
    );
  }
}

async function plugin(fastify: FastifyInstance, options: GatehouseFastifyOptions): Promise<void> {
  const gatehouse = options.gatehouse as Gatehouse<string>;
  if (!gatehouse || typeof gatehouse.authenticate !== 'function') {
    throw new ConfigError('gatehouse.fastify.no_gatehouse', 'gatehouseFastify needs the option gatehouse: pass the result of createGatehouse().');
  }
  const config = gatehouse.config;
  for (const warning of config.warnings) fastify.log.warn({ code: warning.code }, `gatehouse: ${warning.message}`); // the core has no logger
  const production = config.production;
  const viewsOption = options.accountViews === false ? null : (options.accountViews ?? {});
  const prefix = normalisePrefix(viewsOption?.prefix ?? '/accounts');
  const siteUrl = checkSiteUrl(options.siteUrl, production);
  checkProductionOptions(options, production, siteUrl, viewsOption !== null);
  const allowedHosts = [...(options.allowedHosts ?? DEVELOPMENT_HOSTS)];
  const hostPatterns = compileAllowedHosts(allowedHosts);
  checkProxyTrust(fastify, production);
  let throttle: LoginThrottle | null = options.throttle || null;
  if (options.throttle === undefined && viewsOption) {
    // Development default: counts in this process only (every instance would count on its own).
    const { createMemoryLoginThrottle } = await import('../db/throttle.js');
    throttle = createMemoryLoginThrottle(config.throttle);
    fastify.log.warn('gatehouse: using an in-memory login throttle; pass throttle: createLoginThrottle(database, config.throttle) to count in the database.');
  }

  // The core mails password-changed notices; an app that gave its mailer only to the plugin
  // still gets them (and its site name counts as a word passwords may not be built from).
  gatehouse.accounts.adoptMailer(options.mailer, options.siteName);
  const cookies = cookieSpecs(config);
  const tasks = new BackgroundTasks(fastify.log);
  const context: PluginContext = {
    gatehouse,
    templates: new Templates(options.templatesDir),
    tasks,
    mailer: options.mailer ?? null,
    throttle,
    siteName: options.siteName ?? 'gatehouse',
    siteUrl,
    allowedHosts,
    hostPatterns,
    urls: accountUrls(prefix, options.reauthUrl, viewsOption !== null),
    accountViews: viewsOption !== null,
    loggedOutPage: viewsOption?.loggedOutPage ?? false,
    sessionCookie: cookies.session,
    csrfCookie: cookies.csrf,
  };
  await configurePasswordResetLimits(fastify, context, options.rateLimits);
  const inventory = new RouteInventory(options.allowUndeclaredRoutes ?? [], config.reauthMaxAge);
  // A route registered before the plugin would never pass its route hook: no guard, no CSRF
  // check, no session. Refuse to start rather than serve it open.
  const earlier = fastify.printRoutes({ commonPrefix: false });
  if (earlier.trim() !== '(empty tree)') {
    throw new ConfigError(
      'gatehouse.fastify.routes_before_plugin',
      `Register gatehouseFastify before any route; these were registered earlier and would have no access check:\n${earlier}`,
    );
  }

  // The route hook first, so every route registered from here on is seen.
  fastify.addHook('onRoute', inventory.onRoute);
  fastify.addHook('onReady', async () => inventory.check());

  if (!fastify.hasRequestDecorator('cookies')) await fastify.register(fastifyCookie);
  if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) await fastify.register(fastifyFormbody, formBodyOptions());
  if (options.helmet !== false) await registerSecurityHeaders(fastify, helmetOptions(production, options.helmet));

  fastify.decorate(kContext, context);
  fastify.decorate('gatehouse', gatehouse as FastifyInstance['gatehouse']);
  fastify.decorate('gatehouseRoutes', () => inventory.list());
  fastify.decorate('gatehouseTasks', tasks);
  fastify.decorateRequest(kState, null, []);
  fastify.decorateRequest('user', null, []);
  fastify.decorateRequest('session', null, []);
  fastify.decorateRequest('login', function (this: FastifyRequest, user: User, loginOptions?: RequestLoginOptions) {
    return loginRequest(this, user, loginOptions);
  });
  fastify.decorateRequest('logout', function (this: FastifyRequest) {
    return logoutRequest(this);
  });
  fastify.decorateRequest('csrfToken', function (this: FastifyRequest) {
    return csrfToken(this);
  });

  // The Host/protocol check first: a request this site does not serve loads no session.
  fastify.addHook('onRequest', originCheckHook);
  fastify.addHook('onRequest', sessionHook);
  fastify.addHook('preValidation', csrfHook);
  fastify.addHook('onSend', responseHook);
  fastify.addHook('onResponse', settleAfterResponse);
  fastify.addHook('onRequestAbort', settleAfterAbort);
  fastify.addHook('onClose', async () => {
    await tasks.settled();
  });

  if (options.errorHandler !== false) fastify.setErrorHandler(gatehouseErrorHandler);
  if (options.notFoundHandler !== false) fastify.setNotFoundHandler(notFoundHandler);
  if (viewsOption) installResetBadUrlPage(fastify, context);

  if (viewsOption) {
    await fastify.register(accountViews, { prefix });
    fastify.get(`${prefix}/gatehouse.css`, { config: { access: publicAccess({ session: false }) } }, async (_request, reply) =>
      reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(context.templates.asset('gatehouse.css')),
    );
  }
}

/** The gatehouse Fastify plugin; see the module comment. */
export const gatehouseFastify = fp(plugin, { fastify: '5.x', name: 'gatehouse' });
