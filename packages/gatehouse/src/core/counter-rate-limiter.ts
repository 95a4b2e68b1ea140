/**
 * A `RateLimiter` (rate-limit.ts) over any rate-limiter-flexible limiter: in memory
 * (`memory-rate-limits.ts`), in the app's database (`gatehouse/db`), or in any other store the
 * library supports.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter } from './rate-limit.js';

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
