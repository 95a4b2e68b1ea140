/**
 * One typed configuration object carrying Django's auth settings in camelCase. Every default is
 * in `defaults` below and nowhere else; `resolveConfig` fills them in, checks the result once at
 * start-up with coded errors that say what to fix, and freezes it.
 */
import { ConfigError } from './errors.js';
import { defaultHashConcurrency, defaultHashQueueLimit } from './hashers/concurrency.js';
import { defaultHasherNames, hasherNames, isHasherName } from './hashers/names.js';
import { DEFAULT_MAX_PASSWORD_LENGTH, MAX_CONFIGURABLE_PASSWORD_LENGTH, MIN_CONFIGURABLE_PASSWORD_LENGTH } from './hashers/password-length.js';
import type { HasherSettings } from './hashers/registry.js';
import { type PasswordValidatorSpec, validatorsFromNames } from './password-validation.js';

/** Session cookie and lifetime settings. */
export interface SessionConfig {
  /** Cookie name. In production `__Host-` is prefixed so the cookie is Secure, host-only, path `/`. */
  cookieName: string;
  /** Seconds without a request after which a session ends. */
  idleTimeout: number;
  /** Seconds after login after which a session ends however active it is. */
  maxAge: number;
  /** Send the cookie over HTTPS only. Defaults to `production`. */
  cookieSecure: boolean;
  cookieHttpOnly: boolean;
  cookieSameSite: 'lax' | 'strict' | 'none';
  cookieDomain: string | null;
  cookiePath: string;
  /**
   * Seconds between writes of `lastSeenAt`; a request inside this window does not write. Must be
   * below `idleTimeout`. When not given it is 60, or a tenth of `idleTimeout` if that is less.
   */
  touchInterval: number;
}

/** The per-process permission cache (see `Authorization`). */
export interface PermissionCacheConfig {
  /**
   * Most users whose permission sets are kept; the least recently used is dropped beyond it.
   * 0 turns the cache off (every check queries). Default 10000.
   */
  size: number;
}

/** Cross-site request forgery protection settings. */
export interface CsrfConfig {
  cookieName: string;
  /** Form field carrying the token (Django's name). */
  fieldName: string;
  /** Header carrying the token, for scripts. */
  headerName: string;
  /** Extra origins (`https://admin.example.com`) allowed to post besides the request's own. */
  trustedOrigins: string[];
  /**
   * The CSRF cookie is HttpOnly (default true; Django's `CSRF_COOKIE_HTTPONLY`). false lets a
   * single-page app read the secret from the cookie and send it back in the header instead of
   * asking `GET csrf`; the header then carries the unmasked secret, which is accepted too.
   */
  cookieHttpOnly: boolean;
}

/** Login throttling settings. */
export interface ThrottleConfig {
  /** Failed logins allowed per account and client address before a cool-down. */
  perAccountAndAddress: number;
  /** Failed logins allowed per client address, whatever the account. */
  perAddress: number;
  /** Seconds the counters look back (and the cool-down lasts). */
  window: number;
}

/**
 * Password-reset abuse limits: a mailbox cannot be flooded, one client cannot spray the form, and
 * reset links cannot be guessed at speed. Counts per `window` seconds.
 */
export interface PasswordResetLimitsConfig {
  /** Reset mails per target address (requests beyond it are answered alike and send nothing). */
  perEmail: number;
  /** Reset requests per client address, whatever the target. */
  perAddress: number;
  /** Invalid reset links a client address may open before it gets 429. */
  invalidLinksPerAddress: number;
  /** Seconds the counters look back. */
  window: number;
  /** Mail jobs waiting at most; more are dropped with a log line rather than queued without end. */
  maxQueuedMails: number;
}

