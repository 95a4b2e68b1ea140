/**
 * The example's settings, read once from the environment (CONTRACT.md's table) and checked
 * before anything opens: a bad value stops the start with one line that names the variable and
 * what it accepts (`SettingsError`; main.ts prints it and exits with code 2).
 *
 * Reading the settings has one side effect, on purpose: in development, without SECRET_KEY, a key
 * is generated once and kept in a file beside the SQLite database (mode 0600), so sessions and
 * reset links survive a restart. Production never generates one.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A setting that cannot be used; `message` is one line, fit to print as it is. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The resolved settings. */
export interface Settings {
  port: number;
  host: string;
  /** `sqlite:<absolute file>` or `postgres://…`. */
  databaseUrl: string;
  /** The database as a person may read it (no password). */
  databaseLabel: string;
  /** Signing keys (SECRET_KEY split at commas, or the generated one): the first signs, all verify. */
  secretKeys: string[];
  /** Where the generated key lives, when it was generated or read from there. */
  secretKeyFile: string | null;
  emailUrl: string;
  passwordResetTimeout: number;
  /** DEMO_PASSWORD, when given (otherwise one is generated when the demo data is loaded). */
  demoPassword: string | null;
  sessionIdleTimeout: number;
  sessionMaxAge: number;
  reauthMaxAge: number;
  production: boolean;
  /**
   * Load the fixture data into a fresh database: by default only when NODE_ENV is unset,
   * `development` or `test`; anywhere else only with DEMO_DATA=1.
   */
  demoData: boolean;
  /**
   * TRUST_PROXY: false (no proxy; the socket's address is the client's), the number of proxies
   * in front of the app, or the proxies' addresses/CIDRs. Never "trust everything": see
   * docs/deploying.md.
   */
  trustProxy: false | number | string[];
  /** Origin of links in mail (`https://billing.example.com`); required in production. */
  siteUrl: string | null;
  /** ALLOWED_HOSTS: the Host names served; any other Host gets 400. Required in production. */
  allowedHosts: string[];
  /** `DEFAULT_FROM_EMAIL`: the sender of account mail. */
  defaultFromEmail: string;
  /** pino level for the server log. */
  logLevel: string;
}

/** The example's own folder (example/), wherever it is run from. */
export const exampleDir: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the default SQLite file and the generated secrets live. */
export const defaultDataDir: string = join(exampleDir, 'data');

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new SettingsError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return n;
}

function flag(env: Env, name: string): boolean {
  const raw = value(env, name);
  if (raw === undefined || raw === '0') return false;
  if (raw === '1') return true;
  throw new SettingsError(`${name} must be 1 or 0 (or unset), got "${raw}".`);
}

/** `sqlite:<file>` with the file made absolute (relative to the current folder, as a shell user expects). */
function databaseUrl(env: Env): { url: string; label: string; sqliteFile: string | null } {
  const raw = value(env, 'DATABASE_URL');
  if (raw === undefined) {
    const file = join(defaultDataDir, 'gatehouse.sqlite3');
    return { url: `sqlite:${file}`, label: `sqlite:${file}`, sqliteFile: file };
  }
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new SettingsError('DATABASE_URL (postgres:…) is not a valid URL; use postgres://user[:password]@host[:port]/database.');
    }
    if (parsed.password) parsed.password = '***';
    return { url: raw, label: parsed.toString(), sqliteFile: null };
  }
  if (/^sqlite:/i.test(raw)) {
    let file = raw.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') throw new SettingsError('DATABASE_URL (sqlite:) names no file; use sqlite:<file>, e.g. sqlite:./data/app.sqlite3.');
    if (file === ':memory:') return { url: 'sqlite::memory:', label: 'sqlite::memory:', sqliteFile: null };
    const absolute = isAbsolute(file) ? file : resolve(file);
    return { url: `sqlite:${absolute}`, label: `sqlite:${absolute}`, sqliteFile: absolute };
  }
  const scheme = /^([a-z][a-z0-9+.-]{0,20}):/i.exec(raw)?.[1];
  throw new SettingsError(`DATABASE_URL (${scheme ? `${scheme}:…` : 'no scheme'}) is not supported; use sqlite:<file> or postgres://user@host:port/database.`);
}

