/**
 * Keeps messages in memory for tests: `outbox` holds everything sent, and `next()` hands them
 * out one at a time, waiting for one if none is there yet.
 *
 * `next()` reads through a cursor instead of waiting for "the next send after the call": the code
 * under test often sends before the test gets round to waiting, and a wait that only sees later
 * sends would then hang.
 */
import { defaults } from '../core/config.js';
import { GatehouseError } from '../core/errors.js';
import { type ClosableMailer, type MailMessage, type SentMail, checkDefaultFromEmail, prepareMessage } from './message.js';

/** Options for `MemoryMailer`. */
export interface MemoryMailerOptions {
  /** Sender of messages that name none. */
  defaultFromEmail?: string;
}

/** Options for `MemoryMailer.next`. */
export interface NextMailOptions {
  /** Milliseconds to wait before rejecting; 5000 by default. */
  timeoutMs?: number;
}

interface Waiter {
  resolve(mail: SentMail): void;
}

/** A mailer that only records; for tests. */
export class MemoryMailer implements ClosableMailer {
  /** Never delivers to the person: refused in production (see `Mailer.developmentOnly`). */
  readonly developmentOnly = true;
  /** Every message sent, oldest first, checked and with its sender filled in. */
  readonly outbox: SentMail[] = [];
  private readonly defaultFromEmail: string;
  private cursor = 0;
  private readonly waiters: Waiter[] = [];

  constructor(options: MemoryMailerOptions = {}) {
    this.defaultFromEmail = checkDefaultFromEmail(options.defaultFromEmail ?? defaults.defaultFromEmail);
  }

  /** Records the message (after the same checks every backend makes). */
  async send(message: MailMessage): Promise<void> {
    const mail = prepareMessage(message, this.defaultFromEmail);
    this.outbox.push(mail);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.cursor += 1;
      waiter.resolve(mail);
    }
  }

  /**
   * The first message not yet returned by `next()`, waiting for it if needed. Rejects with
   * `gatehouse.mail.timeout` if none arrives in time.
   */
  next(options: NextMailOptions = {}): Promise<SentMail> {
    const ready = this.outbox[this.cursor];
    if (ready !== undefined && this.waiters.length === 0) {
      this.cursor += 1;
      return Promise.resolve(ready);
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise<SentMail>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (mail) => {
          clearTimeout(timer);
          resolve(mail);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new GatehouseError('gatehouse.mail.timeout', `No message was sent within ${timeoutMs} ms.`));
      }, timeoutMs);
      // A forgotten wait must not keep a test process alive.
      timer.unref();
      this.waiters.push(waiter);
    });
  }

  /** Forgets every message; waits in progress keep waiting for new ones. */
  clear(): void {
    this.outbox.length = 0;
    this.cursor = 0;
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
