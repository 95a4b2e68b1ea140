/**
 * `EMAIL_URL` → a mailer. The accepted forms:
 *
 * - `smtp://[user:pass@]host[:port][?requireTLS=true|false&ignoreTLS=true|false&pool=true|false]`
 * - `smtps://[user:pass@]host[:port]` (TLS from the first byte, port 465 by default)
 * - `console:` (print to stdout, the development default), `memory:` (tests), `file:<dir>`
 *
 * The URL usually holds the SMTP password, so no error ever repeats it: messages name only the
 * scheme and list the accepted forms.
 */
import { ConfigError } from '../core/errors.js';
import { ConsoleMailer } from './console.js';
import { FileMailer } from './file.js';
import { MemoryMailer } from './memory.js';
import type { ClosableMailer } from './message.js';
import { SmtpMailer } from './smtp.js';

/** Options for `mailerFromUrl`. */
export interface MailerFromUrlOptions {
  /** Sender of messages that name none; `webmaster@localhost` by default. */
  defaultFromEmail?: string;
}

const ACCEPTED_FORMS =
  'smtp://[user:pass@]host[:port] (optionally ?requireTLS=true|false&ignoreTLS=true|false&pool=true|false), ' +
  'smtps://[user:pass@]host[:port], console:, file:<directory>, memory:';

const SMTP_FLAGS = new Set(['requireTLS', 'ignoreTLS', 'pool']);

/**
 * Builds the mailer `url` describes. Throws `ConfigError` `gatehouse.config.bad_email_url` for
 * anything else, with the accepted forms and without the URL itself.
 */
export function mailerFromUrl(url: string, options: MailerFromUrlOptions = {}): ClosableMailer {
  const from = options.defaultFromEmail !== undefined ? { defaultFromEmail: options.defaultFromEmail } : {};
  const trimmed = typeof url === 'string' ? url.trim() : '';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? '' : trimmed.slice(scheme.length + 1);
  switch (scheme) {
    case 'console':
      if (rest !== '' && rest !== '//') throw badUrl(scheme, 'console: takes nothing after the colon');
      return new ConsoleMailer(from);
    case 'memory':
      if (rest !== '' && rest !== '//') throw badUrl(scheme, 'memory: takes nothing after the colon');
      return new MemoryMailer(from);
    case 'file': {
      // file:/abs, file:rel and file:///abs are all accepted; the path is used as written.
      const directory = rest.startsWith('//') ? rest.slice(2) : rest;
      if (directory === '') throw badUrl(scheme, 'it names no directory');
      return new FileMailer({ directory, ...from });
    }
    case 'smtp':
    case 'smtps':
      return new SmtpMailer({ ...parseSmtpUrl(trimmed, scheme), ...from });
    default:
      throw badUrl(scheme, scheme === undefined ? 'it has no scheme' : 'the scheme is not one of them');
  }
}

function parseSmtpUrl(url: string, scheme: 'smtp' | 'smtps'): ConstructorParameters<typeof SmtpMailer>[0] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(scheme, 'it is not a valid URL');
  }
  if (parsed.hostname === '') throw badUrl(scheme, 'it names no host');
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw badUrl(scheme, 'it has a path, which SMTP does not use');
  if (parsed.hash !== '') throw badUrl(scheme, 'it has a #fragment');
  let port: number | undefined;
  if (parsed.port !== '') {
    port = Number(parsed.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badUrl(scheme, 'the port is not 1-65535');
  }
  const flags: { requireTLS?: boolean; ignoreTLS?: boolean; pool?: boolean } = {};
  for (const [key, value] of parsed.searchParams) {
    if (!SMTP_FLAGS.has(key)) throw badUrl(scheme, `the option "${key}" is unknown`);
    if (value !== 'true' && value !== 'false') throw badUrl(scheme, `the option "${key}" must be true or false`);
    flags[key as keyof typeof flags] = value === 'true';
  }
  let auth: { user: string; pass: string } | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    try {
      // Credentials are percent-encoded in a URL (an @ in a password is %40).
      auth = { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) };
    } catch {
      throw badUrl(scheme, 'the user name or password is not correctly percent-encoded');
    }
  }
  return {
    // URL keeps IPv6 hosts bracketed; sockets want them bare.
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    secure: scheme === 'smtps',
    ...(port !== undefined ? { port } : {}),
    ...(auth !== undefined ? { auth } : {}),
    ...flags,
  };
}

function badUrl(scheme: string | undefined, why: string): ConfigError {
  const shown = scheme === undefined ? 'EMAIL_URL' : `EMAIL_URL (${scheme}:…)`;
  return new ConfigError('gatehouse.config.bad_email_url', `${shown} cannot be used: ${why}. Accepted forms: ${ACCEPTED_FORMS}.`);
}
