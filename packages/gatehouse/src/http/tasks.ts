/**
 * Work done after the response has gone: the reset view answers at once and looks up the account
 * and sends mail afterwards, so neither the answer nor its timing depends on whether the address
 * exists. Failures are logged, never thrown at a client who has already been answered.
 *
 * The queue is bounded: a flood of requests (each asking for a reset mail) must not grow a
 * backlog without end, holding memory and sending mail for hours after the flood. Beyond
 * `maxPending` jobs (counting those waiting for their response to finish), new jobs are dropped
 * with a warning in the log; the clients were answered already and learn nothing either way.
 */
import type { HttpLogger } from './logger.js';

/** Jobs pending at most, unless the constructor says otherwise. */
export const DEFAULT_MAX_PENDING_TASKS = 1000;

/** Tracks background work; `settled()` resolves when nothing is pending (tests, shutdown). */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();
  /** Jobs accepted by `afterResponse` whose response has not finished yet. */
  private waiting = 0;
  /** Jobs dropped because the queue was full, since start. */
  dropped = 0;

  constructor(
    private readonly log: HttpLogger,
    /** Jobs pending (running or waiting) at most; set from `config.passwordReset.maxQueuedMails`. */
    public maxPending: number = DEFAULT_MAX_PENDING_TASKS,
  ) {}

  /** True when one more job fits; otherwise logs the drop and counts it. */
  private admit(name: string): boolean {
    if (this.pending.size + this.waiting < this.maxPending) return true;
    this.dropped += 1;
    this.log.warn(
      { gatehouse: { event: 'background_task.dropped', task: name, pending: this.pending.size + this.waiting } },
      'gatehouse background task dropped: the queue is full',
    );
    return false;
  }

  /** Runs `job` on a later turn of the event loop; false when the queue was full and it was dropped. */
  defer(name: string, job: () => Promise<void>): boolean {
    if (!this.admit(name)) return false;
    this.#run(name, job);
    return true;
  }

  #run(name: string, job: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(job)
      .catch((error: unknown) => {
        this.log.error({ err: error, task: name }, 'gatehouse background task failed');
      })
      .finally(() => {
        this.pending.delete(task);
      });
    this.pending.add(task);
  }

  /**
   * Runs `job` once the response has gone (or the client hung up, so the work is not lost):
   * whatever it does, the answer the client got, and its timing, did not depend on it.
   * `whenSent` calls its callback then (the adapter knows when; calling it twice is harmless).
   */
  afterResponse(whenSent: (start: () => void) => void, name: string, job: () => Promise<void>): boolean {
    // The slot is taken now, not when the response finishes, so responses in flight count too.
    if (!this.admit(name)) return false;
    this.waiting += 1;
    let started = false;
    whenSent(() => {
      if (started) return;
      started = true;
      this.waiting -= 1;
      this.#run(name, job);
    });
    return true;
  }

  /** Number of tasks not finished yet (those waiting for their response included). */
  get size(): number {
    return this.pending.size + this.waiting;
  }

  /** Resolves once every task (including ones started meanwhile) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0 || this.waiting > 0) {
      if (this.pending.size > 0) await Promise.allSettled([...this.pending]);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
