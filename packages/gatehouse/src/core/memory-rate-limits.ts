/**
 * The password-reset counters in this process's memory: the development default of the HTTP
 * adapters. Kept with the rate-limit port rather than with SQL storage, so an adapter's default
 * imports no database code.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { PasswordResetLimitsConfig } from './config.js';
import { CounterRateLimiter } from './counter-rate-limiter.js';
import type { PasswordResetRateLimits } from './rate-limit.js';

/** The password-reset counters in this process's memory: development and single-process apps only. */
export function createMemoryRateLimits(config: Readonly<PasswordResetLimitsConfig>): PasswordResetRateLimits {
  const make = (keyPrefix: string, points: number): CounterRateLimiter =>
    new CounterRateLimiter(new RateLimiterMemory({ keyPrefix, points, duration: config.window }));
  return {
    perEmail: make('reset_email', config.perEmail),
    perAddress: make('reset_addr', config.perAddress),
    invalidLinksPerAddress: make('reset_link', config.invalidLinksPerAddress),
  };
}
