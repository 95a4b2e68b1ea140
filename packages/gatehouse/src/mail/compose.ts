/**
 * Builds the RFC 5322 bytes of a checked message with nodemailer's MailComposer, the same code
 * the SMTP transport uses, so a saved `.eml` file is what a mail server would have received.
 *
 * nodemailer is an optional peer dependency: it is loaded on first use, so the console and memory
 * mailers work in an app that never installed it.
 */
import { GatehouseError } from '../core/errors.js';
import type { SentMail } from './message.js';

type MailComposerModule = typeof import('nodemailer/lib/mail-composer');
type NodemailerModule = typeof import('nodemailer');

let composerModule: Promise<MailComposerModule> | undefined;
let nodemailerModule: Promise<NodemailerModule> | undefined;

/** Loads nodemailer once, or throws `gatehouse.config.driver_missing` saying how to install it. */
export function loadNodemailer(): Promise<NodemailerModule> {
  nodemailerModule ??= importOrExplain(() => import('nodemailer'));
  return nodemailerModule;
}

/** The whole message, headers and MIME body, with CRLF line ends as on the wire. */
export async function composeMessage(mail: SentMail, date: Date): Promise<Buffer> {
  composerModule ??= importOrExplain(() => import('nodemailer/lib/mail-composer'));
  const { default: MailComposer } = await composerModule;
  const composer = new MailComposer({
    from: mail.from,
    to: [...mail.to],
    subject: mail.subject,
    text: mail.text,
    ...(mail.html !== undefined ? { html: mail.html } : {}),
    headers: { ...mail.headers },
    date,
  });
  return composer.compile().build();
}

async function importOrExplain<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new GatehouseError(
      'gatehouse.config.driver_missing',
      `Sending or saving mail needs nodemailer, which is not installed: npm install nodemailer. (${(error as Error).message})`,
      { cause: error },
    );
  }
}
