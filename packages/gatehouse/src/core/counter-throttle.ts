/**
 * The login throttle's counting over any rate-limiter-flexible-shaped counter store: the policy
 * (what is counted, keys, when to block) comes from `throttle.ts`; this file counts, gives points
 * back and settles reservations. It imports no store: `memory-throttle.ts` gives it counters in
 * this process, `gatehouse/db` counters in the app's database, a Redis module counters in Redis.
 */
import type { ThrottleConfig } from './config.js';
import {
  type LoginThrottle,
  type ThrottleAdmission,
  type ThrottleKey,
  type ThrottleKeyOptions,
  type ThrottleReservation,
  throttleDecision,
  throttleKeys,
} from './throttle.js';

/** A login throttle that holds a timer (expired-row clean-up); `close()` stops it. */
export interface ClosableLoginThrottle extends LoginThrottle {
  close(): Promise<void>;
}

/** A counter's state as rate-limiter-flexible reports it (`RateLimiterRes`). */
export interface CounterState {
  /** Points counted in the current window. */
  consumedPoints: number;
  /** Milliseconds until the window ends (-1: never). */
  msBeforeNext: number;
}

/**
 * The part of a rate-limiter-flexible limiter the throttle uses; every store has it.
 *
 * `consume` must add the point in one atomic step and report the count that step produced, both
 * when it resolves (within the limit) and when it rejects with the state (over the limit); every
 * rate-limiter-flexible store does so (an upsert-increment on SQLite and PostgreSQL, one step in
 * memory), as long as in-memory blocking (`inMemoryBlockOnConsumed`) is not configured.
 */
export interface CounterStore {
  consume(key: string, points?: number): Promise<CounterState>;
  reward(key: string, points?: number): Promise<unknown>;
  delete(key: string): Promise<boolean>;
}

// A point is given back only while its window has at least this long left. A give-back landing
// after the window ended would start the next window at -1, a free attempt; the margin covers the
// time between deciding and the store applying it.
const GIVE_BACK_MARGIN_MS = 1000;

/** One point counted in one store, and when the window it was counted in ends. */
interface CountedPoint {
  store: CounterStore;
  key: string;
  windowEndsAt: number;
}

/** Counts one point; a rejection carrying the counter's state is a reading, not an error. */
async function countOne(store: CounterStore, key: string): Promise<{ point: CountedPoint; state: CounterState }> {
  let state: CounterState;
  try {
    state = await store.consume(key, 1);
  } catch (rejection) {
    if (!isCounterState(rejection)) throw rejection;
    // Over the limit: rate-limiter-flexible rejects, but the point was counted all the same.
    state = rejection;
  }
  const windowEndsAt = state.msBeforeNext < 0 ? Number.POSITIVE_INFINITY : Date.now() + state.msBeforeNext;
  return { point: { store, key, windowEndsAt }, state };
}

function isCounterState(value: unknown): value is CounterState {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as CounterState).consumedPoints === 'number' &&
    typeof (value as CounterState).msBeforeNext === 'number'
  );
}

/** Gives one point back, unless its window has (nearly) ended: then it is gone anyway. */
async function giveBack(point: CountedPoint): Promise<void> {
  if (Date.now() < point.windowEndsAt - GIVE_BACK_MARGIN_MS) await point.store.reward(point.key, 1);
}

/** An admitted attempt over two counters; settles once. */
class CounterReservation implements ThrottleReservation {
  readonly allowed = true;
  private settled = false;

  constructor(
    private readonly pair: CountedPoint,
    private readonly address: CountedPoint,
  ) {}

  async succeeded(): Promise<void> {
    if (this.take()) await Promise.all([this.pair.store.delete(this.pair.key), giveBack(this.address)]);
  }

  async failed(): Promise<void> {
    // The reserved points are the failure's count: nothing to write.
    this.take();
  }

  async release(): Promise<void> {
    if (this.take()) await Promise.all([giveBack(this.pair), giveBack(this.address)]);
  }

  private take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}

/**
 * A `LoginThrottle` over two counters: one per (account, address) pair, one per address. Usable
 * with any rate-limiter-flexible store, so the Redis variant is the same class over other counters.
 */
export class CounterLoginThrottle implements ClosableLoginThrottle {
  private readonly onClose: () => Promise<void>;

  constructor(
    private readonly counters: { pair: CounterStore; address: CounterStore },
    private readonly config: Readonly<ThrottleConfig>,
    private readonly keyOptions: ThrottleKeyOptions = {},
    onClose: () => Promise<void> = async () => {},
  ) {
    this.onClose = onClose;
  }

  /**
   * Counts the attempt in both counters (each one atomic upsert-increment) and admits it only if
   * both are within their limits counting it; a blocked attempt's points are given back.
   */
  async reserve(key: ThrottleKey): Promise<ThrottleAdmission> {
    const keys = throttleKeys(key, this.keyOptions);
    const [pair, address] = await Promise.allSettled([countOne(this.counters.pair, keys.pair), countOne(this.counters.address, keys.address)]);
    if (pair.status === 'rejected' || address.status === 'rejected') {
      // A store failed: give back what was counted (best effort) and let the caller see the error.
      for (const counted of [pair, address]) if (counted.status === 'fulfilled') await giveBack(counted.value.point).catch(() => {});
      throw pair.status === 'rejected' ? pair.reason : (address as PromiseRejectedResult).reason;
    }
    const decision = throttleDecision([
      { attempts: pair.value.state.consumedPoints, msUntilReset: pair.value.state.msBeforeNext, limit: this.config.perAccountAndAddress },
      { attempts: address.value.state.consumedPoints, msUntilReset: address.value.state.msBeforeNext, limit: this.config.perAddress },
    ]);
    if (!decision.allowed) {
      // Nothing is verified, so nothing is counted. Safe against bursts: every admitted attempt's
      // point stays in the count until it settles, so giving back refused ones never lets the
      // admitted ones exceed the limit. A point on a pair already past its limit is kept: it
      // changes nothing before that window ends, and giving it back could land after a success
      // cleared the pair, starting the fresh count below zero (free guesses for a burst).
      const points = [address.value.point];
      if (pair.value.state.consumedPoints <= this.config.perAccountAndAddress) points.push(pair.value.point);
      await Promise.all(points.map(giveBack));
      return decision;
    }
    return new CounterReservation(pair.value.point, address.value.point);
  }

  /** Stops the clean-up timer. The database itself is the caller's to close. */
  async close(): Promise<void> {
    await this.onClose();
  }
}

/** The key options a throttle keeps: only a secret that was actually given. */
export function throttleKeyOptions(options: ThrottleKeyOptions): ThrottleKeyOptions {
  return options.secret !== undefined ? { secret: options.secret } : {};
}
