/**
 * SmtpMailer against a real SMTP server (smtp-server) listening on loopback: what arrives is read
 * back from the DATA stream and parsed, so these tests see exactly what a mail server would.
 */
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { GatehouseError } from '../../src/core/errors.js';
import { type ClosableMailer, SmtpMailer, mailerFromUrl } from '../../src/mail/index.js';
import { type ParsedMail, parseEml } from './eml.js';

interface Received {
  mailFrom: string;
  rcptTo: string[];
  user: string | undefined;
  mail: ParsedMail;
}

interface TestServer {
  port: number;
  received: Received[];
  connections: number;
  close(): Promise<void>;
}

const USER = 'mailer';
const PASSWORD = 'p@ss w:rd/1';

const servers: TestServer[] = [];
const mailers: ClosableMailer[] = [];

afterEach(async () => {
  await Promise.all(mailers.splice(0).map((mailer) => mailer.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(options: { auth?: boolean; host?: string; extra?: Partial<SMTPServerOptions> } = {}): Promise<TestServer> {
  const received: Received[] = [];
  const state = { connections: 0 };
  const server = new SMTPServer({
    // No TLS on loopback: the server must not offer STARTTLS, or the client would try it.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          mail: parseEml(Buffer.concat(chunks)),
        });
        callback();
      });
    },
    ...options.extra,
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const testServer: TestServer = {
    port: (server.server.address() as AddressInfo).port,
    received,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(testServer);
  return testServer;
}

function track<T extends ClosableMailer>(mailer: T): T {
  mailers.push(mailer);
  return mailer;
}

describe('SmtpMailer', () => {
  it('delivers a message: envelope, headers and body as sent', async () => {
    const server = await startServer();
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port, defaultFromEmail: 'Gatehouse <noreply@example.com>' }));
    await mailer.send({
      to: ['ann@example.com', 'Bob <bob@example.com>'],
      subject: 'Password reset on example.com',
      text: 'Hello Ann,\n\nUse this link to choose a new password.',
      headers: { 'X-Gatehouse': 'password-reset' },
    });

    expect(server.received).toHaveLength(1);
    const [got] = server.received as [Received];
    expect(got.mailFrom).toBe('noreply@example.com');
    expect(got.rcptTo).toEqual(['ann@example.com', 'bob@example.com']);
    expect(got.mail.header('from')).toBe('Gatehouse <noreply@example.com>');
    expect(got.mail.header('to')).toBe('ann@example.com, Bob <bob@example.com>');
    expect(got.mail.header('subject')).toBe('Password reset on example.com');
    expect(got.mail.header('x-gatehouse')).toBe('password-reset');
    expect(got.mail.header('message-id')).toMatch(/^<.+>$/);
    expect(got.mail.text).toBe('Hello Ann,\n\nUse this link to choose a new password.');
    expect(got.mail.html).toBeUndefined();
  });

  it('sends text and html as alternatives, with non-ASCII subject and body intact', async () => {
    const server = await startServer();
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port }));
    await mailer.send({ from: 'équipe@example.com', to: ['zoë@example.com'], subject: 'Grüße — 🔐', text: 'Grüße, Zoë', html: '<p>Grüße, <b>Zoë</b></p>' });
    const [got] = server.received as [Received];
    expect(got.mail.header('content-type')).toMatch(/^multipart\/alternative/);
    expect(got.mail.header('subject')).toBe('Grüße — 🔐');
    expect(got.mail.text).toBe('Grüße, Zoë');
    expect(got.mail.html).toBe('<p>Grüße, <b>Zoë</b></p>');
  });

  it('authenticates with user and password', async () => {
    const server = await startServer({ auth: true });
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port, auth: { user: USER, pass: PASSWORD } }));
    await mailer.send({ to: ['ann@example.com'], subject: 'with auth', text: 'hi' });
    expect(server.received[0]?.user).toBe(USER);
  });

  it('reports a refused login as gatehouse.mail.send_failed without the password', async () => {
    const server = await startServer({ auth: true });
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port, auth: { user: USER, pass: 'wrong-secret' } }));
    const error = await mailer.send({ to: ['ann@example.com'], subject: 's', text: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatehouseError);
    expect((error as GatehouseError).code).toBe('gatehouse.mail.send_failed');
    expect((error as Error).message).not.toContain('wrong-secret');
    expect(server.received).toHaveLength(0);
  });

  it('reports a refused recipient as gatehouse.mail.send_failed', async () => {
    const server = await startServer({
      extra: {
        onRcptTo(address, _session, callback) {
          if (address.address === 'nobody@example.com') callback(new Error('No such user'));
          else callback();
        },
      },
    });
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port }));
    await expect(mailer.send({ to: ['nobody@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'gatehouse.mail.send_failed',
      message: expect.stringContaining(`smtp://127.0.0.1:${server.port}`),
    });
  });

  it('never lets an injected header reach the server', async () => {
    const server = await startServer();
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port }));
    for (const message of [
      { to: ['ann@example.com'], subject: 'Hi\r\nBcc: evil@example.com', text: '' },
      { to: ['ann@example.com\nBcc: evil@example.com'], subject: 'Hi', text: '' },
      { from: 'me@example.com\r\nBcc: evil@example.com', to: ['ann@example.com'], subject: 'Hi', text: '' },
      { to: ['ann@example.com, evil@example.com'], subject: 'Hi', text: '' },
    ]) {
      await expect(mailer.send(message)).rejects.toMatchObject({ code: expect.stringMatching(/^gatehouse\.mail\.(header_injection|bad_address)$/) });
    }
    expect(server.connections).toBe(0);
    expect(server.received).toHaveLength(0);
  });

  it('reuses pooled connections, and reconnects after close()', async () => {
    const server = await startServer();
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port, maxConnections: 1 }));
    await Promise.all(Array.from({ length: 5 }, (_, i) => mailer.send({ to: ['ann@example.com'], subject: `n${i}`, text: '' })));
    expect(server.received).toHaveLength(5);
    expect(server.connections).toBe(1);
    await mailer.close();
    await mailer.send({ to: ['ann@example.com'], subject: 'after close', text: '' });
    expect(server.received).toHaveLength(6);
  });

  it('requireTLS: refuses to send when the server cannot upgrade to TLS', async () => {
    const server = await startServer();
    const mailer = track(new SmtpMailer({ host: '127.0.0.1', port: server.port, requireTLS: true }));
    await expect(mailer.send({ to: ['ann@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'gatehouse.mail.send_failed' });
    expect(server.received).toHaveLength(0);
  });

  const externalAddress = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;

  it.skipIf(externalAddress === undefined)('will not send a password in clear to a non-loopback host unless told', async () => {
    const server = await startServer({ auth: true, host: externalAddress });
    const strict = track(new SmtpMailer({ host: externalAddress as string, port: server.port, auth: { user: USER, pass: PASSWORD } }));
    await expect(strict.send({ to: ['ann@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({ code: 'gatehouse.mail.send_failed' });
    expect(server.received).toHaveLength(0);

    const loosened = track(new SmtpMailer({ host: externalAddress as string, port: server.port, auth: { user: USER, pass: PASSWORD }, requireTLS: false }));
    await loosened.send({ to: ['ann@example.com'], subject: 's', text: 't' });
    expect(server.received).toHaveLength(1);
  });
});

describe('mailerFromUrl with smtp://', () => {
  it('delivers through the URL, credentials percent-decoded', async () => {
    const server = await startServer({ auth: true });
    const url = `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    const mailer = track(mailerFromUrl(url, { defaultFromEmail: 'noreply@example.com' }));
    expect(mailer).toBeInstanceOf(SmtpMailer);
    await mailer.send({ to: ['ann@example.com'], subject: 'via EMAIL_URL', text: 'hello' });
    const [got] = server.received as [Received];
    expect(got.user).toBe(USER);
    expect(got.mailFrom).toBe('noreply@example.com');
    expect(got.mail.header('subject')).toBe('via EMAIL_URL');
    expect(got.mail.text).toBe('hello');
  });

  it('honours ?pool=false', async () => {
    const server = await startServer();
    const mailer = track(mailerFromUrl(`smtp://127.0.0.1:${server.port}?pool=false`));
    await mailer.send({ to: ['ann@example.com'], subject: 'one', text: '' });
    await mailer.send({ to: ['ann@example.com'], subject: 'two', text: '' });
    expect(server.received).toHaveLength(2);
    expect(server.connections).toBe(2);
  });
});
