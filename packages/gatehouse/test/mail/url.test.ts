import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { ConsoleMailer, type FileMailer, MemoryMailer, SmtpMailer, mailerFromUrl } from '../../src/mail/index.js';

function configErrorOf(url: string): ConfigError {
  try {
    mailerFromUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`mailerFromUrl(${JSON.stringify(url)}) did not throw`);
}

describe('mailerFromUrl', () => {
  it('console:, memory: and file:<dir> build the matching backends', async () => {
    expect(mailerFromUrl('console:')).toBeInstanceOf(ConsoleMailer);
    expect(mailerFromUrl('CONSOLE://')).toBeInstanceOf(ConsoleMailer);
    expect(mailerFromUrl(' memory: ')).toBeInstanceOf(MemoryMailer);
    expect((mailerFromUrl('file:/var/mail/app') as FileMailer).directory).toBe('/var/mail/app');
    expect((mailerFromUrl('file:///var/mail/app') as FileMailer).directory).toBe('/var/mail/app');
    expect((mailerFromUrl('file:relative/dir') as FileMailer).directory).toBe('relative/dir');
  });

  it('passes defaultFromEmail to the backend', async () => {
    const mailer = mailerFromUrl('memory:', { defaultFromEmail: 'noreply@example.com' }) as MemoryMailer;
    await mailer.send({ to: ['a@example.com'], subject: 's', text: 't' });
    expect(mailer.outbox[0]?.from).toBe('noreply@example.com');
  });

  it('file: writes into the named folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-t-mailurl-'));
    try {
      await mailerFromUrl(`file:${dir}`).send({ to: ['a@example.com'], subject: 's', text: 't' });
      expect((await readdir(dir)).filter((name) => name.endsWith('.eml'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('smtp:// and smtps:// build an SmtpMailer with the default ports', () => {
    expect((mailerFromUrl('smtp://mail.example.com') as SmtpMailer).endpoint).toBe('smtp://mail.example.com:25');
    expect((mailerFromUrl('smtp://mail.example.com:2525') as SmtpMailer).endpoint).toBe('smtp://mail.example.com:2525');
    expect((mailerFromUrl('smtps://u:p@mail.example.com') as SmtpMailer).endpoint).toBe('smtps://mail.example.com:465');
    expect((mailerFromUrl('smtp://[::1]:25') as SmtpMailer).endpoint).toBe('smtp://::1:25');
    expect(mailerFromUrl('smtp://mail.example.com:587?requireTLS=true&pool=false')).toBeInstanceOf(SmtpMailer);
  });

  it.each([
    ['', 'it has no scheme'],
    ['mail.example.com', 'it has no scheme'],
    ['http://mail.example.com', 'the scheme is not one of them'],
    ['smtp://', 'it names no host'],
    ['smtp://mail.example.com:0', 'the port is not 1-65535'],
    ['smtp://mail.example.com:70000', 'not a valid URL'],
    ['smtp://mail.example.com/path', 'it has a path'],
    ['smtp://mail.example.com?tls=yes', 'the option "tls" is unknown'],
    ['smtp://mail.example.com?requireTLS=yes', 'must be true or false'],
    ['file:', 'it names no directory'],
    ['console:stdout', 'console: takes nothing'],
    ['memory:x', 'memory: takes nothing'],
  ])('refuses %j with gatehouse.config.bad_email_url', (url, why) => {
    const error = configErrorOf(url);
    expect(error.code).toBe('gatehouse.config.bad_email_url');
    expect(error.message).toContain(why);
    // Every refusal lists what is accepted.
    for (const form of ['smtp://[user:pass@]host[:port]', 'smtps://', 'console:', 'file:<directory>', 'memory:']) {
      expect(error.message).toContain(form);
    }
  });

  it('never shows the password (or user) of a bad URL', () => {
    for (const url of [
      'smtp://alice:hunter2-secret@mail.example.com/inbox',
      'smtp://alice:hunter2-secret@mail.example.com:99999',
      'smtp://alice:hunter2-secret@mail.example.com?x=1',
      'smtps://alice:hunter2%ZZsecret@mail.example.com',
      'smpt://alice:hunter2-secret@mail.example.com',
    ]) {
      const error = configErrorOf(url);
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('alice');
    }
  });

  it('refuses a bad defaultFromEmail', () => {
    expect(() => mailerFromUrl('console:', { defaultFromEmail: 'x\r\nBcc: y@example.com' })).toThrow(/defaultFromEmail/);
  });
});
