/**
 * A real SMTP server on loopback for the password-reset scenarios: the adapter's app sends its
 * mail through gatehouse's `SmtpMailer` (nodemailer) to it, so the suite reads the reset link as a
 * user would, from a delivered message. `smtp-server` is loaded only when the suite runs: it is a
 * development dependency of whoever runs the conformance suite, not of gatehouse.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../core/errors.js';

/** A message the server accepted. */
export interface ReceivedMail {
  readonly to: readonly string[];
  readonly raw: string;
  /** The body as text, quoted-printable decoded. */
  readonly text: string;
}

/** The running server. */
export interface LoopbackSmtp {
  readonly port: number;
  readonly messages: readonly ReceivedMail[];
  /** Resolves with the first message (already received or arriving) that `match` accepts. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function decodedText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body;
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

async function loadSmtpServer(): Promise<typeof import('smtp-server')> {
  try {
    return await import('smtp-server');
  } catch (error) {
    throw new ConfigError(
      'gatehouse.testing.smtp_server_missing',
      `The conformance suite delivers reset mail to a loopback SMTP server: install smtp-server as a development dependency (npm install -D smtp-server). Loading it failed: ${(error as Error).message}`,
    );
  }
}

/** Starts the server on 127.0.0.1 on a port the OS picks. */
export async function startLoopbackSmtp(): Promise<LoopbackSmtp> {
  const { SMTPServer } = await loadSmtpServer();
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodedText(raw) });
        for (const wake of [...waiters]) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise<ReceivedMail>((resolve, reject) => {
        const wake = (): void => {
          const found = messages.find(match);
          if (found === undefined) return;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.add(wake);
        wake();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
