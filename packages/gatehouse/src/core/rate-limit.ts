/**
 * A generic counter port: "may this key act once more in the current window?". The password-reset
 * flow counts with it (mails per target address, requests per client, invalid links per client);
 * the stores are `createRateLimits` in `gatehouse/db` (SQL, for every instance to share) and
 * `createMemoryRateLimits` here in the core (memory-rate-limits.ts, for one process).
 *
 * `consume` counts before it answers, in one atomic step in every store, so a burst of concurrent
 * requests cannot all be admitted before any of them is counted.
 */
import { createHash } from 'node:crypto';

/** The answer of `consume`. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** One counter family with its own limit and window. */
export interface RateLimiter {
  /** Counts one use of `key` and says whether it was within the limit. */
  consume(key: string): Promise<RateLimitDecision>;
  /** Gives back one use of `key` (an attempt that turned out not to count, e.g. a valid link). */
  refund(key: string): Promise<void>;
}

/** The counters of the password-reset flow (`createRateLimits` in `gatehouse/db`, or `createMemoryRateLimits`). */
export interface PasswordResetRateLimits {
  /** Reset mails per target address. */
  readonly perEmail: RateLimiter;
  /** Reset requests per client address. */
  readonly perAddress: RateLimiter;
  /** Invalid reset links opened per client address. */
  readonly invalidLinksPerAddress: RateLimiter;
  /** Stops timers the stores hold; the database itself is the caller's to close. */
  close?(): Promise<void>;
}

/**
 * The stored key for `value` counted as `kind`: a SHA-256 digest, so what is stored is short
 * (every store takes it), holds no address or email in clear, and no value can be chosen to
 * collide with another kind's.
 */
export function rateLimitKey(kind: string, value: string): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, value]))
    .digest('hex');
}
