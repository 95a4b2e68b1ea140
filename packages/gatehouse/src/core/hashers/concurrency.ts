/**
 * A bound on how many password hashes run at once. Argon2, scrypt and PBKDF2 run off the event
 * loop, in libuv's thread pool (4 threads by default), but they still need a core each: on a
 * 2-core server a login storm would run four hashes on two cores and leave the thread that serves
 * every other request a fair share of the rest, so authenticated pages would wait on logins.
 * Hashes beyond the bound wait here, in arrival order, and cost little while they wait. Logins
 * are not slower in total: past the number of cores, more hashes at once only interleave.
 *
 * The wait is bounded too. Throughput is fixed by the cores, so a queue longer than a few seconds
 * of work serves nobody sooner: it only holds every request (and its memory) longer, until clients
 * time out after the server has done the work anyway. Past `maxWaiting` a task is refused at once
 * with `BusyError` (`gatehouse.hashers.busy`), which adapters answer with 503 and `Retry-After`.
 */
import { availableParallelism } from 'node:os';
import { BusyError } from '../errors.js';

/** One core left to the event loop, at least one hash at a time. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Hashes allowed to wait: 64 per hash that may run at once. A hash at the default costs is tens of
 * milliseconds on a server core (argon2id at RFC 9106's second profile, 19 MiB and two passes), so
 * the last waiter starts within a few seconds: long for a login, but well inside client and proxy
 * timeouts (30 s and more), while a flood is refused at once instead of piling up without end.
 */
export function defaultHashQueueLimit(concurrency: number): number {
  return 64 * concurrency;
}

/** The error code of a task refused because the queue is full. */
const HASHERS_BUSY = 'gatehouse.hashers.busy';

/** Runs at most `limit` tasks at once; at most `maxWaiting` others wait, in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** `maxWaiting`: tasks that may wait for a slot (default: no bound); 0 means none may wait. */
  constructor(
    readonly limit: number,
    readonly maxWaiting: number = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Runs `task` once a slot is free, and frees the slot when it settles. Rejects at once, without
   * running `task`, with `BusyError` coded `gatehouse.hashers.busy` when every slot is taken and
   * `maxWaiting` tasks already wait.
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active += 1;
    } else if (this.waiting.length >= this.maxWaiting) {
      throw new BusyError(HASHERS_BUSY, 'Too many password checks are waiting; try again in a moment.', 1);
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