/** Comma-separated keys; each must look random enough (gatehouse checks again at start-up). */
function secretKeysFrom(raw: string): string[] {
  const keys = raw.split(',').map((k) => k.trim());
  if (keys.some((k) => k === '')) throw new SettingsError('SECRET_KEY holds an empty key between commas; remove it.');
  const weak = keys.find((k) => k.length < 32 || new Set(k).size < 5);
  if (weak !== undefined) {
    throw new SettingsError(
      `SECRET_KEY: every key needs at least 32 random characters (one is ${weak.length} long); make one with \`openssl rand -base64 48\`.`,
    );
  }
  return keys;
}

/** Reads the development key kept in `file`, or makes one and keeps it there (mode 0600). */
function developmentSecret(file: string): string {
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
    throw new SettingsError(`The kept secret key in ${file} is damaged (too short): delete the file to make a new one, or set SECRET_KEY.`);
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(48).toString('base64url');
  // flag 'wx': never overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return developmentSecret(file);
    throw new SettingsError(`Cannot keep the generated secret key in ${file}: ${(error as Error).message}. Set SECRET_KEY instead.`);
  }
  chmodSync(file, 0o600);
  return key;
}

function checkHost(raw: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(raw)) throw new SettingsError(`HOST must be a host name or an IP address, got "${raw}".`);
  return raw;
}

function checkSiteUrl(raw: string | undefined, production: boolean): string | null {
  if (raw === undefined) {
    if (production) throw new SettingsError('SITE_URL is required in production: the origin of links in reset mail, e.g. https://billing.example.com.');
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new SettingsError(`SITE_URL must be an absolute URL like https://billing.example.com, got "${raw}".`);
  }
  if (parsed.protocol !== 'https:' && (production || parsed.protocol !== 'http:')) {
    throw new SettingsError(
      `SITE_URL must be an ${production ? 'https' : 'http(s)'} URL${production ? ' in production (reset links carry tokens)' : ''}, got "${raw}".`,
    );
  }
  return parsed.origin;
}

/** The Host names served in development when ALLOWED_HOSTS is not set. */
export const DEVELOPMENT_ALLOWED_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** NODE_ENV values under which the demo users may be loaded without DEMO_DATA=1. */
const DEVELOPMENT_LIKE = new Set([undefined, 'development', 'test']);

const TRUST_PROXY_HELP =
  'TRUST_PROXY must be the number of proxies in front of the app (e.g. 1) or a comma-separated list of their addresses/CIDRs (e.g. 10.0.0.0/8,192.168.1.7)';

function proxyAddress(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY: unset or 0 → no proxy; a whole number → that many proxies (hops); otherwise a
 * comma-separated list of proxy addresses/CIDRs. `1`/`true`-style "trust everything" does not
 * exist here on purpose: it would let any client choose its own address.
 */
function trustProxyFrom(raw: string | undefined): false | number | string[] {
  if (raw === undefined || raw === '0') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 32) throw new SettingsError(`${TRUST_PROXY_HELP}; ${raw} proxies is surely a mistake.`);
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => !proxyAddress(entry))) throw new SettingsError(`${TRUST_PROXY_HELP}; got "${raw}".`);
  return entries;
}

const HOST_ENTRY = /^\.?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/** ALLOWED_HOSTS: comma-separated host names (`.example.com` for subdomains too, `:port` optional). */
function allowedHostsFrom(raw: string | undefined, production: boolean): string[] {
  if (raw === undefined) {
    if (production) {
      throw new SettingsError(
        'ALLOWED_HOSTS is required in production: the host names this site answers, comma-separated, e.g. billing.example.com (any other Host gets 400).',
      );
    }
    return [...DEVELOPMENT_ALLOWED_HOSTS];
  }
  const hosts = raw.split(',').map((entry) => entry.trim());
  const bad = hosts.find((entry) => !HOST_ENTRY.test(entry));
  if (bad !== undefined) {
    throw new SettingsError(`ALLOWED_HOSTS must list host names separated by commas (e.g. billing.example.com,.example.org); "${bad}" is not one.`);
  }
  return hosts;
}

