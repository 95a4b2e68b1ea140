/** `gatehouse/db`: SQL storage over Kysely for SQLite and PostgreSQL. */
export { openDatabase } from './connect.js';
export type { Database, DriverHandle, MigrationReport, OpenDatabaseOptions } from './connect.js';
export type { SqliteDriver, SqliteStatement, PostgresDriver, PostgresClient, PostgresQueryResult } from './drivers.js';
export { createSqlStores } from './stores/index.js';
export type { StoreContext, Executor } from './stores/common.js';
export { parseDatabaseUrl } from './url.js';
export type { DatabaseLocation } from './url.js';
export { migrationsFor, syncEmailIndex } from './migrations.js';
export type { Schema, DialectKind } from './schema.js';
export { createLoginThrottle, createMemoryLoginThrottle, CounterLoginThrottle } from './throttle.js';
export { createThrottleTable } from './counter-table.js';
export type { LoginThrottleOptions, ClosableLoginThrottle, CounterStore, CounterState } from './throttle.js';
export { createRateLimits, createMemoryRateLimits, CounterRateLimiter } from './rate-limit.js';
export type { RateLimitsOptions } from './rate-limit.js';