/** Everything gatehouse can be told, all optional. */
export interface GatehouseConfigInput {
  /**
   * Signs tokens and cookies. Several = rotation: the first signs, all verify. `undefined` (an
   * unset `process.env.SECRET_KEY`) is the same as none, so strict apps can pass the variable as is.
   */
  secretKey?: string | readonly string[] | undefined;
  /**
   * Turns on secure cookies, HSTS and the strict start-up checks. Defaults to
   * `process.env.NODE_ENV === 'production'`; an explicit value wins over the environment.
   */
  production?: boolean;
  /** Hasher names in order: the first hashes new passwords, the rest verify and trigger an upgrade. */
  passwordHashers?: readonly string[];
  /** Cost options per hasher, e.g. `{ argon2: { memoryCost: 65536 } }`; each hasher's defaults otherwise. */
  passwordHasherSettings?: HasherSettings;
  /** Password validators by name, with options, e.g. `{ name: 'minimumLength', options: { minLength: 20 } }`. */
  passwordValidators?: readonly PasswordValidatorSpec[];
  /** The site's name, for account mails and as a word passwords may not be built from. */
  siteName?: string;
  /** More words of the site passwords may not be built from (product names, the city...); app labels and role names are added by the core. */
  passwordContextWords?: readonly string[];
  /** Refuse new usernames whose UTS #39 confusable skeleton matches an existing account's (`pаypal` vs `paypal`). Default on. */
  confusableUsernameCheck?: boolean;
  /** Longest password accepted, in characters; bounds the hashing cost an attacker can cause. */
  maxPasswordLength?: number;
  /**
   * Most password hashes computed at once (logins, password changes); the rest queue. Default:
   * the cores less one, at least 1, so a login storm cannot take every core from the event loop.
   */
  passwordHashConcurrency?: number;
  /**
   * Most password hashes that may wait for a turn; when that many wait, a login (or any other
   * hashing request) is refused at once with 503 instead of queueing without end. Default: 64 per
   * concurrent hash. 0: none may wait.
   */
  passwordHashQueueLimit?: number;
  /** Seconds a password reset link lives. */
  passwordResetTimeout?: number;
  /** Where anonymous visitors are sent to log in. */
  loginUrl?: string;
  /** Where a login without a safe `next` lands. */
  loginRedirectUrl?: string;
  /** Where logout lands. */
  logoutRedirectUrl?: string;
  /** Seconds a password re-check counts for routes that need recent authentication. */
  reauthMaxAge?: number;
  /** Emails unique case-insensitively (empty emails never clash). Django allows duplicates: turn off to import such a database. */
  emailUnique?: boolean;
  /** Sender of account mails. */
  defaultFromEmail?: string;
  /** Hosts besides the request's own that `next` may point to. */
  allowedRedirectHosts?: readonly string[];
  session?: Partial<SessionConfig>;
  /** The per-process permission cache (`defaults.permissionCache`). */
  permissionCache?: Partial<PermissionCacheConfig>;
  csrf?: Partial<CsrfConfig>;
  throttle?: Partial<ThrottleConfig>;
  /** Password-reset abuse limits (`defaults.passwordReset`). */
  passwordReset?: Partial<PasswordResetLimitsConfig>;
}

/**
 * Something in the configuration or environment that works but is probably a mistake. The core
 * has no logger: the Fastify plugin logs each with `log.warn` at registration and the CLI prints
 * them, so they are said once per start-up, where the operator looks.
 */
export interface ConfigWarning {
  /** Stable identifier, e.g. `gatehouse.config.unknown_node_env`. */
  readonly code: string;
  readonly message: string;
}

/** The resolved, checked, frozen configuration. */
export interface GatehouseConfig {
  readonly secretKeys: readonly string[];
  readonly production: boolean;
  readonly passwordHashers: readonly string[];
  readonly passwordHasherSettings: HasherSettings;
  readonly passwordValidators: readonly PasswordValidatorSpec[];
  readonly siteName: string;
  readonly passwordContextWords: readonly string[];
  readonly confusableUsernameCheck: boolean;
  readonly maxPasswordLength: number;
  readonly passwordHashConcurrency: number;
  readonly passwordHashQueueLimit: number;
  readonly passwordResetTimeout: number;
  readonly loginUrl: string;
  readonly loginRedirectUrl: string;
  readonly logoutRedirectUrl: string;
  readonly reauthMaxAge: number;
  readonly emailUnique: boolean;
  readonly defaultFromEmail: string;
  readonly allowedRedirectHosts: readonly string[];
  readonly session: Readonly<SessionConfig>;
  readonly permissionCache: Readonly<PermissionCacheConfig>;
  readonly csrf: Readonly<CsrfConfig>;
  readonly throttle: Readonly<ThrottleConfig>;
  readonly passwordReset: Readonly<PasswordResetLimitsConfig>;
  /** What the start-up should warn about (see `ConfigWarning`); empty when all is well. */
  readonly warnings: readonly ConfigWarning[];
}

