/**
 * Opens a database from a URL: better-sqlite3 for `sqlite:`, a pg pool for `postgres://`. The
 * drivers are optional peer dependencies, loaded only when their dialect is asked for, so an app
 * on PostgreSQL never compiles SQLite and the other way round.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationResult } from 'kysely';
import { ConfigError } from '../core/errors.js';
import type { PostgresDriver, SqliteDriver } from './drivers.js';
import type { Stores } from '../core/ports.js';
import { CodeMigrationProvider, syncEmailIndex } from './migrations.js';
import { directReads, withStatementCache } from './sqlite-statement-cache.js';
import type { DirectSqlite } from './stores/common.js';
import type { DialectKind, Schema } from './schema.js';
import { createSqlStores } from './stores/index.js';
import { parseDatabaseUrl } from './url.js';

/** An open database with its stores. */
export interface Database {
  readonly kind: DialectKind;
  readonly db: Kysely<Schema>;
  readonly stores: Stores;
  /**
   * The driver handle underneath, for libraries that take one (the login throttle's limiter
   * store): a better-sqlite3 database or a pg pool.
   */
  readonly driver: DriverHandle;
  /** Brings the schema up to date; `emailUnique` (default true) creates or drops the email index to match. */
  migrate(options?: { emailUnique?: boolean }): Promise<MigrationReport>;
  /** Each known migration and whether it has run. */
  showMigrations(): Promise<{ name: string; executedAt: Date | null }[]>;
  close(): Promise<void>;
}

/** The raw driver under a `Database` (typed by gatehouse's own driver interfaces: drivers.ts). */
export type DriverHandle = { kind: 'sqlite'; database: SqliteDriver } | { kind: 'postgres'; pool: PostgresDriver };

/** What `migrate` did. */
export interface MigrationReport {
  applied: string[];
}

/** Options for `openDatabase`. */
export interface OpenDatabaseOptions {
  /** Largest number of PostgreSQL connections in the pool. */
  poolSize?: number;
  /**
   * SQLite: how much of the file to read through a memory map (`PRAGMA mmap_size`), in bytes.
   * Default 1 GiB; 0 reads every page with a system call, as SQLite does by default.
   */
  sqliteMmapBytes?: number;
}

const DEFAULT_SQLITE_MMAP_BYTES = 1024 ** 3;

function sqliteMmapBytes(options: OpenDatabaseOptions): number {
  const bytes = options.sqliteMmapBytes ?? DEFAULT_SQLITE_MMAP_BYTES;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new ConfigError('gatehouse.config.sqlite_mmap_bytes', `sqliteMmapBytes must be a whole number of bytes >= 0, got ${String(bytes)}.`);
  }
  return bytes;
}

const MIGRATION_TABLE = 'gh_migrations';
const MIGRATION_LOCK_TABLE = 'gh_migrations_lock';

