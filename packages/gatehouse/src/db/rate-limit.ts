/**
 * Rate-limit counters (`core/rate-limit.ts`) over rate-limiter-flexible: in the app's database
 * (SQLite or PostgreSQL, so every instance counts together) or, for one development process, in
 * memory. The table is created and awaited first (counter-table.ts).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { PasswordResetLimitsConfig } from '../core/config.js';
import type { PasswordResetRateLimits, RateLimitDecision, RateLimiter } from '../core/rate-limit.js';
import type { Database } from './connect.js';
import { openCounterTable } from './counter-table.js';

/** Options of `createRateLimits`. */
export interface RateLimitsOptions {
  /** Table holding the counters; `gh_rate_limit` by default. Letters, digits and `_` only. */
  tableName?: string;
}

const DEFAULT_TABLE = 'gh_rate_limit';

/** A `RateLimiter` over any rate-limiter-flexible limiter. */
export class CounterRateLimiter implements RateLimiter {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  /** One point, atomically in the store; a refusal carries the time until the window ends. */
  async consume(key: string): Promise<RateLimitDecision> {
    try {
      await this.limiter.consume(key, 1);
      return { allowed: true };
    } catch (error) {
      // The library rejects with a RateLimiterRes when over the limit, and with an Error when the
      // store failed: the latter is a real failure and is passed on.
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      throw error;
    }
  }

  /** Gives one point back. */
  async refund(key: string): Promise<void> {
    await this.limiter.reward(key, 1);
  }
}

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

/** The password-reset counters in this process's memory: development and single-process apps only. */
export function createMemoryRateLimits(config: Readonly<PasswordResetLimitsConfig>): PasswordResetRateLimits {
  const make = (keyPrefix: string, points: number): CounterRateLimiter => new CounterRateLimiter(new RateLimiterMemory({ keyPrefix, points, duration: config.window }));
  return {
    perEmail: make('reset_email', config.perEmail),
    perAddress: make('reset_addr', config.perAddress),
    invalidLinksPerAddress: make('reset_link', config.invalidLinksPerAddress),
  };
}