/** Every default, in one place. */
export const defaults = {
  /** null: `NODE_ENV === 'production'` (the environment decides, read at resolution). */
  production: null,
  // The fast digests are not here: verifying them is opt-in (hashers/names.ts).
  passwordHashers: defaultHasherNames,
  // NIST SP 800-63B-4: at least 15 characters for a password-only account, no breached or
  // context-specific passwords. `strength` last: it is the costly one.
  passwordValidators: [
    'userAttributeSimilarity',
    { name: 'minimumLength', options: { minLength: 15 } },
    'commonPassword',
    'numeric',
    'contextWords',
    'strength',
  ] as PasswordValidatorSpec[],
  siteName: '',
  passwordContextWords: [],
  confusableUsernameCheck: true,
  maxPasswordLength: DEFAULT_MAX_PASSWORD_LENGTH,
  /** null: the machine's cores less one, at least 1 (it depends on the machine, so it is worked out at resolution). */
  passwordHashConcurrency: null,
  /**
   * null: 64 waiting hashes per concurrent hash. At tens of milliseconds a hash, the last in line
   * starts within a few seconds, inside any client's timeout; a longer queue would serve nobody
   * sooner (the cores set the pace) and only hold requests and memory until clients give up.
   */
  passwordHashQueueLimit: null,
  // Shorter than Django's three days: a reset link sitting in a mailbox is a standing credential.
  passwordResetTimeout: 3600,
  loginUrl: '/accounts/login/',
  loginRedirectUrl: '/accounts/profile/',
  logoutRedirectUrl: '/accounts/login/',
  reauthMaxAge: 600,
  emailUnique: true,
  defaultFromEmail: 'webmaster@localhost',
  allowedRedirectHosts: [],
  session: {
    cookieName: 'sessionid',
    idleTimeout: 1800,
    maxAge: 43200,
    cookieHttpOnly: true,
    cookieSameSite: 'lax',
    cookieDomain: null,
    cookiePath: '/',
    touchInterval: 60,
  },
  permissionCache: { size: 10_000 },
  csrf: {
    cookieName: 'csrftoken',
    fieldName: 'csrfmiddlewaretoken',
    headerName: 'x-csrftoken',
    trustedOrigins: [],
    cookieHttpOnly: true,
  },
  throttle: { perAccountAndAddress: 5, perAddress: 50, window: 900 },
  passwordReset: { perEmail: 3, perAddress: 10, invalidLinksPerAddress: 20, window: 3600, maxQueuedMails: 1000 },
} as const;

function resolvePasswordResetLimits(input: Partial<PasswordResetLimitsConfig> = {}): PasswordResetLimitsConfig {
  const limits: PasswordResetLimitsConfig = { ...defaults.passwordReset, ...input };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError('gatehouse.config.invalid_password_reset_limit', `passwordReset.${name} must be a whole number >= 1, got ${String(value)}.`);
    }
  }
  return limits;
}

const MIN_SECRET_LENGTH = 32;
// Stricter than Django's 5: `openssl rand -hex 32` gives 16 distinct characters, -base64 about 40,
// while "passwordpassword…" has 7.
const MIN_SECRET_DISTINCT_CHARACTERS = 10;

// The NODE_ENV values the Node ecosystem agrees on; anything else is most likely a typo or a
// custom stage name ("staging", "prod") that silently runs in development mode.
const KNOWN_NODE_ENVS: readonly string[] = ['development', 'test', 'production'];

/** The slice of the process environment `resolveConfig` reads. */
export interface ConfigEnvironment {
  readonly NODE_ENV?: string | undefined;
}

/**
 * Fills in defaults, checks everything, and freezes the result. Throws `ConfigError` with a
 * stable code on the first problem, naming the setting and what to do about it. `env` (default
 * `process.env`) decides `production` when the input does not.
 */
