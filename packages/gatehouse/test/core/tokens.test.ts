import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, GatehouseError } from '../../src/core/errors.js';
import { PasswordResetTokens, uidFromBase64, uidToBase64 } from '../../src/core/tokens.js';
import type { PasswordResetTokensOptions } from '../../src/core/tokens.js';
import { toUser } from '../../src/core/user.js';
import type { User } from '../../src/core/user.js';

const KEY_A = `${'a'.repeat(20)}-first-secret-key-for-tests`;
const KEY_B = `${'b'.repeat(20)}-second-secret-key-for-tests`;
const TIMEOUT = 3 * 24 * 3600;

function makeUser(overrides: Partial<User> = {}): User {
  return toUser({
    id: 7,
    username: 'jane',
    email: 'jane@example.com',
    password: 'argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    firstName: 'Jane',
    lastName: 'Doe',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    lastLogin: Date.UTC(2025, 11, 31, 9, 30, 0, 250),
    dateJoined: Date.UTC(2025, 0, 1),
    authEpoch: 1,
    ...overrides,
  });
}

function setup(secretKeys: readonly string[] = [KEY_A], extra: Partial<PasswordResetTokensOptions> = {}) {
  const clock = new ManualClock();
  return { clock, tokens: new PasswordResetTokens({ secretKeys, timeoutSeconds: TIMEOUT, clock, ...extra }) };
}

function configCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.code;
    throw error;
  }
  return undefined;
}