/** A password every validator accepts: 16 random characters in 4 groups, easy to copy. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/**
 * Reads and checks every setting. Throws `SettingsError` on the first bad one. In development it
 * may create `<data folder>/secret_key` (see the module comment).
 */
export function loadSettings(env: Env = process.env): Settings {
  const nodeEnv = value(env, 'NODE_ENV');
  const production = nodeEnv === 'production';
  const port = wholeNumber(env, 'PORT', 3000, 0, 65535);
  const host = checkHost(value(env, 'HOST') ?? '127.0.0.1');
  const database = databaseUrl(env);
  const passwordResetTimeout = wholeNumber(env, 'PASSWORD_RESET_TIMEOUT', 3600, 1, 30 * 86400);
  const sessionIdleTimeout = wholeNumber(env, 'SESSION_IDLE_TIMEOUT', 1800, 1, 365 * 86400);
  const sessionMaxAge = wholeNumber(env, 'SESSION_MAX_AGE', 43200, 1, 365 * 86400);
  const reauthMaxAge = wholeNumber(env, 'REAUTH_MAX_AGE', 600, 1, 365 * 86400);
  const demoDataFlag = flag(env, 'DEMO_DATA');
  const trustProxy = trustProxyFrom(value(env, 'TRUST_PROXY'));
  const emailUrl = value(env, 'EMAIL_URL') ?? (production ? '' : 'console:');
  const logLevel = value(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new SettingsError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}".`);
  }
  const defaultFromEmail = value(env, 'DEFAULT_FROM_EMAIL') ?? 'Billing <noreply@billing.example>';

  // The fixture data (users with a known password): only where NODE_ENV says development (or is
  // unset, or test), unless DEMO_DATA=1 asks for it; DEMO_DATA decides whenever it is set.
  const demoData = value(env, 'DEMO_DATA') === undefined ? DEVELOPMENT_LIKE.has(nodeEnv) : demoDataFlag;
  const givenPassword = value(env, 'DEMO_PASSWORD');
  if (givenPassword !== undefined && givenPassword.length < 8) throw new SettingsError('DEMO_PASSWORD must be at least 8 characters long.');

  const givenKey = value(env, 'SECRET_KEY');
  if (givenKey === undefined && production) {
    throw new SettingsError('SECRET_KEY is required when NODE_ENV=production: at least 32 random characters (`openssl rand -base64 48`).');
  }
  const givenKeys = givenKey === undefined ? null : secretKeysFrom(givenKey);
  const siteUrl = checkSiteUrl(value(env, 'SITE_URL'), production);
  const allowedHosts = allowedHostsFrom(value(env, 'ALLOWED_HOSTS'), production);
  // The console mailer prints reset links (working tokens) into the log, and memory: keeps mail
  // nowhere a person reads it: production needs a mailer that delivers.
  if (production && (emailUrl === '' || /^(console|memory):/i.test(emailUrl))) {
    throw new SettingsError(
      'EMAIL_URL is required in production and must deliver mail (smtp://host:port, or file:<dir> for a spool); console: and memory: would print or drop reset links.',
    );
  }

  // Every value is checked by now; only then may a key file be written.
  let secretKeys: string[];
  let secretKeyFile: string | null = null;
  if (givenKeys !== null) {
    secretKeys = givenKeys;
  } else {
    secretKeyFile = join(database.sqliteFile ? dirname(database.sqliteFile) : defaultDataDir, 'secret_key');
    secretKeys = [developmentSecret(secretKeyFile)];
  }

  return {
    port,
    host,
    databaseUrl: database.url,
    databaseLabel: database.label,
    secretKeys,
    secretKeyFile,
    emailUrl,
    passwordResetTimeout,
    demoPassword: givenPassword ?? null,
    sessionIdleTimeout,
    sessionMaxAge,
    reauthMaxAge,
    production,
    demoData,
    trustProxy,
    siteUrl,
    allowedHosts,
    defaultFromEmail,
    logLevel,
  };
}
