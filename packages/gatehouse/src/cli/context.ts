/**
 * What every command runs on: the app's declarations (from its config module), the database
 * (`--database`, else `DATABASE_URL`) and a gatehouse built from both. Opened once per command
 * and always closed, so the process ends as soon as the command does.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Gatehouse, GatehouseOptions } from '../core/gatehouse.js';
import type { AppsDeclaration } from '../core/permissions.js';
import type { User } from '../core/user.js';
import { normalizeUsername } from '../core/user.js';
import type { Database } from '../db/connect.js';
import { parseDatabaseUrl } from '../db/url.js';
import { type LoadedApp, loadApp } from './app-module.js';
import { CliError } from './errors.js';
import { note } from './output.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  database?: string;
  config?: string;
}

/** An open database and gatehouse for one command. */
export interface CliContext {
  loaded: LoadedApp;
  database: Database;
  gatehouse: Gatehouse;
  /** Who acts, for the audit log: `cli:<os user>` (":" never appears in a username). */
  actor: string;
}

/** How a command needs the database. */
export interface ContextOptions {
  /** The schema must be up to date (every command but `migrate` and `showmigrations`). Default true. */
  migrated?: boolean;
  /** A missing SQLite file may be created (`migrate` only). Default false. */
  create?: boolean;
}

/** The database URL from `--database`, else `DATABASE_URL`, else the app module's `databaseUrl`. */
export function databaseUrl(globals: GlobalOptions, appDefault: string | null = null): string {
  const fromEnv = process.env.DATABASE_URL?.trim() ? process.env.DATABASE_URL : undefined;
  const url = globals.database ?? fromEnv ?? appDefault ?? undefined;
  if (url === undefined || url.trim() === '') {
    throw new CliError('No database: set DATABASE_URL or pass --database (e.g. sqlite:./db.sqlite3 or postgres://user@host/db).');
  }
  return url;
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Opens everything a command needs, runs it, and closes the database whatever happens. */
export async function withContext<T>(command: Command, options: ContextOptions, run: (ctx: CliContext) => Promise<T>): Promise<T> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const loaded = await loadApp(globals.config);
  const url = databaseUrl(globals, loaded.app.databaseUrl);
  const location = parseDatabaseUrl(url);
  const migrated = options.migrated ?? true;
  if (!options.create && location.kind === 'sqlite' && location.filename !== ':memory:' && !existsSync(location.filename)) {
    // Opening would create an empty file: say what is wrong instead of leaving one behind.
    throw new CliError(`There is no SQLite database at ${location.filename}: run \`gatehouse migrate\` to create it, or check DATABASE_URL.`);
  }
  // Loaded here rather than at the top: `--help` and usage errors then start in a fraction of the time.
  const [{ openDatabase }, { Gatehouse }] = await Promise.all([import('../db/connect.js'), import('../core/gatehouse.js')]);
  const database = await openDatabase(url, { poolSize: 2 });
  try {
    if (migrated) {
      const pending = (await database.showMigrations()).filter((m) => m.executedAt === null).map((m) => m.name);
      if (pending.length > 0) {
        throw new CliError(`The database is not migrated (pending: ${pending.join(', ')}): run \`gatehouse migrate\` first.`);
      }
    }
    const gatehouse = new Gatehouse({
      stores: database.stores,
      apps: loaded.app.apps,
      roles: loaded.app.roles as GatehouseOptions<AppsDeclaration>['roles'],
      config: loaded.app.config,
      ...(loaded.mailer ? { mailer: loaded.mailer } : {}),
    });
    for (const warning of gatehouse.config.warnings) note(`warning: ${warning.message}`);
    return await run({ loaded, database, gatehouse, actor: cliActor() });
  } finally {
    await database.close();
  }
}

/** Tells the person that no config module was found, where that changes the answer. */
export function noteWithoutConfig(ctx: CliContext, what: string): void {
  if (ctx.loaded.path === null) {
    note(`No config module (gatehouse.config.{js,mjs,ts,mts} or --config): ${what}`);
  }
}

/** The user with this username, or a clear error. */
export async function requireUser(ctx: CliContext, username: string): Promise<User> {
  const user = await ctx.gatehouse.stores.users.getByUsername(normalizeUsername(username));
  if (!user) throw new CliError(`No user named "${username}".`);
  return user;
}

/** Parses `true`/`false` (and yes/no, on/off, 1/0) strictly. */
export function parseBoolean(value: string, what: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw new CliError(`${what} must be true or false, got "${value}".`);
}

/** Parses a positive whole number option. */
export function parseCount(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${what} must be a positive whole number, got "${value}".`);
  return n;
}
