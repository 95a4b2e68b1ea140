/**
 * Issue 9 item 16, the validators: zxcvbn strength (breached and common passwords, keyboard walks,
 * sequences, repeats, dates, l33t, long common strings), context words (the user's details and the
 * site's own words, which `createGatehouse` gathers from siteName, passwordContextWords, app labels
 * and role names), and the validator's cost, measured for 15-, 64- and 4096-character passwords.
 */
import { describe, expect, it } from 'vitest';
import { createGatehouse } from '../../src/core/gatehouse.js';
import { defineApps } from '../../src/core/permissions.js';
import {
  ContextWordsValidator,
  DEFAULT_MIN_GUESSES_LOG10,
  PasswordStrengthValidator,
  contextWordsFor,
  defaultPasswordValidators,
  validatePassword,
  validatorsFromNames,
} from '../../src/core/password-validation.js';
import { defineRoles } from '../../src/core/roles.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Stores } from '../../src/core/ports.js';

const strength = new PasswordStrengthValidator();
const codes = (password: string, user?: Parameters<typeof validatePassword>[1], words?: string[]) =>
  validatePassword(password, user, defaultPasswordValidators(), words ? { words } : undefined).map((p) => p.code);

describe('PasswordStrengthValidator (zxcvbn)', () => {
  it('refuses 15+ character passwords an attacker tries early', () => {
    const weak = [
      'passwordpassword123!', // a breached password, repeated
      'qwertyuiopasdfghjkl', // a keyboard walk
      '1qaz2wsx3edc4rfv5tgb', // a vertical keyboard walk
      'zxcvbnmasdfghjkl', // keyboard rows
      'abcdefghijklmnopqrs', // a sequence
      '9876543210987654', // a descending sequence, repeated
      'aaaaaaaaaaaaaaaaaaaa', // a repeat
      'P@ssw0rdP@ssw0rd2024', // l33t, repeated, a year
      'Summer2024!Summer', // a season and a year, repeated
      'M0nk3yBus1n3ss!!', // l33t words
      '1L0v3Y0uF0r3v3r!', // l33t words
      'iloveyouiloveyou', // breached, repeated
      'michaeljordan1990', // names and a year
      '01011990-01011990', // a date, repeated
      'monkeymonkeymonkey', // a common word, repeated
    ];
    for (const password of weak) expect(strength.validate(password)?.code, password).toBe('password_too_weak');
  });

  it('accepts long random-looking passwords and passphrases of unrelated words', () => {
    for (const password of [
      'Tundra-Quokka-5841-Velvet',
      'correct horse battery staple',
      'lantern-quartz-meadow',
      'Marigold-Zephyr-2290-Anvil',
      'vK3#qP9!zW2@mL7$',
    ]) {
      expect(strength.validate(password), password).toBeNull();
      expect(codes(password), password).toEqual([]);
    }
  });

  it('uses 10^10 guesses (zxcvbn score 4) by default; the threshold is configurable, and checked', () => {
    expect(DEFAULT_MIN_GUESSES_LOG10).toBe(10);
    expect(strength.minGuessesLog10).toBe(10);
    // `Summer2024!Summer` is ~10^9 guesses: refused at the default, accepted at 10^8.
    expect(strength.validate('Summer2024!Summer')?.code).toBe('password_too_weak');
    expect(new PasswordStrengthValidator({ minGuessesLog10: 8 }).validate('Summer2024!Summer')).toBeNull();
    for (const options of [
      { minGuessesLog10: -1 },
      { minGuessesLog10: Number.NaN },
      { maxAnalysedLength: 4 },
      { maxAnalysedLength: 1000 },
      { minGuesses: 3 },
    ]) {
      expect(() => new PasswordStrengthValidator(options as never)).toThrow(ConfigError);
    }
    expect(validatorsFromNames([{ name: 'strength', options: { minGuessesLog10: 12 } }])[0]).toMatchObject({ minGuessesLog10: 12 });
  });

  it('analyses only the first 48 characters: strong there is strong, weak there is weak', () => {
    expect(strength.maxAnalysedLength).toBe(48);
    expect(strength.validate(`Tundra-Quokka-5841-Velvet-${'a'.repeat(4000)}`)).toBeNull();
    expect(strength.validate(`${'a'.repeat(48)}Tundra-Quokka-5841-Velvet`)?.code).toBe('password_too_weak');
  });

  it('measures: median time of one validation at 15, 64 and 4096 characters (printed)', () => {
    const validators = defaultPasswordValidators();
    validatePassword('warm-up the dictionaries', undefined, validators);
    const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_!#%';
    let seed = 7;
    const random = (length: number): string => {
      let out = '';
      for (let i = 0; i < length; i += 1) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        out += alphabet[seed % alphabet.length];
      }
      return out;
    };
    const medians: Record<number, number> = {};
    for (const length of [15, 64, 4096]) {
      const times: number[] = [];
      for (let run = 0; run < 15; run += 1) {
        const password = random(length);
        const started = performance.now();
        validatePassword(password, { username: 'jane_doe', email: 'jane.doe@example.com' }, validators, { words: ['Acme', 'billing', 'Finance Approver'] });
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      medians[length] = times[Math.floor(times.length / 2)]!;
    }
    console.log(
      `password validators, median of 15: 15 chars ${medians[15]!.toFixed(1)} ms, 64 chars ${medians[64]!.toFixed(1)} ms, 4096 chars ${medians[4096]!.toFixed(1)} ms`,
    );
    // Bounded: past the analysed prefix, length costs only linear scans.
    expect(medians[4096]!).toBeLessThan(Math.max(250, medians[64]! * 4));
  });
});

