import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { FileMailer } from '../../src/mail/index.js';
import { parseEml } from './eml.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gh-t-mail-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FileMailer', () => {
  it('writes one parseable .eml file per message, creating the folder', async () => {
    const directory = join(root, 'outbox', 'nested');
    const clock = new ManualClock(Date.UTC(2026, 4, 6, 7, 8, 9, 123));
    const mailer = new FileMailer({ directory, clock, defaultFromEmail: 'Gatehouse <noreply@example.com>' });
    const path = await mailer.write({
      to: ['ann@example.com', 'Bob <bob@example.com>'],
      subject: 'Réinitialisation — ✓',
      text: 'Hello Ann,\nfollow the link.',
      html: '<p>Hello Ann</p>',
      headers: { 'X-Gatehouse': 'reset' },
    });
    expect(path.startsWith(directory)).toBe(true);
    expect(await readdir(directory)).toEqual([`20260506T070809123Z-000000-${path.slice(-12)}`]);

    const mail = parseEml(await readFile(path));
    expect(mail.header('from')).toBe('Gatehouse <noreply@example.com>');
    expect(mail.header('to')).toBe('ann@example.com, Bob <bob@example.com>');
    expect(mail.header('subject')).toBe('Réinitialisation — ✓');
    expect(mail.header('x-gatehouse')).toBe('reset');
    expect(mail.header('mime-version')).toBe('1.0');
    expect(mail.header('message-id')).toMatch(/^<.+@.+>$/);
    expect(new Date(mail.header('date') ?? '').getTime()).toBe(Date.UTC(2026, 4, 6, 7, 8, 9));
    expect(mail.text).toBe('Hello Ann,\nfollow the link.');
    expect(mail.html).toBe('<p>Hello Ann</p>');
    // CRLF line ends, as on the wire.
    expect((await readFile(path, 'utf8')).includes('\r\n')).toBe(true);
  });

  it('keeps saved mail private to the owner (it may hold a reset link)', async () => {
    const path = await new FileMailer({ directory: root }).write({ to: ['a@example.com'], subject: 's', text: 't' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('gives unique names that sort in sending order, leaving no temporary files', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const mailer = new FileMailer({ directory: root, clock });
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 25; i += 1) {
      // Several messages in the same millisecond, then the clock moves on.
      if (i % 10 === 0) clock.advance(1);
      sends.push(mailer.write({ to: ['a@example.com'], subject: `message ${i}`, text: String(i) }));
    }
    const paths = await Promise.all(sends);
    const names = await readdir(root);
    expect(names).toHaveLength(25);
    expect(names.every((name) => /^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}\.eml$/.test(name))).toBe(true);
    const sorted = [...names].sort();
    const subjects = await Promise.all(sorted.map(async (name) => parseEml(await readFile(join(root, name))).header('subject')));
    expect(subjects).toEqual(Array.from({ length: 25 }, (_, i) => `message ${i}`));
    expect(new Set(paths).size).toBe(25);
  });

  it('two mailers on one folder in the same millisecond do not collide', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = new FileMailer({ directory: root, clock });
    const b = new FileMailer({ directory: root, clock });
    await Promise.all([a.send({ to: ['a@example.com'], subject: 'a', text: '' }), b.send({ to: ['b@example.com'], subject: 'b', text: '' })]);
    expect(await readdir(root)).toHaveLength(2);
  });

  it('encodes long lines so the file stays valid, and they decode back whole', async () => {
    const link = `https://example.com/reset/${'a'.repeat(200)}/`;
    const path = await new FileMailer({ directory: root }).write({ to: ['a@example.com'], subject: 's', text: `Go to ${link} now.` });
    const raw = await readFile(path, 'utf8');
    expect(raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(parseEml(raw).text).toBe(`Go to ${link} now.`);
  });

  it('refuses header injection and writes nothing', async () => {
    const mailer = new FileMailer({ directory: root });
    await expect(mailer.send({ to: ['a@example.com'], subject: 'hi\nBcc: evil@example.com', text: '' })).rejects.toMatchObject({
      code: 'gatehouse.mail.header_injection',
    });
    expect(await readdir(root)).toEqual([]);
  });
});
