/**
 * The SQL side of every counter gatehouse keeps with rate-limiter-flexible (the login throttle,
 * the password-reset limits): the table, created once and awaited before any limiter uses it, the
 * limiters over it for SQLite or PostgreSQL, and one clean-up timer per table.
 *
 * rate-limiter-flexible can create its table itself, but it does so from its constructor without
 * being awaited: calls made before that finishes are refused ("Table is not created yet"), and a
 * failure with no callback is thrown inside a promise, an unhandled rejection that ends the
 * process. Its own clean-up timer has the same flaw (a clean-up on a closed SQLite handle rejects
 * unhandled), so it is off and ours catches.
 */
import { RateLimiterPostgres, RateLimiterSQLite } from 'rate-limiter-flexible';
import { ConfigError } from '../core/errors.js';
import type { Database, DriverHandle } from './connect.js';
import type { PostgresDriver } from './drivers.js';

/** Expired rows are ignored by every read; deleting them only keeps the table from growing. */
const CLEANUP_INTERVAL_MS = 5 * 60 * 1000;
// Any fixed number: serialises concurrent table creation across instances (pg_advisory_xact_lock).
const CREATE_TABLE_LOCK = 7_305_221_981;

/** A SQL limiter of rate-limiter-flexible. */
export type SqlLimiter = RateLimiterSQLite | RateLimiterPostgres;

/** Limiters over one counter table, and the timer that clears its expired rows. */
export interface CounterTable {
  /** A limiter counting `points` per `windowSeconds` under `keyPrefix`, in this table. */
  limiter(keyPrefix: string, points: number, windowSeconds: number): SqlLimiter;
  /** Stops the clean-up timer (the database itself is the caller's to close). */
  close(): Promise<void>;
}

/**
 * Opens (creating if missing) the counter table `tableName` in `database` and starts its clean-up
 * timer. `setting` names the option in errors (`tableName` must be letters, digits and `_`).
 */
export async function openCounterTable(database: Pick<Database, 'driver'>, tableName: string, setting: string): Promise<CounterTable> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tableName)) {
    throw new ConfigError(setting, `tableName must be letters, digits and "_", got ${JSON.stringify(tableName)}.`);
  }
  const driver = database.driver;
  await createThrottleTable(driver, tableName);
  const limiters: SqlLimiter[] = [];
  const timer = setInterval(() => {
    // Every limiter of the table sees every row, so one clean-up covers them all.
    const first = limiters[0] as unknown as { clearExpired(now: number): Promise<void> } | undefined;
    first?.clearExpired(Date.now()).catch(() => {
      // Not critical: expired rows are ignored by every read, and the next run tries again.
    });
  }, CLEANUP_INTERVAL_MS);
  timer.unref();
  return {
    limiter(keyPrefix, points, windowSeconds) {
      const common = { keyPrefix, points, duration: windowSeconds, tableName, tableCreated: true, clearExpiredByTimeout: false };
      const limiter =
        driver.kind === 'sqlite'
          ? new RateLimiterSQLite({ ...common, storeClient: driver.database, storeType: 'better-sqlite3' })
          : new RateLimiterPostgres({ ...common, storeClient: driver.pool, storeType: 'pool' });
      limiters.push(limiter);
      return limiter;
    },
    close: async () => clearInterval(timer),
  };
}

/** Creates a counter table (and its clean-up index) if missing; idempotent and race-safe. */
export async function createThrottleTable(driver: DriverHandle, tableName: string): Promise<void> {
  // Same columns, in the same order, as rate-limiter-flexible's own statements expect.
  if (driver.kind === 'sqlite') {
    // SQLite serialises schema changes with its database lock; IF NOT EXISTS makes a repeat a no-op.
    driver.database.exec(
      `CREATE TABLE IF NOT EXISTS ${tableName} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER);
       CREATE INDEX IF NOT EXISTS ${tableName}_expire ON ${tableName} (expire);`,
    );
    return;
  }
  await createPostgresTable(driver.pool, tableName);
}

async function createPostgresTable(pool: PostgresDriver, tableName: string): Promise<void> {
  const client = await pool.connect();
  try {
    // Two CREATE TABLE IF NOT EXISTS racing in PostgreSQL can still fail with a unique violation
    // on pg_type; the advisory lock makes instances starting together take turns.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [CREATE_TABLE_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "${tableName}" (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
    await client.query(`CREATE INDEX IF NOT EXISTS "${tableName}_expire" ON "${tableName}" (expire)`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
