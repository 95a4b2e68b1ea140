/**
 * Time and randomness are injected everywhere expiry or secrets are involved, so tests can move
 * the clock instead of sleeping and can prove what depends on randomness.
 */
import { randomBytes } from 'node:crypto';

/** Where gatehouse reads the current time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Where gatehouse gets cryptographically secure random bytes. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The operating system's CSPRNG. */
export const systemRandom: RandomSource = { bytes: (length) => randomBytes(length) };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

/** A random string of `length` characters from [A-Za-z0-9], as Django uses for salts. */
export function randomString(random: RandomSource, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  // Rejection sampling: 62 does not divide 256, so bytes >= 248 are dropped to avoid modulo bias.
  while (out.length < length) {
    for (const b of random.bytes(length * 2)) {
      if (b < 248 && out.length < length) out += alphabet[b % 62];
    }
  }
  return out;
}
