/**
 * Sends mail through an SMTP server with nodemailer, over a small pool of reused connections so a
 * burst of reset mails does not open one connection each.
 *
 * Security defaults: when credentials are given for a plain (`secure: false`) connection to a host
 * other than loopback, STARTTLS is required; otherwise a man in the middle could strip the server's
 * STARTTLS offer and read the password in clear. `requireTLS: false` turns that off, visibly.
 */
import type { Transporter } from 'nodemailer';
import { defaults } from '../core/config.js';
import { GatehouseError } from '../core/errors.js';
import { type Clock, systemClock } from '../core/clock.js';
import { loadNodemailer } from './compose.js';
import { type ClosableMailer, type MailMessage, checkDefaultFromEmail, prepareMessage } from './message.js';

/** Options for `SmtpMailer`. */
export interface SmtpMailerOptions {
  host: string;
  /** 465 when `secure`, 25 otherwise. */
  port?: number;
  /** TLS from the first byte (port 465, `smtps://`). Off: plain, upgraded by STARTTLS when offered. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Never upgrade with STARTTLS, even if the server offers it (e.g. a local test server). */
  ignoreTLS?: boolean;
  /**
   * Fail unless the connection is upgraded with STARTTLS. Defaults to on when `auth` is given over a
   * plain connection to a non-loopback host and `ignoreTLS` is off.
   */
  requireTLS?: boolean;
  /** Reuse connections; `true` by default. */
  pool?: boolean;
  /** Most connections the pool opens at once; 5 by default. */
  maxConnections?: number;
  /** Milliseconds to wait for the connection and the server's greeting; 10 s by default. */
  connectionTimeoutMs?: number;
  /** Sender of messages that name none. */
  defaultFromEmail?: string;
  /** Source of the `Date` header. */
  clock?: Clock;
}

/** Sends each message to an SMTP server. Call `close()` at shutdown to end pooled connections. */
export class SmtpMailer implements ClosableMailer {
  /** Where mail goes, for logs (never includes the password). */
  readonly endpoint: string;
  private readonly options: SmtpMailerOptions;
  private readonly defaultFromEmail: string;
  private readonly clock: Clock;
  private transporter: Promise<Transporter> | undefined;

  constructor(options: SmtpMailerOptions) {
    if (typeof options.host !== 'string' || options.host === '') {
      throw new GatehouseError('gatehouse.config.bad_smtp_options', 'SmtpMailer needs a host.');
    }
    this.options = { ...options };
    this.defaultFromEmail = checkDefaultFromEmail(options.defaultFromEmail ?? defaults.defaultFromEmail);
    this.clock = options.clock ?? systemClock;
    const port = options.port ?? (options.secure ? 465 : 25);
    this.endpoint = `${options.secure ? 'smtps' : 'smtp'}://${options.host}:${port}`;
  }

  /** Hands the message to the server; throws `gatehouse.mail.send_failed` if the server refuses it. */
  async send(message: MailMessage): Promise<void> {
    const mail = prepareMessage(message, this.defaultFromEmail);
    const transporter = await this.connect();
    try {
      await transporter.sendMail({
        from: mail.from,
        to: [...mail.to],
        subject: mail.subject,
        text: mail.text,
        ...(mail.html !== undefined ? { html: mail.html } : {}),
        headers: { ...mail.headers },
        date: new Date(this.clock.now()),
      });
    } catch (error) {
      throw new GatehouseError('gatehouse.mail.send_failed', `Sending mail through ${this.endpoint} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Closes pooled connections. The mailer reconnects if used again. */
  async close(): Promise<void> {
    const pending = this.transporter;
    this.transporter = undefined;
    if (pending === undefined) return;
    // A transporter that never came up (nodemailer missing) has nothing to close.
    const transporter = await pending.catch(() => undefined);
    transporter?.close();
  }

  private connect(): Promise<Transporter> {
    this.transporter ??= loadNodemailer().then((nodemailer) => {
      const o = this.options;
      const secure = o.secure ?? false;
      const ignoreTLS = o.ignoreTLS ?? false;
      const requireTLS = o.requireTLS ?? (o.auth !== undefined && !secure && !ignoreTLS && !isLoopback(o.host));
      const timeout = o.connectionTimeoutMs ?? 10_000;
      const common = {
        host: o.host,
        port: o.port ?? (secure ? 465 : 25),
        secure,
        ignoreTLS,
        requireTLS,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        ...(o.auth !== undefined ? { auth: { user: o.auth.user, pass: o.auth.pass } } : {}),
      };
      return o.pool === false
        ? nodemailer.createTransport(common)
        : nodemailer.createTransport({ ...common, pool: true, maxConnections: o.maxConnections ?? 5 });
    });
    return this.transporter;
  }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}