describe('PasswordResetTokens', () => {
  it('makes a token that checks out for the same user', () => {
    const { tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    expect(token).toMatch(/^[0-9a-z]+-[0-9a-f]{64}$/);
    expect(token.length).toBeLessThanOrEqual(100);
    expect(tokens.check(user, token)).toBe(true);
  });

  it('stamps seconds since 2001-01-01 UTC in base36', () => {
    const { clock, tokens } = setup();
    clock.set(Date.UTC(2001, 0, 1) + 1_000 * 36 ** 3 + 999);
    expect(tokens.make(makeUser()).split('-')[0]).toBe('1000');
  });

  it('expires after timeoutSeconds, not before', () => {
    const { clock, tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    clock.advance(TIMEOUT * 1000);
    expect(tokens.check(user, token)).toBe(true);
    clock.advance(1000);
    expect(tokens.check(user, token)).toBe(false);
  });

  it('refuses tokens dated in the future beyond a small tolerance', () => {
    const { clock, tokens } = setup();
    const user = makeUser();
    const ahead = new ManualClock(clock.now() + 30_000);
    const farAhead = new ManualClock(clock.now() + 5 * 60_000);
    const make = (c: ManualClock) => new PasswordResetTokens({ secretKeys: [KEY_A], timeoutSeconds: TIMEOUT, clock: c }).make(user);
    expect(tokens.check(user, make(ahead))).toBe(true);
    expect(tokens.check(user, make(farAhead))).toBe(false);
  });

  it('dies when the password, last login or email changes', () => {
    const { tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    expect(tokens.check(makeUser({ password: 'argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3' }), token)).toBe(false);
    expect(tokens.check(makeUser({ lastLogin: Date.UTC(2026, 0, 1, 8) }), token)).toBe(false);
    expect(tokens.check(makeUser({ email: 'jane@elsewhere.example' }), token)).toBe(false);
    expect(tokens.check(makeUser({ email: 'Jane@example.com' }), token)).toBe(false);
  });

  it('dies at the first login of a user who never logged in', () => {
    const { tokens } = setup();
    const fresh = makeUser({ lastLogin: null });
    const token = tokens.make(fresh);
    expect(tokens.check(fresh, token)).toBe(true);
    expect(tokens.check(makeUser({ lastLogin: Date.UTC(2026, 0, 1) }), token)).toBe(false);
  });

  it('ignores sub-second last-login precision lost in a database round trip', () => {
    const { tokens } = setup();
    const token = tokens.make(makeUser());
    expect(tokens.check(makeUser({ lastLogin: Date.UTC(2025, 11, 31, 9, 30, 0) }), token)).toBe(true);
  });

  it("refuses another user's token", () => {
    const { tokens } = setup();
    const token = tokens.make(makeUser());
    expect(tokens.check(makeUser({ id: 8 }), token)).toBe(false);
    expect(tokens.check(makeUser({ id: 70, password: makeUser().password.slice(1) }), token)).toBe(false);
  });

  it('verifies with every listed key and signs with the first', () => {
    const user = makeUser();
    const old = setup([KEY_A]);
    const token = old.tokens.make(user);
    const rotated = new PasswordResetTokens({ secretKeys: [KEY_B, KEY_A], timeoutSeconds: TIMEOUT, clock: old.clock });
    expect(rotated.check(user, token)).toBe(true);
    expect(old.tokens.check(user, rotated.make(user))).toBe(false);
    const removed = new PasswordResetTokens({ secretKeys: [KEY_B], timeoutSeconds: TIMEOUT, clock: old.clock });
    expect(removed.check(user, token)).toBe(false);
    expect(removed.check(user, rotated.make(user))).toBe(true);
  });

  it('separates purposes by key salt', () => {
    const user = makeUser();
    const { clock, tokens } = setup();
    const other = new PasswordResetTokens({ secretKeys: [KEY_A], timeoutSeconds: TIMEOUT, clock, keySalt: 'email-confirmation' });
    expect(other.check(user, tokens.make(user))).toBe(false);
    expect(tokens.check(user, other.make(user))).toBe(false);
  });

  it('refuses a token with any single character changed, dropped or added', () => {
    const { tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz-';
    for (let i = 0; i < token.length; i++) {
      for (const replacement of alphabet) {
        if (replacement === token[i]) continue;
        expect(tokens.check(user, token.slice(0, i) + replacement + token.slice(i + 1))).toBe(false);
      }
      expect(tokens.check(user, token.slice(0, i) + token.slice(i + 1))).toBe(false);
    }
    expect(tokens.check(user, `${token}0`)).toBe(false);
    expect(tokens.check(user, `0${token}`)).toBe(false);
    expect(tokens.check(user, token.toUpperCase())).toBe(false);
    expect(tokens.check(user, ` ${token}`)).toBe(false);
  });

  it('returns false for malformed tokens without throwing', () => {
    const { tokens } = setup();
    const user = makeUser();
    const mac = tokens.make(user).split('-')[1] ?? '';
    const malformed: unknown[] = [
      '',
      '-',
      '--',
      'abc',
      'x-y',
      `-${mac}`,
      `1-${mac.slice(1)}`,
      `!!-${mac}`,
      `zzzzzzzzzzz-${mac}`,
      `zzzzzzzzzzzzzzzzzzzz-${mac}`,
      `1e3-${mac}`,
      `ü-${mac}`,
      `１-${mac}`,
      `${'9'.repeat(120)}-${mac}`,
      'a'.repeat(10_000),
      '😀-😀',
      `1-${mac}-1`,
      null,
      undefined,
      42,
      {},
      ['1', mac],
    ];
    for (const token of malformed) expect(tokens.check(user, token as string)).toBe(false);
  });

  it('refuses a token whose timestamp is not spelled canonically', () => {
    const { tokens } = setup();
    const user = makeUser();
    const [stamp, mac] = tokens.make(user).split('-');
    expect(tokens.check(user, `0${stamp}-${mac}`)).toBe(false);
  });

  it('never throws on and never accepts random input (property)', () => {
    const { tokens } = setup();
    const user = makeUser();
    const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
    const shaped = fc
      .tuple(fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 12 }), hex64)
      .map(([stamp, mac]) => `${stamp}-${mac}`);
    const anything = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme' }), shaped);
    fc.assert(
      fc.property(anything, (token) => {
        expect(tokens.check(user, token)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps the derived keys out of serialisation', () => {
    const { tokens } = setup();
    expect(JSON.stringify(tokens)).toBe('{}');
    expect(Object.keys(tokens)).toEqual([]);
  });

  it('rejects bad configuration with coded errors', () => {
    const base = { secretKeys: [KEY_A], timeoutSeconds: TIMEOUT };
    expect(configCode(() => new PasswordResetTokens({ ...base, secretKeys: [] }))).toBe('gatehouse.config.secret_key_missing');
    expect(configCode(() => new PasswordResetTokens({ ...base, secretKeys: [KEY_A, 'short'] }))).toBe('gatehouse.config.secret_key_too_short');
    for (const timeoutSeconds of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(configCode(() => new PasswordResetTokens({ ...base, timeoutSeconds }))).toBe('gatehouse.config.invalid_password_reset_timeout');
    }
  });
});

describe('uidToBase64 / uidFromBase64', () => {
  it("encodes like Django's urlsafe_base64_encode(force_bytes(pk))", () => {
    expect(uidToBase64(1)).toBe('MQ');
    expect(uidToBase64(42)).toBe('NDI');
    expect(uidToBase64(123)).toBe('MTIz');
    expect(uidToBase64(Number.MAX_SAFE_INTEGER)).toBe(Buffer.from('9007199254740991').toString('base64url'));
  });

  it('round-trips every safe non-negative integer (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (id) => {
        expect(uidFromBase64(uidToBase64(id))).toBe(id);
      }),
    );
  });

  it('refuses ids that are not safe non-negative integers', () => {
    for (const id of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => uidToBase64(id)).toThrow(GatehouseError);
    }
  });

  it('returns null for garbage, negatives, non-digits, non-canonical and over-long input', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const garbage: unknown[] = [
      '',
      'MQ==',
      'MQ=',
      'MR',
      'M',
      'M+',
      'M/',
      'MQ ',
      ' MQ',
      'ＭＱ',
      '😀',
      b64('-1'),
      b64('01'),
      b64('1.5'),
      b64('1e3'),
      b64(' 1'),
      b64('abc'),
      b64('9007199254740992'),
      b64('1'.repeat(30)),
      'A'.repeat(1000),
      null,
      1,
      {},
    ];
    for (const input of garbage) expect(uidFromBase64(input as string)).toBeNull();
  });

  it('never throws on random strings (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' })), (input) => {
        const id = uidFromBase64(input);
        if (id !== null) expect(uidToBase64(id)).toBe(input);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('PasswordResetTokens: inactive users (issue 9 item 7)', () => {
  it('never checks a token for an inactive user, even one made while active', () => {
    const { tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    expect(tokens.check(makeUser({ isActive: false }), token)).toBe(false);
    expect(tokens.check(makeUser({ isActive: false }), tokens.make(makeUser({ isActive: false })))).toBe(false);
  });

  it('dies when the auth epoch moves (deactivate then reactivate, log out everywhere)', () => {
    const { tokens } = setup();
    const token = tokens.make(makeUser());
    expect(tokens.check(makeUser({ authEpoch: 2 }), token)).toBe(false);
  });
});

describe('PasswordResetTokens: session-bound values (issue 9 item 9)', () => {
  const SESSION = 'c'.repeat(64);
  const OTHER_SESSION = 'd'.repeat(64);

  it('binds a valid token to one session; the value checks only there, and is not a token', () => {
    const { tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    const bound = tokens.bind(user, token, SESSION);
    expect(bound).not.toBeNull();
    expect(bound).not.toBe(token);
    expect(bound!.split('-')[0]).toBe(token.split('-')[0]);
    expect(tokens.checkBound(user, bound, SESSION)).toBe(true);
    expect(tokens.checkBound(user, bound, OTHER_SESSION)).toBe(false);
    expect(tokens.checkBound(user, token, SESSION)).toBe(false);
    expect(tokens.check(user, bound!)).toBe(false);
  });

  it('refuses to bind an invalid token, and the bound value dies with the same changes as the token', () => {
    const { clock, tokens } = setup();
    const user = makeUser();
    const token = tokens.make(user);
    expect(tokens.bind(user, `${token.slice(0, -1)}0`, SESSION)).toBeNull();
    expect(tokens.bind(user, token, '')).toBeNull();
    const bound = tokens.bind(user, token, SESSION)!;
    expect(tokens.checkBound(makeUser({ isActive: false }), bound, SESSION)).toBe(false);
    expect(tokens.checkBound(makeUser({ password: 'argon2$other' }), bound, SESSION)).toBe(false);
    expect(tokens.checkBound(makeUser({ email: 'new@example.com' }), bound, SESSION)).toBe(false);
    expect(tokens.checkBound(makeUser({ authEpoch: 5 }), bound, SESSION)).toBe(false);
    expect(tokens.checkBound(makeUser({ id: 8 }), bound, SESSION)).toBe(false);
    clock.advance((TIMEOUT + 1) * 1000);
    expect(tokens.checkBound(user, bound, SESSION)).toBe(false);
  });

  it('never throws on garbage', () => {
    const { tokens } = setup();
    const user = makeUser();
    for (const value of [undefined, null, 42, {}, '', 'x', '1-', `1-${'g'.repeat(64)}`, 'a'.repeat(10_000)]) {
      expect(tokens.checkBound(user, value, SESSION)).toBe(false);
    }
  });
});
