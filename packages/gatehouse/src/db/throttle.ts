/**
 * The login throttle with its counters in the app's own database (SQLite or PostgreSQL), so every
 * instance behind a load balancer sees the same counts. The counting itself is the core's
 * (`core/counter-throttle.ts`); this file only opens the counter table, created (and awaited)
 * before the throttle is handed out (counter-table.ts).
 *
 * The in-memory throttle lives with the throttle port (`core/memory-throttle.ts`) and is re-exported
 * here so existing imports keep working.
 */
import type { ThrottleConfig } from '../core/config.js';
import { type ClosableLoginThrottle, CounterLoginThrottle, throttleKeyOptions } from '../core/counter-throttle.js';
import type { ThrottleKeyOptions } from '../core/throttle.js';
import type { Database } from './connect.js';
import { openCounterTable } from './counter-table.js';

export { CounterLoginThrottle } from '../core/counter-throttle.js';
export type { ClosableLoginThrottle, CounterState, CounterStore } from '../core/counter-throttle.js';
export { createMemoryLoginThrottle } from '../core/memory-throttle.js';

/** Options for the database login throttle. */
export interface LoginThrottleOptions extends ThrottleKeyOptions {
  /** Table holding the counters; `gh_login_throttle` by default. Letters, digits and `_` only. */
  tableName?: string;
}

const DEFAULT_TABLE = 'gh_login_throttle';

/**
 * A login throttle keeping its counters in the database `openDatabase` returned, creating its table
 * first (safe when several instances start at once). `config` is `resolveConfig(...).throttle`.
 */
export async function createLoginThrottle(
  database: Pick<Database, 'driver'>,
  config: Readonly<ThrottleConfig>,
  options: LoginThrottleOptions = {},
): Promise<ClosableLoginThrottle> {
  const table = await openCounterTable(database, options.tableName ?? DEFAULT_TABLE, 'gatehouse.config.bad_throttle_table');
  const pair = table.limiter('pair', config.perAccountAndAddress, config.window);
  const address = table.limiter('addr', config.perAddress, config.window);
  return new CounterLoginThrottle({ pair, address }, config, throttleKeyOptions(options), () => table.close());
}
