/**
 * One app's web auth, resolved once at start-up: everything the adapters used to check in their
 * plugin (site URL, allowed hosts, the production refusals, the development defaults for the
 * login throttle and the reset counters, templates, background tasks, cookie specs, the account
 * URLs under their prefix, the security headers). Each adapter's options extend
 * `GatehouseHttpOptions`; it calls `createHttpSite` and then only translates.
 */
import { defaults as configDefaults } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import { createMemoryRateLimits } from '../core/memory-rate-limits.js';
import { createMemoryLoginThrottle } from '../core/memory-throttle.js';
import type { PasswordResetRateLimits } from '../core/rate-limit.js';
import { DEVELOPMENT_HOSTS, type HostPattern, compileAllowedHosts } from './allowed-hosts.js';
import { type CookieSpec, cookieSpecs } from './cookies.js';
import type { HttpLogger } from './logger.js';
import type { LoginThrottle, Mailer } from './ports.js';
import { type SecurityHeaderOverrides, securityHeaders } from './security-headers.js';
import { BackgroundTasks } from './tasks.js';
import { Templates } from './templates.js';

/** Where and how the account views are mounted. */
export interface AccountViewsOptions {
  /** URL prefix, `/accounts` by default (`''` mounts them at the root). */
  prefix?: string;
  /** Logout shows `registration/logged_out.html` instead of redirecting to `logoutRedirectUrl`. */
  loggedOutPage?: boolean;
}

/** The options every adapter takes (each adds its framework's own). */
export interface GatehouseHttpOptions {
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
  /**
   * The JSON account API for SPAs, mobile apps and scripts (`/api/auth/login`...), or `false`
   * (the default) to mount none. `openApi`: also serve its OpenAPI document at
   * `<prefix>/openapi.json` (default: outside production).
   */
  api?: ApiOptions | false;
  /** Routes allowed without an access declaration: `GET /docs/*`, `/metrics` (all methods). */
  allowUndeclaredRoutes?: readonly string[];
  /** The re-authentication page, when the account views are not mounted here. */
  reauthUrl?: string;
  /** The staff admin (`gatehouse/admin`), opt-in: `{}` mounts it at `/admin`. */
  admin?: { prefix?: string } | false;
}

/** Where the JSON account API is mounted. */
export interface ApiOptions {
  /** URL prefix, `/api/auth` by default. */
  prefix?: string;
  /** Serve the OpenAPI document at `<prefix>/openapi.json` (default: not in production). */
  openApi?: boolean;
}

/** The account view URLs, for links, redirects and templates. */
export interface AccountUrls {
  login: string;
  logout: string;
  passwordChange: string;
  passwordChangeDone: string;
  passwordReset: string;
  passwordResetDone: string;
  passwordResetComplete: string;
  reauth: string;
  /** Where the user sees and ends their sessions and API tokens. */
  sessions: string;
  /** `/accounts/reset/`: the confirm URLs continue with `<uidb64>/<token>/`. */
  resetBase: string;
  /** The default pages' stylesheet ('' when the account views are not mounted). */
  stylesheet: string;
}

/** Everything requests share, built once by `createHttpSite`. */
export interface HttpSite {
  readonly gatehouse: Gatehouse<string>;
  readonly templates: Templates;
  readonly tasks: BackgroundTasks;
  readonly mailer: Mailer | null;
  readonly throttle: LoginThrottle | null;
  /** Password-reset counters, or null when there are none. */
  readonly resetLimits: PasswordResetRateLimits | null;
  readonly siteName: string;
  /** `https://example.com`, for absolute links in mail; null (development only): the request's origin. */
  readonly siteUrl: string | null;
  /** The Host allow-list as configured (or the development default). */
  readonly allowedHosts: readonly string[];
  /** The same, compiled: a request whose Host matches none gets 400. */
  readonly hostPatterns: readonly HostPattern[];
  /** The account views' prefix (`/accounts`, or `''`). */
  readonly prefix: string;
  readonly urls: AccountUrls;
  /**
   * Where anonymous visitors are sent to log in: the config's `loginUrl`, or, while it is the
   * built-in `/accounts/login/` and the views are mounted under another prefix, their login URL.
   */
  readonly loginUrl: string;
  /** Where logout sends people: `logoutRedirectUrl`, following the prefix the same way. */
  readonly logoutRedirectUrl: string;
  /** Whether the account views are mounted (so `urls` point somewhere). */
  readonly accountViews: boolean;
  /** Logout shows `registration/logged_out.html` instead of redirecting. */
  readonly loggedOutPage: boolean;
  /** The JSON account API's prefix and whether its OpenAPI document is served, or null when it is not mounted. */
  readonly api: { readonly prefix: string; readonly openApi: boolean } | null;
  readonly sessionCookie: CookieSpec;
  readonly csrfCookie: CookieSpec;
  /** Routes allowed without a declaration (`allowUndeclaredRoutes`). */
  readonly allowUndeclaredRoutes: readonly string[];
  /**
   * The security headers every answer gets (`finish` adds those the answer does not set), or
   * null when the adapter sets them itself (Fastify, through helmet).
   */
  readonly securityHeaders: Readonly<Record<string, string>> | null;
  /** The admin's prefix (`/admin`), or null when it is not mounted. */
  readonly adminPrefix: string | null;
  /** The app's template folder (`templatesDir`), searched first by the admin's templates too. */
  readonly templatesDir: string | null;
}

