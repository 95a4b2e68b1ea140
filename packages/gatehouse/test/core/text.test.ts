/**
 * Issue 9 item 5 (unit part): what counts as storable text, and how the audit log and the
 * account checks use it.
 */
import { describe, expect, test } from 'vitest';
import { cleanEmail, cleanUsername } from '../../src/core/accounts.js';
import { AuditLog } from '../../src/core/audit.js';
import { ManualClock } from '../../src/core/clock.js';
import { ValidationError } from '../../src/core/errors.js';
import type { AuditEvent, AuditStore } from '../../src/core/ports.js';
import { isStorableEmailText, isStorableText, storableText } from '../../src/core/text.js';

describe('isStorableText', () => {
  test.each(['', 'alice', 'café', '😀 emoji pairs are fine', '\t tab and newline \n are storable'])('%j is storable', (value) => {
    expect(isStorableText(value)).toBe(true);
  });
  test.each(['\u0000', 'a\u0000b', '\ud800', 'a\udc00', '\udc00\ud800', 'x\ud83d'])('%j is not', (value) => {
    expect(isStorableText(value)).toBe(false);
  });
  test('non-strings are not', () => {
    expect(isStorableText(undefined)).toBe(false);
    expect(isStorableText(1)).toBe(false);
  });
});

describe('isStorableEmailText', () => {
  test('control characters (C0, DEL, C1) are refused besides NUL and lone surrogates', () => {
    for (const value of ['a@b.c\r\n', 'a\t@b.c', 'a\u007f@b.c', 'a\u0085@b.c', 'a\u0000@b.c', 'a@b.c\ud800'])
      expect(isStorableEmailText(value), JSON.stringify(value)).toBe(false);
    expect(isStorableEmailText('jané@exämple.com')).toBe(true);
  });
});

describe('storableText', () => {
  test('replaces NUL and lone surrogates with U+FFFD, keeps pairs', () => {
    expect(storableText('a\u0000b\ud800c\udc00d😀')).toBe('a\ufffdb\ufffdc\ufffdd😀');
  });
});

describe('cleanUsername / cleanEmail', () => {
  function code(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      if (error instanceof ValidationError) return error.errors[0]?.code;
      throw error;
    }
    return undefined;
  }
  test('refuse unstorable text with coded errors', () => {
    expect(code(() => cleanUsername('ali\u0000ce'))).toBe('username_invalid');
    expect(code(() => cleanUsername('ali\ud800ce'))).toBe('username_invalid');
    expect(code(() => cleanEmail('a\u0000@b.c'))).toBe('email_invalid');
    expect(code(() => cleanEmail('a@b.c\ud800'))).toBe('email_invalid');
    expect(code(() => cleanEmail('a@b.c\u0007'))).toBe('email_invalid');
    expect(() => cleanEmail('a@b.c\u0085')).toThrow(/control characters/);
    expect(cleanEmail('a@b.c')).toBe('a@b.c');
  });
});

describe('AuditLog.record', () => {
  test('stores what an attacker sent made safe, never failing on it; a cut never leaves half a pair', async () => {
    const stored: AuditEvent[] = [];
    const store = {
      append: async (event: AuditEvent, seal: (head: null) => { seq: number; prevHash: string; hash: string }) => {
        stored.push(event);
        return { ...event, ...seal(null) };
      },
    } as unknown as AuditStore;
    const audit = new AuditLog(store, new ManualClock());
    await audit.record({
      actor: 'a\u0000',
      action: 'auth.login_failed',
      target: `${'x'.repeat(254)}😀`,
      ip: '1.2.3.4',
      data: { 'k\u0000': ['v\ud800', { n: 1 }] },
    });
    const event = stored[0]!;
    expect(event.actor).toBe('a\ufffd');
    expect(event.target).toBe(`${'x'.repeat(254)}\ufffd`);
    expect(event.data).toEqual({ 'k\ufffd': ['v\ufffd', { n: 1 }] });
    for (const value of [event.actor, event.target, JSON.stringify(event.data)]) expect(isStorableText(value)).toBe(true);
  });
});
