import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, GatehouseError, ValidationError } from '../../src/core/errors.js';
import { ConsoleMailer, MemoryMailer, type TextSink } from '../../src/mail/index.js';

function collectingSink(): TextSink & { output: string } {
  const sink = {
    output: '',
    write(chunk: string, callback: (error?: Error | null) => void): boolean {
      sink.output += chunk;
      callback();
      return true;
    },
  };
  return sink;
}

describe('MemoryMailer', () => {
  it('keeps every message in the outbox with its sender filled in', async () => {
    const mailer = new MemoryMailer({ defaultFromEmail: 'noreply@example.com' });
    await mailer.send({ to: ['ann@example.com'], subject: 'One', text: '1' });
    await mailer.send({ from: 'team@example.com', to: ['bob@example.com', 'cy@example.com'], subject: 'Two', text: '2', html: '<b>2</b>' });
    expect(mailer.outbox).toHaveLength(2);
    expect(mailer.outbox[0]).toMatchObject({ from: 'noreply@example.com', to: ['ann@example.com'], subject: 'One', text: '1' });
    expect(mailer.outbox[1]).toMatchObject({ from: 'team@example.com', to: ['bob@example.com', 'cy@example.com'], html: '<b>2</b>' });
  });

  it('uses webmaster@localhost when no default sender is given', async () => {
    const mailer = new MemoryMailer();
    await mailer.send({ to: ['ann@example.com'], subject: 'S', text: 'T' });
    expect(mailer.outbox[0]?.from).toBe('webmaster@localhost');
  });

  it('next() returns messages already sent, in order, then waits for new ones', async () => {
    const mailer = new MemoryMailer();
    await mailer.send({ to: ['a@example.com'], subject: 'first', text: '' });
    await mailer.send({ to: ['a@example.com'], subject: 'second', text: '' });
    expect((await mailer.next()).subject).toBe('first');
    expect((await mailer.next()).subject).toBe('second');

    const waiting = mailer.next();
    const waitingToo = mailer.next();
    setTimeout(() => {
      void mailer.send({ to: ['a@example.com'], subject: 'third', text: '' });
      void mailer.send({ to: ['a@example.com'], subject: 'fourth', text: '' });
    }, 10);
    expect((await waiting).subject).toBe('third');
    expect((await waitingToo).subject).toBe('fourth');
  });

  it('next() rejects with a coded error when nothing arrives in time', async () => {
    const mailer = new MemoryMailer();
    const error = await mailer.next({ timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatehouseError);
    expect((error as GatehouseError).code).toBe('gatehouse.mail.timeout');
    // The timed-out wait must not swallow the next message.
    await mailer.send({ to: ['a@example.com'], subject: 'late', text: '' });
    expect((await mailer.next({ timeoutMs: 20 })).subject).toBe('late');
  });

  it('clear() empties the outbox and restarts next()', async () => {
    const mailer = new MemoryMailer();
    await mailer.send({ to: ['a@example.com'], subject: 'old', text: '' });
    mailer.clear();
    expect(mailer.outbox).toEqual([]);
    await mailer.send({ to: ['a@example.com'], subject: 'new', text: '' });
    expect((await mailer.next()).subject).toBe('new');
  });

  it('refuses header injection and keeps nothing', async () => {
    const mailer = new MemoryMailer();
    await expect(mailer.send({ to: ['a@example.com'], subject: 'x\r\nBcc: e@example.com', text: '' })).rejects.toThrow(ValidationError);
    expect(mailer.outbox).toEqual([]);
  });

  it('refuses a bad default sender at construction', () => {
    expect(() => new MemoryMailer({ defaultFromEmail: 'a@b.com, c@d.com' })).toThrow(ConfigError);
  });
});

describe('ConsoleMailer', () => {
  it('prints the whole message: headers, text and html', async () => {
    const sink = collectingSink();
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const mailer = new ConsoleMailer({ stream: sink, clock, defaultFromEmail: 'noreply@example.com' });
    const link = `https://example.com/reset/${'x'.repeat(120)}/`;
    await mailer.send({
      to: ['ann@example.com', 'bob@example.com'],
      subject: 'Password reset',
      text: `Follow ${link}`,
      html: `<a href="${link}">reset</a>`,
      headers: { 'X-Mailer-Test': 'yes' },
    });
    expect(sink.output).toContain('From: noreply@example.com\n');
    expect(sink.output).toContain('To: ann@example.com, bob@example.com\n');
    expect(sink.output).toContain('Subject: Password reset\n');
    expect(sink.output).toContain('Date: Fri, 02 Jan 2026 03:04:05 GMT\n');
    expect(sink.output).toContain('X-Mailer-Test: yes\n');
    // The link is printed whole, on one line, so it can be copied from the terminal.
    expect(sink.output).toContain(`\nFollow ${link}\n`);
    expect(sink.output).toContain(`<a href="${link}">reset</a>`);
    expect(sink.output.trimEnd().endsWith('-'.repeat(79))).toBe(true);
  });

  it('separates consecutive messages', async () => {
    const sink = collectingSink();
    const mailer = new ConsoleMailer({ stream: sink });
    await mailer.send({ to: ['a@example.com'], subject: 'one', text: '1' });
    await mailer.send({ to: ['a@example.com'], subject: 'two', text: '2' });
    expect(sink.output.split('-'.repeat(79))).toHaveLength(3);
  });

  it('writes to stdout by default', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string, callback?: (error?: Error | null) => void) => {
      writes.push(String(chunk));
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    try {
      await new ConsoleMailer().send({ to: ['a@example.com'], subject: 'to stdout', text: 'hi' });
    } finally {
      process.stdout.write = original;
    }
    expect(writes.join('')).toContain('Subject: to stdout');
  });

  it('refuses header injection and prints nothing', async () => {
    const sink = collectingSink();
    const mailer = new ConsoleMailer({ stream: sink });
    await expect(mailer.send({ to: ['a@example.com\nBcc: e@example.com'], subject: 's', text: '' })).rejects.toMatchObject({
      code: 'gatehouse.mail.header_injection',
    });
    expect(sink.output).toBe('');
  });

  it('passes a stream error on', async () => {
    const failing: TextSink = {
      write: (_chunk, callback) => {
        callback(new Error('EPIPE'));
        return false;
      },
    };
    await expect(new ConsoleMailer({ stream: failing }).send({ to: ['a@example.com'], subject: 's', text: '' })).rejects.toThrow('EPIPE');
  });
});
