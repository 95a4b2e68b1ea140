/**
 * Work done after the response has gone: the reset view answers at once and looks up the account
 * and sends mail afterwards, so neither the answer nor its timing depends on whether the address
 * exists. Failures are logged, never thrown at a client who has already been answered.
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify';

/** Tracks background work; `settled()` resolves when nothing is pending (tests, shutdown). */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly log: FastifyBaseLogger) {}

  /** Runs `job` on a later turn of the event loop. */
  defer(name: string, job: () => Promise<void>): void {
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
   */
  afterResponse(reply: FastifyReply, name: string, job: () => Promise<void>): void {
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      this.defer(name, job);
    };
    if (reply.raw.writableFinished || reply.raw.destroyed) {
      start();
      return;
    }
    reply.raw.once('finish', start);
    reply.raw.once('close', start);
  }

  /** Number of tasks not finished yet. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves once every task (including ones started meanwhile) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