describe('context-specific passwords', () => {
  const jane = { username: 'jane_doe', email: 'jane.doe@mail.acme-corp.example', firstName: 'Janet', lastName: 'Okafor' };

  it('gathers the username, the email local part, its pieces and domain labels, the names and the site words', () => {
    expect(contextWordsFor(jane, { words: ['Billing', 'Finance Approver'] })).toEqual(
      expect.arrayContaining([
        'jane_doe',
        'jane',
        'doe',
        'jane.doe',
        'mail',
        'acme-corp',
        'acme',
        'corp',
        'example',
        'janet',
        'okafor',
        'billing',
        'finance approver',
        'finance',
        'approver',
      ]),
    );
  });

  it('refuses passwords built from them, l33t spellings and repeats included', () => {
    for (const password of ['JaneDoe-JaneDoe-2024', 'Okafor.Janet.1990!!', 'acme-corp-acme-corp!', 'J4n3t-0k4f0r-2024!!']) {
      expect(codes(password, jane), password).toContain('password_context_specific');
    }
    for (const password of ['Billing-Billing-2024!', 'Finance-Approver-2024', 'B1ll1ng-Appr0ver-99!!']) {
      expect(codes(password, undefined, ['Billing', 'Finance Approver']), password).toContain('password_context_specific');
      // The same passwords on a site without those words are a matter for the strength check only.
      expect(codes(password), password).not.toContain('password_context_specific');
    }
    // A context word inside an otherwise strong password is fine.
    expect(codes('Billing-Tundra-Quokka-5841', undefined, ['Billing'])).toEqual([]);
    expect(new ContextWordsValidator().validate('Tundra-Quokka-5841-Velvet', jane, { words: ['Billing'] })).toBeNull();
  });

  it('createGatehouse feeds the site name, passwordContextWords, app labels and role names to every check', () => {
    const apps = defineApps({ payroll: { models: { payslip: {} } } });
    const gatehouse = createGatehouse({
      stores: {} as Stores,
      apps,
      roles: defineRoles({ 'Night Auditor': [] }),
      config: { siteName: 'Hyperion', passwordContextWords: ['Zanzibar'] },
    });
    expect(gatehouse.accounts.contextWords).toEqual(expect.arrayContaining(['Hyperion', 'Zanzibar', 'payroll', 'auth', 'Night Auditor']));
    for (const password of ['Hyperion-Hyperion-2024', 'Zanzibar!Zanzibar!99', 'Payroll-Payroll-2024!', 'Night-Auditor-2024!!']) {
      expect(
        gatehouse.accounts.passwordProblems(password).map((p) => p.code),
        password,
      ).toContain('password_context_specific');
    }
    expect(gatehouse.accounts.passwordProblems('Tundra-Quokka-5841-Velvet')).toEqual([]);
  });

  it('asks for 15 characters by default', () => {
    const gatehouse = createGatehouse({ stores: {} as Stores });
    expect(gatehouse.accounts.passwordProblems('Quokka-5841-Ve').map((p) => p.code)).toContain('password_too_short');
    expect(gatehouse.accounts.passwordProblems('Quokka-5841-Vel').map((p) => p.code)).not.toContain('password_too_short');
  });
});
