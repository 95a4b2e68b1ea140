/**
 * Rate-limit counters (`core/rate-limit.ts`) in the app's database (SQLite or PostgreSQL, so every
 * instance counts together). The table is created and awaited first (counter-table.ts). The
 * in-memory counters live with the port (`core/memory-rate-limits.ts`) and are re-exported here.
 */
import type { PasswordResetLimitsConfig } from '../core/config.js';
import { CounterRateLimiter } from '../core/counter-rate-limiter.js';
import type { PasswordResetRateLimits } from '../core/rate-limit.js';
import type { Database } from './connect.js';
import { openCounterTable } from './counter-table.js';

export { CounterRateLimiter } from '../core/counter-rate-limiter.js';
export { createMemoryRateLimits } from '../core/memory-rate-limits.js';

/** Options of `createRateLimits`. */
export interface RateLimitsOptions {
  /** Table holding the counters; `gh_rate_limit` by default. Letters, digits and `_` only. */
  tableName?: string;
}

const DEFAULT_TABLE = 'gh_rate_limit';

/**
 * The password-reset counters in the database `openDatabase` returned, creating their table first.
 * `config` is `resolveConfig(...).passwordReset`.
 */
export async function createRateLimits(
  database: Pick<Database, 'driver'>,
  config: Readonly<PasswordResetLimitsConfig>,
  options: RateLimitsOptions = {},
): Promise<PasswordResetRateLimits & { close(): Promise<void> }> {
  const table = await openCounterTable(database, options.tableName ?? DEFAULT_TABLE, 'gatehouse.config.bad_rate_limit_table');
  return {
    perEmail: new CounterRateLimiter(table.limiter('reset_email', config.perEmail, config.window)),
    perAddress: new CounterRateLimiter(table.limiter('reset_addr', config.perAddress, config.window)),
    invalidLinksPerAddress: new CounterRateLimiter(table.limiter('reset_link', config.invalidLinksPerAddress, config.window)),
    close: () => table.close(),
  };
}