/** Opens the database `url` names. Throws `ConfigError` for a bad URL or a missing driver. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const location = parseDatabaseUrl(url);
  const mmapBytes = sqliteMmapBytes(options);
  let db: Kysely<Schema>;
  let driver: DriverHandle;
  let direct: DirectSqlite | undefined;
  if (location.kind === 'sqlite') {
    const Sqlite = (await importDriver<{ default: typeof import('better-sqlite3') }>('better-sqlite3')).default;
    let handle: import('better-sqlite3').Database;
    try {
      // The file holds password hashes and session hashes: create it readable by its owner only
      // (SQLite gives the -wal and -shm files the same mode).
      if (location.filename !== ':memory:' && !existsSync(location.filename)) closeSync(openSync(location.filename, 'a', 0o600));
      handle = new Sqlite(location.filename === ':memory:' ? ':memory:' : location.filename);
    } catch (error) {
      throw new ConfigError('gatehouse.config.database_unreachable', `Cannot open SQLite database "${location.filename}": ${(error as Error).message}`);
    }
    // WAL lets readers proceed during a write; foreign keys are off by default in SQLite and the
    // cascades (user deletion ends sessions) depend on them; busy_timeout queues writers from
    // other processes (the CLI next to the server) instead of failing at once.
    handle.pragma('journal_mode = WAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    handle.pragma('synchronous = NORMAL');
    // Reads through a memory map instead of a read() system call per page missing from SQLite's
    // own 2 MiB cache: with a million users and sessions (a 560 MB file) the session lookup cost
    // 22 µs at its p50 against 11 µs at 10k users; mapped, 14 µs at both (bench/scale.ts). The map
    // is address space, not memory: the pages are the kernel's file cache, shared with every
    // process on the file. (Rails 7.1+ maps 128 MiB by default.)
    handle.pragma(`mmap_size = ${mmapBytes}`);
    const statements = withStatementCache(handle);
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: statements }) });
    direct = directReads(handle, statements);
    driver = { kind: 'sqlite', database: handle as unknown as SqliteDriver };
  } else {
    const pg = (await importDriver<{ default: typeof import('pg') }>('pg')).default;
    const pool = new pg.Pool({
      connectionString: location.connectionString,
      max: options.poolSize ?? 10,
      // BIGINT (oid 20) holds epoch milliseconds, always inside 2^53: read it as a number.
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    driver = { kind: 'postgres', pool: pool as unknown as PostgresDriver };
  }
  return makeDatabase(location.kind, db, driver, direct);
}

function makeDatabase(kind: DialectKind, db: Kysely<Schema>, driver: DriverHandle, direct?: DirectSqlite): Database {
  const migrator = new Migrator({
    db,
    provider: new CodeMigrationProvider(kind),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  return {
    kind,
    db,
    driver,
    stores: createSqlStores(direct ? { db, kind, direct } : { db, kind }),
    async migrate(options = {}) {
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        throw new ConfigError('gatehouse.db.migration_failed', `Migration failed: ${(error as Error).message ?? String(error)}`);
      }
      // Unique emails are the default, as in the core's config: a bare migrate() must not leave them off.
      await syncEmailIndexOrExplain(db, options.emailUnique ?? true);
      return { applied: (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName) };
    },
    async showMigrations() {
      const list = await migrator.getMigrations();
      return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
    },
    async close() {
      // pg's pool.end() resolves as soon as its clients are *asked* to end, not when their sockets
      // have closed; wait for each one's 'remove' so that a caller who drops the database or
      // exits right after close() does not meet a connection still in the middle of closing.
      const closing = driver.kind === 'postgres' ? allClientsRemoved(driver.pool) : Promise.resolve();
      await db.destroy();
      // Kysely opens its driver lazily and closes only what it opened: a database used solely
      // through `driver` (the throttle does) would otherwise keep its pool or file handle.
      if (driver.kind === 'postgres' && !driver.pool.ended) await driver.pool.end();
      if (driver.kind === 'sqlite' && driver.database.open) driver.database.close();
      await closing;
    },
  };
}

function allClientsRemoved(pool: PostgresDriver): Promise<void> {
  let open = pool.totalCount;
  if (open === 0) return Promise.resolve();
  return new Promise((resolve) => {
    pool.on('remove', () => {
      open -= 1;
      if (open <= 0) resolve();
    });
  });
}

async function syncEmailIndexOrExplain(db: Kysely<Schema>, unique: boolean): Promise<void> {
  try {
    await syncEmailIndex(db, unique);
  } catch (error) {
    throw new ConfigError(
      'gatehouse.db.duplicate_emails',
      `emailUnique is on but the database holds emails that differ only in case or repeat (${(error as Error).message}). ` +
        'Clean them up, or set emailUnique: false as Django does.',
    );
  }
}

async function importDriver<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new ConfigError(
      'gatehouse.config.driver_missing',
      `The database driver "${name}" is not installed: npm install ${name}. (${(error as Error).message})`,
    );
  }
}
