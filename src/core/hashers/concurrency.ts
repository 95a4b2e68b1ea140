/**
 * A bound on how many password hashes run at once. Argon2, scrypt and PBKDF2 run off the event
 * loop, in libuv's thread pool (4 threads by default), but they still need a core each: on a
 * 2-core server a login storm would run four hashes on two cores and leave the thread that serves
 * every other request a fair share of the rest, so authenticated pages would wait on logins.
 * Hashes beyond the bound wait here, in arrival order, and cost nothing while they wait. Logins
 * are not slower in total: past the number of cores, more hashes at once only interleave.
 */
import { availableParallelism } from 'node:os';

/** One core left to the event loop, at least one hash at a time. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Runs at most `limit` tasks at once; the others wait in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active += 1;
    } else {
      // The finishing task hands its slot straight to the first waiter, so `active` stays put.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Tasks running now, and waiting (for tests and metrics). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