/** What `createHttpSite` takes besides the options: how the adapter deals with headers. */
export interface HttpSiteSettings {
  /** The adapter sets security headers itself (false), or gatehouse's with these overrides. */
  securityHeaders?: SecurityHeaderOverrides | false;
}

/** Normalises the account prefix (`/accounts/` → `/accounts`). */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && (!trimmed.startsWith('/') || trimmed.startsWith('//'))) {
    throw new ConfigError('gatehouse.http.invalid_prefix', `accountViews.prefix must be '' or start with a single '/', got "${prefix}".`);
  }
  return trimmed;
}

/** The account URLs under `prefix`. */
export function accountUrls(prefix: string, reauthUrl: string | undefined, mounted: boolean): AccountUrls {
  return {
    login: `${prefix}/login/`,
    logout: `${prefix}/logout/`,
    passwordChange: `${prefix}/password_change/`,
    passwordChangeDone: `${prefix}/password_change/done/`,
    passwordReset: `${prefix}/password_reset/`,
    passwordResetDone: `${prefix}/password_reset/done/`,
    passwordResetComplete: `${prefix}/reset/done/`,
    reauth: reauthUrl ?? `${prefix}/reauth/`,
    sessions: `${prefix}/sessions/`,
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
    throw new ConfigError('gatehouse.http.invalid_site_url', `siteUrl must be an absolute URL like https://example.com, got "${siteUrl}".`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError('gatehouse.http.invalid_site_url', `siteUrl must be http(s), got "${siteUrl}".`);
  }
  if (production && parsed.protocol !== 'https:') {
    throw new ConfigError('gatehouse.http.insecure_site_url', `siteUrl must use https in production: reset links carry tokens. Got "${siteUrl}".`);
  }
  return parsed.origin;
}

/**
 * What production refuses to start without, each with what to pass. Checked before anything is
 * registered, so a misconfigured deploy fails at start-up, not on the first reset mail or under
 * the first password-guessing run.
 */
function checkProductionOptions(options: GatehouseHttpOptions, production: boolean, siteUrl: string | null, views: boolean): void {
  if (!production) return;
  if (siteUrl === null) {
    throw new ConfigError(
      'gatehouse.http.site_url_missing',
      'In production gatehouse needs the option siteUrl (e.g. siteUrl: "https://billing.example.com"): links in mail are built only from it, never from request headers.',
    );
  }
  if (options.allowedHosts === undefined || options.allowedHosts.length === 0) {
    throw new ConfigError(
      'gatehouse.http.allowed_hosts_missing',
      'In production gatehouse needs the option allowedHosts: the Host names this site answers (e.g. allowedHosts: ["billing.example.com"]); any other Host gets 400.',
    );
  }
  if (options.throttle === undefined && views) {
    throw new ConfigError(
      'gatehouse.http.throttle_missing',
      'In production the login form needs a throttle: pass throttle: createLoginThrottle(database, gatehouse.config.throttle) (or throttle: false to go without, knowingly).',
    );
  }
  if (options.mailer?.developmentOnly === true) {
    throw new ConfigError(
      'gatehouse.http.development_mailer',
      'In production mail must reach people: the console mailer prints reset links (working tokens) into the server log, and the memory mailer keeps mail in memory. Pass an SMTP mailer, e.g. mailer: mailerFromUrl("smtp://mail.example.com:587").',
    );
  }
  if (options.throttle && (options.throttle as { shared?: unknown }).shared === false) {
    throw new ConfigError(
      'gatehouse.http.throttle_not_shared',
      'In production the login throttle must count in a shared store: an in-memory throttle counts per process (each instance and each restart starts from zero). Pass throttle: createLoginThrottle(database, gatehouse.config.throttle).',
    );
  }
  if (options.rateLimits === undefined && views) {
    throw new ConfigError(
      'gatehouse.http.rate_limits_missing',
      'In production the password-reset views need shared counters: pass rateLimits: await createRateLimits(database, gatehouse.config.passwordReset) (or rateLimits: false to go without, knowingly).',
    );
  }
}

/** Builds the site; throws `ConfigError` (`gatehouse.http.*`) naming what to fix. */
export async function createHttpSite(options: GatehouseHttpOptions, log: HttpLogger, settings: HttpSiteSettings = {}): Promise<HttpSite> {
  const gatehouse = options?.gatehouse as Gatehouse<string> | undefined;
  if (!gatehouse || typeof gatehouse.authenticate !== 'function') {
    throw new ConfigError('gatehouse.http.no_gatehouse', 'gatehouse needs the option gatehouse: pass the result of createGatehouse().');
  }
  const config = gatehouse.config;
  for (const warning of config.warnings) log.warn({ code: warning.code }, `gatehouse: ${warning.message}`); // the core has no logger
  const production = config.production;
  const viewsOption = options.accountViews === false ? null : (options.accountViews ?? {});
  const prefix = normalisePrefix(viewsOption?.prefix ?? '/accounts');
  const siteUrl = checkSiteUrl(options.siteUrl, production);
  checkProductionOptions(options, production, siteUrl, viewsOption !== null || Boolean(options.api));
  const allowedHosts = [...(options.allowedHosts ?? DEVELOPMENT_HOSTS)];
  const hostPatterns = compileAllowedHosts(allowedHosts);
  const apiOption = options.api ? options.api : null;
  const apiPrefix = apiOption ? normalisePrefix(apiOption.prefix ?? '/api/auth') : '';
  if (apiOption && apiPrefix === '') throw new ConfigError('gatehouse.http.invalid_prefix', 'api.prefix must start with a single "/" (e.g. "/api/auth").');
  let throttle: LoginThrottle | null = options.throttle || null;
  if (options.throttle === undefined && (viewsOption || apiOption)) {
    // Development default: counts in this process only (every instance would count on its own).
    throttle = createMemoryLoginThrottle(config.throttle);
    log.warn({}, 'gatehouse: using an in-memory login throttle; pass throttle: createLoginThrottle(database, config.throttle) to count in the database.');
  }
  let resetLimits: PasswordResetRateLimits | null = options.rateLimits || null;
  if (options.rateLimits === undefined && (viewsOption || apiOption)) resetLimits = createMemoryRateLimits(config.passwordReset);

  // The core mails password-changed notices; an app that gave its mailer only to the adapter
  // still gets them (and its site name counts as a word passwords may not be built from).
  gatehouse.accounts.adoptMailer(options.mailer, options.siteName);
  const cookies = cookieSpecs(config);
  const tasks = new BackgroundTasks(log, config.passwordReset.maxQueuedMails);
  const urls = accountUrls(prefix, options.reauthUrl, viewsOption !== null);
  // The built-in defaults name `/accounts/login/`; views mounted elsewhere move them along.
  const follow = (value: string, builtIn: string): string => (viewsOption !== null && value === builtIn ? urls.login : value);
  return {
    gatehouse,
    templates: new Templates(options.templatesDir),
    tasks,
    mailer: options.mailer ?? null,
    throttle,
    resetLimits,
    siteName: options.siteName ?? 'gatehouse',
    siteUrl,
    allowedHosts,
    hostPatterns,
    prefix,
    urls,
    loginUrl: follow(config.loginUrl, configDefaults.loginUrl),
    logoutRedirectUrl: follow(config.logoutRedirectUrl, configDefaults.logoutRedirectUrl),
    accountViews: viewsOption !== null,
    loggedOutPage: viewsOption?.loggedOutPage ?? false,
    api: apiOption ? { prefix: apiPrefix, openApi: apiOption.openApi ?? !production } : null,
    sessionCookie: cookies.session,
    csrfCookie: cookies.csrf,
    allowUndeclaredRoutes: [...(options.allowUndeclaredRoutes ?? [])],
    securityHeaders: settings.securityHeaders === false ? null : securityHeaders(production, settings.securityHeaders ?? {}),
    adminPrefix: options.admin ? normalisePrefix(options.admin.prefix ?? '/admin') : null,
    templatesDir: options.templatesDir ?? null,
  };
}

/** A `ConfigError` from this layer re-coded under an adapter's prefix (`gatehouse.fastify.*`). */
export function recodeConfigError(error: unknown, adapter: string): unknown {
  if (error instanceof ConfigError && error.code.startsWith('gatehouse.http.')) {
    return new ConfigError(`gatehouse.${adapter}.${error.code.slice('gatehouse.http.'.length)}`, error.message);
  }
  return error;
}