export function resolveConfig(input: GatehouseConfigInput = {}, env: ConfigEnvironment = process.env): GatehouseConfig {
  const warnings: ConfigWarning[] = [];
  const nodeEnv = env.NODE_ENV;
  // Production is what the deployment environment says unless the app says otherwise: an app
  // deployed with NODE_ENV=production and no explicit flag must not run with a random key,
  // insecure cookies and a per-process throttle.
  const production = input.production ?? defaults.production ?? nodeEnv === 'production';
  // "Production", "PROD", " production": meant as production, and a warning alone would let the
  // deployment run in development mode (random key, plain-HTTP cookies, no host checks).
  if (input.production === undefined && nodeEnv !== undefined && nodeEnv !== 'production' && /^\s*prod(uction)?\s*$/i.test(nodeEnv)) {
    throw new ConfigError(
      'gatehouse.config.misspelt_node_env',
      `NODE_ENV is ${JSON.stringify(nodeEnv)}: set NODE_ENV=production exactly (lower case) to run in production, or set config.production explicitly.`,
    );
  }
  if (nodeEnv !== undefined && nodeEnv !== '' && !KNOWN_NODE_ENVS.includes(nodeEnv)) {
    warnings.push({
      code: 'gatehouse.config.unknown_node_env',
      message:
        `NODE_ENV is ${JSON.stringify(nodeEnv)}, which is not development, test or production: gatehouse runs in ` +
        `${production ? 'production' : 'development'} mode${input.production === undefined ? ' (only NODE_ENV=production turns production on)' : ' (set by config.production)'}. ` +
        'Use NODE_ENV=production for a deployment.',
    });
  }
  const secretKeys = typeof input.secretKey === 'string' ? [input.secretKey] : [...(input.secretKey ?? [])];
  checkSecretKeys(secretKeys, production);

  const passwordHashers = [...(input.passwordHashers ?? defaults.passwordHashers)];
  if (passwordHashers.length === 0) {
    throw new ConfigError('gatehouse.config.no_hashers', 'passwordHashers is empty: list at least one hasher, e.g. ["argon2"].');
  }
  for (const name of passwordHashers) {
    if (!isHasherName(name)) {
      throw new ConfigError('gatehouse.config.unknown_hasher', `passwordHashers names "${name}", which is not a hasher. Known: ${hasherNames.join(', ')}.`);
    }
  }

  // Built once here only to fail fast on an unknown name or option; the core builds its own.
  validatorsFromNames(input.passwordValidators ?? defaults.passwordValidators);

  const session: SessionConfig = {
    ...defaults.session,
    cookieSecure: production,
    ...input.session,
  };
  if (input.session?.touchInterval === undefined && Number.isInteger(session.idleTimeout) && session.idleTimeout > 0) {
    // lastSeenAt may lag the last request by up to touchInterval, so an active user's session can
    // end after idleTimeout - touchInterval seconds of silence; at 60 s against a 30 s idle limit
    // it ends however active the user is. A tenth keeps the real limit within 10% of the setting.
    session.touchInterval = Math.min(defaults.session.touchInterval, Math.floor(session.idleTimeout / 10));
  }
  const csrf: CsrfConfig = { ...defaults.csrf, trustedOrigins: [], ...input.csrf };
  if (typeof csrf.cookieHttpOnly !== 'boolean') {
    throw new ConfigError('gatehouse.config.invalid_csrf', `csrf.cookieHttpOnly must be true or false, got ${String(csrf.cookieHttpOnly)}.`);
  }
  const throttle: ThrottleConfig = { ...defaults.throttle, ...input.throttle };

  const config: GatehouseConfig = {
    secretKeys,
    production,
    passwordHashers,
    passwordHasherSettings: { ...input.passwordHasherSettings },
    passwordValidators: [...(input.passwordValidators ?? defaults.passwordValidators)],
    siteName: input.siteName ?? defaults.siteName,
    passwordContextWords: [...(input.passwordContextWords ?? defaults.passwordContextWords)],
    confusableUsernameCheck: input.confusableUsernameCheck ?? defaults.confusableUsernameCheck,
    maxPasswordLength: input.maxPasswordLength ?? defaults.maxPasswordLength,
    passwordHashConcurrency: input.passwordHashConcurrency ?? defaults.passwordHashConcurrency ?? defaultHashConcurrency(),
    passwordHashQueueLimit:
      input.passwordHashQueueLimit ??
      defaults.passwordHashQueueLimit ??
      defaultHashQueueLimit(input.passwordHashConcurrency ?? defaults.passwordHashConcurrency ?? defaultHashConcurrency()),
    passwordResetTimeout: input.passwordResetTimeout ?? defaults.passwordResetTimeout,
    loginUrl: input.loginUrl ?? defaults.loginUrl,
    loginRedirectUrl: input.loginRedirectUrl ?? defaults.loginRedirectUrl,
    logoutRedirectUrl: input.logoutRedirectUrl ?? defaults.logoutRedirectUrl,
    reauthMaxAge: input.reauthMaxAge ?? defaults.reauthMaxAge,
    emailUnique: input.emailUnique ?? defaults.emailUnique,
    defaultFromEmail: input.defaultFromEmail ?? defaults.defaultFromEmail,
    allowedRedirectHosts: [...(input.allowedRedirectHosts ?? defaults.allowedRedirectHosts)],
    session,
    permissionCache: { ...defaults.permissionCache, ...input.permissionCache },
    csrf,
    throttle,
    passwordReset: resolvePasswordResetLimits(input.passwordReset),
    warnings,
  };

  if (typeof config.siteName !== 'string' || /[\r\n]/.test(config.siteName)) {
    // It goes into mail subjects: a line break there would be a header injection.
    throw new ConfigError('gatehouse.config.invalid_site_name', 'siteName must be a string on one line.');
  }
  if (config.passwordContextWords.some((word) => typeof word !== 'string')) {
    throw new ConfigError('gatehouse.config.invalid_password_context_words', 'passwordContextWords must be a list of strings.');
  }
  checkPositiveSeconds('passwordResetTimeout', config.passwordResetTimeout);
  checkPositiveSeconds('reauthMaxAge', config.reauthMaxAge);
  if (!Number.isSafeInteger(config.permissionCache.size) || config.permissionCache.size < 0) {
    throw new ConfigError(
      'gatehouse.config.invalid_permission_cache_size',
      `permissionCache.size must be a whole number >= 0 (0 turns the cache off), got ${String(config.permissionCache.size)}.`,
    );
  }
  checkPositiveSeconds('session.idleTimeout', session.idleTimeout);
  checkPositiveSeconds('session.maxAge', session.maxAge);
  checkPositiveSeconds('throttle.window', throttle.window);
  checkPositiveSeconds('throttle.perAccountAndAddress', throttle.perAccountAndAddress);
  checkPositiveSeconds('throttle.perAddress', throttle.perAddress);
  if (!Number.isInteger(session.touchInterval) || session.touchInterval < 0) {
    throw new ConfigError(
      'gatehouse.config.invalid_timeout',
      `session.touchInterval must be a whole number of seconds >= 0, got ${String(session.touchInterval)}.`,
    );
  }
  if (session.touchInterval >= session.idleTimeout) {
    // lastSeenAt would never be refreshed before the idle limit: every session would end after
    // idleTimeout seconds, however active its user.
    throw new ConfigError(
      'gatehouse.config.touch_interval_too_long',
      `session.touchInterval (${session.touchInterval} s) must be below session.idleTimeout (${session.idleTimeout} s), or active sessions end as if idle; leave it unset to get a tenth of the idle timeout.`,
    );
  }
  if (!Number.isInteger(config.passwordHashConcurrency) || config.passwordHashConcurrency < 1 || config.passwordHashConcurrency > 1024) {
    throw new ConfigError(
      'gatehouse.config.invalid_hash_concurrency',
      `passwordHashConcurrency must be a whole number from 1 to 1024, got ${String(config.passwordHashConcurrency)}.`,
    );
  }
  if (!Number.isInteger(config.passwordHashQueueLimit) || config.passwordHashQueueLimit < 0 || config.passwordHashQueueLimit > 1_000_000) {
    throw new ConfigError(
      'gatehouse.config.invalid_hash_queue_limit',
      `passwordHashQueueLimit must be a whole number from 0 to 1000000, got ${String(config.passwordHashQueueLimit)}.`,
    );
  }
  const { maxPasswordLength } = config;
  if (!Number.isInteger(maxPasswordLength) || maxPasswordLength < MIN_CONFIGURABLE_PASSWORD_LENGTH || maxPasswordLength > MAX_CONFIGURABLE_PASSWORD_LENGTH) {
    throw new ConfigError(
      'gatehouse.config.invalid_max_password_length',
      `maxPasswordLength must be a whole number from ${MIN_CONFIGURABLE_PASSWORD_LENGTH} to ${MAX_CONFIGURABLE_PASSWORD_LENGTH}, got ${String(maxPasswordLength)}.`,
    );
  }
  for (const [name, url] of [
    ['loginUrl', config.loginUrl],
    ['loginRedirectUrl', config.loginRedirectUrl],
    ['logoutRedirectUrl', config.logoutRedirectUrl],
  ] as const) {
    // Redirect targets in config are trusted, so they must be plain local paths, never URLs.
    if (!url.startsWith('/') || url.startsWith('//') || url.includes('\\')) {
      throw new ConfigError('gatehouse.config.invalid_url', `${name} must be a local path starting with a single "/", got "${url}".`);
    }
  }
  // Checked, not just typed: config often comes from untyped sources, and Django spells it "None",
  // which would slip past the SameSite=None check below.
  if (!['lax', 'strict', 'none'].includes(session.cookieSameSite)) {
    throw new ConfigError(
      'gatehouse.config.invalid_samesite',
      `session.cookieSameSite must be "lax", "strict" or "none" (lower case), got ${JSON.stringify(session.cookieSameSite)}.`,
    );
  }
  if (session.cookieSameSite === 'none' && !session.cookieSecure) {
    throw new ConfigError(
      'gatehouse.config.samesite_none_insecure',
      'session.cookieSameSite "none" requires session.cookieSecure: browsers drop SameSite=None cookies that are not Secure.',
    );
  }
  if (production && !session.cookieSecure) {
    throw new ConfigError(
      'gatehouse.config.insecure_cookie_in_production',
      'session.cookieSecure is off in production: session cookies would travel over plain HTTP. Remove the override.',
    );
  }

  return deepFreeze(config);
}

