import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import { checkDefaultFromEmail, isSingleAddress, prepareMessage } from '../../src/mail/index.js';

const base = { to: ['ann@example.com'], subject: 'Hello', text: 'Body' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).code;
  }
  return undefined;
}

describe('prepareMessage', () => {
  it('fills in the default sender and keeps everything else', () => {
    const mail = prepareMessage({ ...base, html: '<p>Body</p>', headers: { 'Reply-To': 'help@example.com' } }, 'noreply@example.com');
    expect(mail).toEqual({
      from: 'noreply@example.com',
      to: ['ann@example.com'],
      subject: 'Hello',
      text: 'Body',
      html: '<p>Body</p>',
      headers: { 'Reply-To': 'help@example.com' },
    });
    expect(Object.isFrozen(mail)).toBe(true);
    expect(prepareMessage({ ...base, from: 'Team <team@example.com>' }, 'noreply@example.com').from).toBe('Team <team@example.com>');
  });

  it.each([
    ['subject with LF', { ...base, subject: 'Hi\nBcc: evil@example.com' }],
    ['subject with CR', { ...base, subject: 'Hi\rBcc: evil@example.com' }],
    ['subject with CRLF', { ...base, subject: 'Hi\r\nBcc: evil@example.com' }],
    ['from with LF', { ...base, from: 'a@example.com\nBcc: evil@example.com' }],
    ['to with CRLF', { ...base, to: ['ann@example.com\r\nBcc: evil@example.com'] }],
    ['second recipient with LF', { ...base, to: ['ann@example.com', 'bob@example.com\n'] }],
    ['header value with LF', { ...base, headers: { 'X-Note': 'a\nBcc: evil@example.com' } }],
  ])('refuses header injection: %s', (_label, message) => {
    expect(codeOf(() => prepareMessage(message, 'noreply@example.com'))).toBe('gatehouse.mail.header_injection');
  });

  it('says what is wrong in the error message', () => {
    expect(() => prepareMessage({ ...base, subject: 'a\nb' }, 'x@example.com')).toThrow(/subject contains a line break/);
    expect(() => prepareMessage({ ...base, to: ['a@example.com\n'] }, 'x@example.com')).toThrow(/to\[0\] contains a line break/);
  });

  it.each([
    ['two addresses in one entry (comma)', 'ann@example.com, evil@example.com'],
    ['two addresses in one entry (semicolon)', 'ann@example.com;evil@example.com'],
    ['no domain', 'ann'],
    ['empty', ''],
    ['a group', 'friends: ann@example.com;'],
    ['unquoted comma in the name', 'Ann, Evil <ann@example.com>'],
  ])('refuses a recipient that is not exactly one address: %s', (_label, address) => {
    expect(codeOf(() => prepareMessage({ ...base, to: [address] }, 'noreply@example.com'))).toBe('gatehouse.mail.bad_address');
  });

  it('accepts the usual address forms', () => {
    for (const address of ['ann@example.com', 'Ann <ann@example.com>', '"Ann, Sales" <ann@example.com>', 'ann+tag@sub.example.co.uk', 'änn@exämple.com']) {
      expect(isSingleAddress(address)).toBe(true);
    }
  });

  it('refuses a message without recipients', () => {
    expect(codeOf(() => prepareMessage({ ...base, to: [] }, 'noreply@example.com'))).toBe('gatehouse.mail.no_recipients');
  });

  it('refuses custom headers that would override structural ones, and bad header names', () => {
    for (const name of ['Bcc', 'to', 'Content-Type', 'SUBJECT', 'From']) {
      expect(codeOf(() => prepareMessage({ ...base, headers: { [name]: 'x' } }, 'noreply@example.com'))).toBe('gatehouse.mail.bad_header');
    }
    expect(codeOf(() => prepareMessage({ ...base, headers: { 'Bad Name': 'x' } }, 'noreply@example.com'))).toBe('gatehouse.mail.bad_header');
    expect(codeOf(() => prepareMessage({ ...base, headers: { 'X:Y': 'x' } }, 'noreply@example.com'))).toBe('gatehouse.mail.bad_header');
  });

  it('checks a configured default sender at construction', () => {
    expect(checkDefaultFromEmail('noreply@example.com')).toBe('noreply@example.com');
    expect(() => checkDefaultFromEmail('noreply@example.com\nBcc: x@example.com')).toThrow(ConfigError);
    expect(() => checkDefaultFromEmail('not an address')).toThrow(/defaultFromEmail must be one address/);
  });
});
