/**
 * The mail port and the checks every backend runs before a message leaves: one recipient per
 * entry, no line breaks in any header, no custom header that would override a structural one.
 *
 * Nodemailer quietly turns CR/LF in a header into a space, which hides the bug that let user input
 * reach a header; and a console or memory backend would not even do that. So every backend calls
 * `prepareMessage` and refuses such a message loudly, with a coded error, before doing anything.
 */
import { ConfigError, ValidationError } from '../core/errors.js';

/** A message as the application hands it to a mailer. */
export interface MailMessage {
  /** Sender; the mailer's `defaultFromEmail` when left out. */
  from?: string;
  /** Recipients, one address per entry: `a@example.com` or `Ann <a@example.com>`. */
  to: readonly string[];
  subject: string;
  /** Plain-text body; always sent, so every client can show the message. */
  text: string;
  /** Optional HTML alternative to `text`. */
  html?: string;
  /** Extra headers (`Reply-To`, `List-Unsubscribe`, `X-…`); structural ones are refused. */
  headers?: Readonly<Record<string, string>>;
}

/** What every backend implements: hand one message on, or throw. */
export interface Mailer {
  /**
   * Sends one message. Throws `ValidationError` (codes `gatehouse.mail.*`) for a message that could
   * inject headers or recipients, and `GatehouseError` `gatehouse.mail.send_failed` if delivery fails.
   */
  send(message: MailMessage): Promise<void>;
  /**
   * True for mailers that never deliver to the person (console, memory): the Fastify plugin
   * refuses them in production, where a console mailer would print working reset links into the
   * server log and a memory one would lose every mail.
   */
  readonly developmentOnly?: boolean;
}

/** A mailer that may hold resources (an SMTP connection pool); `close()` releases them. */
export interface ClosableMailer extends Mailer {
  close(): Promise<void>;
}

/** A checked message with its sender filled in: what backends deliver and `MemoryMailer` keeps. */
export interface SentMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

const LINE_BREAK = /[\r\n]/;
// One addr-spec, kept deliberately plain: no spaces, quotes, angle brackets or list separators, so
// that one entry can never be read as two recipients by an address-list parser downstream.
const ADDR_SPEC = '[^\\s@<>,;:"()\\[\\]\\\\]+@[^\\s@<>,;:"()\\[\\]\\\\]+';
const BARE_ADDRESS = new RegExp(`^${ADDR_SPEC}$`, 'u');
// `Name <addr>` or `"Name, Inc." <addr>`: an unquoted name may not hold separators or quotes.
const NAMED_ADDRESS = new RegExp(`^(?:"(?:[^"\\\\]|\\\\.)*"|[^<>,;:"@()\\[\\]\\\\]*)\\s*<${ADDR_SPEC}>$`, 'u');
// RFC 5322 field names: printable US-ASCII except the colon.
const HEADER_NAME = /^[!-9;-~]+$/;
// Set through the message's own fields, or by the composer; a custom header with one of these
// names could add hidden recipients (Bcc) or change how the body is read (Content-Type).
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'sender', 'mime-version', 'content-type', 'content-transfer-encoding']);

/** True if `value` is exactly one address, bare or with a display name. */
export function isSingleAddress(value: string): boolean {
  return BARE_ADDRESS.test(value) || NAMED_ADDRESS.test(value);
}

/**
 * Checks a message and fills in the sender. Throws `ValidationError` with one of the codes
 * `gatehouse.mail.header_injection`, `gatehouse.mail.bad_address`, `gatehouse.mail.no_recipients`,
 * `gatehouse.mail.bad_header`; nothing is sent when it throws.
 */
export function prepareMessage(message: MailMessage, defaultFromEmail: string): SentMail {
  const from = message.from ?? defaultFromEmail;
  checkAddress('from', from);
  if (!Array.isArray(message.to) || message.to.length === 0) {
    throw invalid('gatehouse.mail.no_recipients', 'The message has no recipients: give at least one address in `to`.');
  }
  for (const [index, address] of message.to.entries()) checkAddress(`to[${index}]`, address);
  if (typeof message.subject !== 'string') {
    throw invalid('gatehouse.mail.bad_header', 'The message subject must be a string.');
  }
  if (LINE_BREAK.test(message.subject)) {
    throw invalid('gatehouse.mail.header_injection', 'The subject contains a line break (CR or LF), which could inject headers: remove it.');
  }
  if (typeof message.text !== 'string') {
    throw invalid('gatehouse.mail.bad_body', 'The message needs a plain-text body in `text`.');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      throw invalid('gatehouse.mail.bad_header', `The header name ${JSON.stringify(name)} is not a valid field name.`);
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw invalid('gatehouse.mail.bad_header', `The header "${name}" cannot be set in \`headers\`: use the message's own field.`);
    }
    if (typeof value !== 'string' || LINE_BREAK.test(value)) {
      throw invalid('gatehouse.mail.header_injection', `The header "${name}" contains a line break (CR or LF), which could inject headers: remove it.`);
    }
    headers[name] = value;
  }
  return Object.freeze({
    from,
    to: Object.freeze([...message.to]),
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: Object.freeze(headers),
  });
}

/**
 * Checks a configured sender once, at construction, so a bad `defaultFromEmail` fails at start-up
 * rather than at the first password reset. Throws `ConfigError` `gatehouse.config.bad_default_from_email`.
 */
export function checkDefaultFromEmail(value: string): string {
  if (typeof value !== 'string' || !isSingleAddress(value)) {
    throw new ConfigError(
      'gatehouse.config.bad_default_from_email',
      `defaultFromEmail must be one address such as "noreply@example.com" or "Example <noreply@example.com>", got ${JSON.stringify(String(value))}.`,
    );
  }
  return value;
}

function checkAddress(field: string, value: string): void {
  if (typeof value !== 'string') {
    throw invalid('gatehouse.mail.bad_address', `${field} must be a string address.`);
  }
  // Checked first so the error names the real danger rather than "malformed address".
  if (LINE_BREAK.test(value)) {
    throw invalid('gatehouse.mail.header_injection', `${field} contains a line break (CR or LF), which could inject headers: remove it.`);
  }
  if (!isSingleAddress(value)) {
    throw invalid(
      'gatehouse.mail.bad_address',
      `${field} must be exactly one address such as "a@example.com" or "Ann <a@example.com>", got ${JSON.stringify(value)}.`,
    );
  }
}

function invalid(code: string, message: string): ValidationError {
  return new ValidationError([{ code, message }]);
}