function checkSecretKeys(keys: string[], production: boolean): void {
  if (keys.some((k) => typeof k !== 'string' || k.length === 0)) {
    throw new ConfigError('gatehouse.config.secret_key_empty', 'secretKey contains an empty key: remove it or give it a value.');
  }
  if (production && keys.length === 0) {
    throw new ConfigError(
      'gatehouse.config.secret_key_missing',
      'secretKey is required in production: set it to at least 32 random characters (e.g. `openssl rand -base64 48`).',
    );
  }
  // Enforced in development too, so a short key never works locally and then fails on deploy.
  const short = keys.find((k) => k.length < MIN_SECRET_LENGTH);
  if (short !== undefined) {
    throw new ConfigError(
      'gatehouse.config.secret_key_weak',
      `A secretKey is ${short.length} characters long; every key needs at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 48\`).`,
    );
  }
  // Length alone is not randomness: "aaaa…" passes it. Django's check (security.W009) wants 5.
  if (keys.some((k) => new Set(k).size < MIN_SECRET_DISTINCT_CHARACTERS)) {
    throw new ConfigError(
      'gatehouse.config.secret_key_weak',
      `A secretKey uses fewer than ${MIN_SECRET_DISTINCT_CHARACTERS} different characters; use random characters (e.g. \`openssl rand -base64 48\`).`,
    );
  }
  // A word said over and over ("abcdeabcde…", "passwordpassword…") is as guessable as the word.
  if (keys.some(isRepetition)) {
    throw new ConfigError('gatehouse.config.secret_key_weak', 'A secretKey repeats a shorter string; use random characters (e.g. `openssl rand -base64 48`).');
  }
}

/** True when `key` is a shorter string repeated (its last copy may be cut short). */
function isRepetition(key: string): boolean {
  for (let period = 1; period <= key.length / 2; period += 1) {
    let repeats = true;
    for (let i = period; i < key.length && repeats; i += 1) repeats = key[i] === key[i - period];
    if (repeats) return true;
  }
  return false;
}

function checkPositiveSeconds(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError('gatehouse.config.invalid_timeout', `${name} must be a positive whole number, got ${String(value)}.`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}
