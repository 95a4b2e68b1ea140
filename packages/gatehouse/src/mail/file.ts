/**
 * Writes each message as one `.eml` file in a folder, as Django's file-based backend does: mail
 * can be inspected (or opened in a mail client) on a machine that must not send any.
 *
 * File names start with the UTC time to the millisecond and a per-millisecond sequence number, so
 * `ls` lists them in sending order; a random suffix keeps two processes sharing the folder from
 * ever choosing the same name. Each file is written under a hidden temporary name and renamed into
 * place, so a reader watching the folder never sees half a message.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/clock.js';
import { defaults } from '../core/config.js';
import { composeMessage } from './compose.js';
import { type ClosableMailer, type MailMessage, checkDefaultFromEmail, prepareMessage } from './message.js';

/** Options for `FileMailer`. */
export interface FileMailerOptions {
  /** The folder to write into; created when the first message is written. */
  directory: string;
  /** Sender of messages that name none. */
  defaultFromEmail?: string;
  /** Source of the `Date` header and of the file names. */
  clock?: Clock;
}

/** Saves every message as an RFC 5322 `.eml` file instead of sending it. */
export class FileMailer implements ClosableMailer {
  /** The folder messages are written into. */
  readonly directory: string;
  private readonly defaultFromEmail: string;
  private readonly clock: Clock;
  private lastStamp = '';
  private sequence = 0;

  constructor(options: FileMailerOptions) {
    this.directory = options.directory;
    this.defaultFromEmail = checkDefaultFromEmail(options.defaultFromEmail ?? defaults.defaultFromEmail);
    this.clock = options.clock ?? systemClock;
  }

  /** Writes the message; resolves with nothing once the file is in place. */
  async send(message: MailMessage): Promise<void> {
    await this.write(message);
  }

  /** Like `send`, but returns the path of the file written. */
  async write(message: MailMessage): Promise<string> {
    const mail = prepareMessage(message, this.defaultFromEmail);
    const now = this.clock.now();
    // The name is taken before the first await, so concurrent sends keep their call order.
    const name = this.nextFileName(now);
    const bytes = await composeMessage(mail, new Date(now));
    await mkdir(this.directory, { recursive: true });
    const finalPath = join(this.directory, name);
    const temporaryPath = join(this.directory, `.${name}.tmp`);
    try {
      // 'wx': never overwrite, even in the impossible case of a name clash. 0600: a saved reset
      // mail holds a live credential, so only the owner may read it.
      await writeFile(temporaryPath, bytes, { flag: 'wx', mode: 0o600 });
      await rename(temporaryPath, finalPath);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
    return finalPath;
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  private nextFileName(now: number): string {
    // 2026-01-01T12:00:00.123Z → 20260101T120000123Z: fixed width, so names sort as times do.
    const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
    if (stamp === this.lastStamp) {
      this.sequence += 1;
    } else {
      this.lastStamp = stamp;
      this.sequence = 0;
    }
    return `${stamp}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
  }
}
