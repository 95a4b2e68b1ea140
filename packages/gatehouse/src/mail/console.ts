/**
 * The development default: each message is printed, whole, to a stream (stdout unless told
 * otherwise), as Django's console backend does. Nothing leaves the machine, and a password-reset
 * link can be copied straight from the terminal.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { defaults } from '../core/config.js';
import { type ClosableMailer, type MailMessage, type SentMail, checkDefaultFromEmail, prepareMessage } from './message.js';

/** The part of a writable stream the console mailer uses; `process.stdout` is one. */
export interface TextSink {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/** Options for `ConsoleMailer`. */
export interface ConsoleMailerOptions {
  /** Where messages go; `process.stdout` by default. */
  stream?: TextSink;
  /** Sender of messages that name none. */
  defaultFromEmail?: string;
  /** Source of the `Date` header. */
  clock?: Clock;
}

const SEPARATOR = '-'.repeat(79);

/** Prints every message to a stream instead of sending it. */
export class ConsoleMailer implements ClosableMailer {
  /** Never delivers to the person: refused in production (see `Mailer.developmentOnly`). */
  readonly developmentOnly = true;
  private readonly stream: TextSink;
  private readonly defaultFromEmail: string;
  private readonly clock: Clock;

  constructor(options: ConsoleMailerOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.defaultFromEmail = checkDefaultFromEmail(options.defaultFromEmail ?? defaults.defaultFromEmail);
    this.clock = options.clock ?? systemClock;
  }

  /** Prints the message; resolves once the stream has taken it. */
  async send(message: MailMessage): Promise<void> {
    const mail = prepareMessage(message, this.defaultFromEmail);
    const text = formatForConsole(mail, new Date(this.clock.now()));
    await new Promise<void>((resolve, reject) => {
      this.stream.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}

/**
 * Headers, a blank line, then the bodies as written, not transfer-encoded: quoted-printable would
 * break long links across lines with `=` and make them impossible to copy from a terminal.
 */
export function formatForConsole(mail: SentMail, date: Date): string {
  const lines = [
    `From: ${mail.from}`,
    `To: ${mail.to.join(', ')}`,
    `Subject: ${mail.subject}`,
    `Date: ${date.toUTCString()}`,
    ...Object.entries(mail.headers).map(([name, value]) => `${name}: ${value}`),
    '',
    mail.text,
  ];
  if (mail.html !== undefined) lines.push('', '--- text/html ---', mail.html);
  lines.push(SEPARATOR, '');
  return lines.join('\n');
}
