import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import {
  CommonPasswordValidator,
  MinimumLengthValidator,
  NumericPasswordValidator,
  UserAttributeSimilarityValidator,
  assertValidPassword,
  defaultPasswordValidators,
  quickRatio,
  validatePassword,
  validatorsFromNames,
} from '../../src/core/password-validation.js';
import type { PasswordValidatorSpec, SimilarityAttribute } from '../../src/core/password-validation.js';

const jane = { username: 'jane_doe', email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe' };

function configCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.code;
    throw error;
  }
  return undefined;
}

describe('MinimumLengthValidator', () => {
  const validator = new MinimumLengthValidator();

  it('refuses passwords under 15 characters by default (NIST SP 800-63B-4) and accepts 15', () => {
    expect(validator.validate('abcdefghijklmn')).toEqual({
      code: 'password_too_short',
      message: 'This password is too short. It must contain at least 15 characters.',
    });
    expect(validator.validate('abcdefghijklmno')).toBeNull();
    expect(validator.helpText()).toBe('Your password must contain at least 15 characters.');
  });

  it('refuses the empty string', () => {
    expect(validator.validate('')?.code).toBe('password_too_short');
  });

  it('counts code points, not UTF-16 units', () => {
    // Four emoji are eight UTF-16 units but four characters, as Python's len() sees them.
    expect(new MinimumLengthValidator({ minLength: 4 }).validate('😀😀😀😀')).toBeNull();
    expect(new MinimumLengthValidator({ minLength: 5 }).validate('😀😀😀😀')?.code).toBe('password_too_short');
    expect(new MinimumLengthValidator({ minLength: 8 }).validate('zażółćgę')).toBeNull();
  });

  it('uses the singular for one character and allows a minimum of 0', () => {
    expect(new MinimumLengthValidator({ minLength: 1 }).validate('')?.message).toMatch(/at least 1 character\.$/);
    expect(new MinimumLengthValidator({ minLength: 0 }).validate('')).toBeNull();
  });

  it('rejects bad options with a coded ConfigError', () => {
    for (const minLength of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(configCode(() => new MinimumLengthValidator({ minLength }))).toBe('gatehouse.config.invalid_password_validator_option');
    }
    const typo = { minLenght: 12 } as unknown as { minLength: number };
    expect(configCode(() => new MinimumLengthValidator(typo))).toBe('gatehouse.config.invalid_password_validator_option');
  });
});

describe('quickRatio', () => {
  it('matches difflib quick_ratio values', () => {
    expect(quickRatio('abcd', 'bcde')).toBe(0.75);
    expect(quickRatio('', '')).toBe(1);
    expect(quickRatio('abc', '')).toBe(0);
    expect(quickRatio('A', 'A'.repeat(10))).toBeCloseTo(2 / 11);
    expect(quickRatio('A', 'A'.repeat(100))).toBeCloseTo(0.019801980198019802);
    // Order is ignored: an anagram scores 1.
    expect(quickRatio('listen', 'silent')).toBe(1);
  });

  it('counts astral characters once', () => {
    expect(quickRatio('😀a', 'a😀')).toBe(1);
    expect(quickRatio('😀', '😁')).toBe(0);
  });
});

describe('UserAttributeSimilarityValidator', () => {
  const validator = new UserAttributeSimilarityValidator();

  it('refuses a password equal or close to an attribute, ignoring case', () => {
    expect(validator.validate('jane_doe', jane)).toEqual({
      code: 'password_too_similar',
      message: 'The password is too similar to the username.',
    });
    expect(validator.validate('JANE_DOE1', jane)?.code).toBe('password_too_similar');
    expect(validator.validate('Jane.Doe@Example.com', jane)?.message).toBe('The password is too similar to the email address.');
  });

  it('compares the parts of an attribute split on non-word characters', () => {
    const user = { email: 'zebra.crossing@stripes.io' };
    expect(validator.validate('crossing', user)?.message).toBe('The password is too similar to the email address.');
    expect(validator.validate('STRIPES', user)?.code).toBe('password_too_similar');
  });

  it('handles unicode attributes and passwords', () => {
    expect(validator.validate('ŁUKASZ', { firstName: 'Łukasz' })?.message).toBe('The password is too similar to the first name.');
    expect(validator.validate('müller-straße', { lastName: 'Müller' })).toBeNull();
    expect(validator.validate('мюллер', { lastName: 'Мюллер' })?.code).toBe('password_too_similar');
    expect(validator.validate('😀😀😀', { username: '😀😀😀' })?.code).toBe('password_too_similar');
  });

  it('accepts unrelated passwords, no user, and empty attributes', () => {
    expect(validator.validate('violet-harbour-97', jane)).toBeNull();
    expect(validator.validate('jane_doe')).toBeNull();
    expect(validator.validate('', { username: '', email: 'x@y.' })).toBeNull();
    expect(validator.validate('', jane)).toBeNull();
  });

  it('honours the attribute list and the threshold', () => {
    const emailOnly = new UserAttributeSimilarityValidator({ attributes: ['email'] });
    expect(emailOnly.validate('jane_doe', { username: 'jane_doe', email: 'someone@else.org' })).toBeNull();
    const strict = new UserAttributeSimilarityValidator({ maxSimilarity: 1 });
    expect(strict.validate('jane_doe1', jane)).toBeNull();
    expect(strict.validate('eod_enaj', jane)?.code).toBe('password_too_similar');
  });

  it('rejects bad options with a coded ConfigError', () => {
    const code = 'gatehouse.config.invalid_password_validator_option';
    for (const maxSimilarity of [0.05, 1.5, Number.NaN]) {
      expect(configCode(() => new UserAttributeSimilarityValidator({ maxSimilarity }))).toBe(code);
    }
    const attributes = ['password'] as unknown as SimilarityAttribute[];
    expect(configCode(() => new UserAttributeSimilarityValidator({ attributes }))).toBe(code);
  });

  it('gives the same answers as comparing every part without the length guard', () => {
    const brute = (password: string, user: Record<string, string>, max: number): boolean => {
      const lowered = password.toLowerCase();
      return Object.values(user).some((value) => {
        const whole = value.toLowerCase();
        return [...whole.split(/[^\p{L}\p{N}_]+/u), whole].some((part) => part !== '' && quickRatio(lowered, part) >= max);
      });
    };
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', '.', '@', 'é', '😀'), maxLength: 24 });
    fc.assert(
      fc.property(text, text, text, fc.double({ min: 0.1, max: 1, noNaN: true }), (password, username, email, max) => {
        const got = new UserAttributeSimilarityValidator({ maxSimilarity: max }).validate(password, { username, email });
        expect(got !== null).toBe(brute(password, { username, email }, max));
      }),
      { numRuns: 500 },
    );
  });
});

describe('CommonPasswordValidator', () => {
  const validator = new CommonPasswordValidator();

  it('refuses common passwords, lower-cased and trimmed', () => {
    expect(validator.validate('password')).toEqual({ code: 'password_too_common', message: 'This password is too common.' });
    expect(validator.validate('  PassWord ')?.code).toBe('password_too_common');
    expect(validator.validate('qwerty')?.code).toBe('password_too_common');
    expect(validator.validate('letmein')?.code).toBe('password_too_common');
  });

  it('accepts uncommon passwords, the empty string and unicode', () => {
    expect(validator.validate('violet-harbour-97')).toBeNull();
    expect(validator.validate('')).toBeNull();
    expect(validator.validate('пароль-с-котом-42')).toBeNull();
    expect(validator.helpText()).toBe("Your password can't be a commonly used password.");
  });

  it('uses a custom list instead of the bundled one, copied at construction', () => {
    const list = ['Hunter2'];
    const custom = new CommonPasswordValidator({ passwords: list });
    list.push('violet-harbour-97');
    expect(custom.validate('HUNTER2')?.code).toBe('password_too_common');
    expect(custom.validate('password')).toBeNull();
    expect(custom.validate('violet-harbour-97')).toBeNull();
  });
});

describe('NumericPasswordValidator', () => {
  const validator = new NumericPasswordValidator();

  it('refuses all-digit passwords in any script', () => {
    expect(validator.validate('12345678')).toEqual({
      code: 'password_entirely_numeric',
      message: 'This password is entirely numeric.',
    });
    expect(validator.validate('١٢٣٤٥٦٧٨')?.code).toBe('password_entirely_numeric');
    expect(validator.validate('１２３４５６７８')?.code).toBe('password_entirely_numeric');
  });

  it('accepts mixed passwords and the empty string', () => {
    expect(validator.validate('1234567a')).toBeNull();
    expect(validator.validate('12 345')).toBeNull();
    expect(validator.validate('')).toBeNull();
  });
});

describe('validatePassword and assertValidPassword', () => {
  const validators = defaultPasswordValidators();

  it('returns every problem, in validator order', () => {
    expect(validatePassword('1234', jane, validators).map((p) => p.code)).toEqual([
      'password_too_short',
      'password_too_common',
      'password_entirely_numeric',
      'password_too_weak',
    ]);
    expect(validatePassword('jane_doe', jane, validators).map((p) => p.code)).toEqual([
      'password_too_similar',
      'password_too_short',
      'password_context_specific',
    ]);
    expect(validatePassword('', null, validators).map((p) => p.code)).toEqual(['password_too_short', 'password_too_weak']);
    expect(validatePassword('violet-harbour-97', jane, validators)).toEqual([]);
  });

  it('throws one ValidationError listing all problems', () => {
    expect(() => assertValidPassword('violet-harbour-97', undefined, validators)).not.toThrow();
    let caught: unknown;
    try {
      assertValidPassword('1234', jane, validators);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.code).toBe('password_too_short');
    expect(error.errors.map((e) => e.code)).toEqual(['password_too_short', 'password_too_common', 'password_entirely_numeric', 'password_too_weak']);
  });

  it('defaultPasswordValidators gives the four Django validators, then context words and strength', () => {
    expect(validators.map((v) => v.constructor.name)).toEqual([
      'UserAttributeSimilarityValidator',
      'MinimumLengthValidator',
      'CommonPasswordValidator',
      'NumericPasswordValidator',
      'ContextWordsValidator',
      'PasswordStrengthValidator',
    ]);
  });
});

describe('validatorsFromNames', () => {
  it('builds validators by name, with options', () => {
    const validators = validatorsFromNames([
      'numeric',
      { name: 'minimumLength', options: { minLength: 12 } },
      { name: 'userAttributeSimilarity', options: { maxSimilarity: 0.5 } },
      { name: 'commonPassword' },
    ]);
    expect(validators[0]).toBeInstanceOf(NumericPasswordValidator);
    expect((validators[1] as MinimumLengthValidator).minLength).toBe(12);
    expect((validators[2] as UserAttributeSimilarityValidator).maxSimilarity).toBe(0.5);
    expect(validators[3]).toBeInstanceOf(CommonPasswordValidator);
  });

  it('throws gatehouse.config.unknown_password_validator for unknown names', () => {
    for (const spec of ['maximumLength', 'constructor', '__proto__', { name: 'toString' }, 42, null]) {
      const specs = [spec] as unknown as PasswordValidatorSpec[];
      expect(configCode(() => validatorsFromNames(specs))).toBe('gatehouse.config.unknown_password_validator');
    }
  });

  it('rejects unknown or malformed options', () => {
    const code = 'gatehouse.config.invalid_password_validator_option';
    const bad = [
      { name: 'minimumLength', options: { min_length: 12 } },
      { name: 'numeric', options: { strict: true } },
      { name: 'commonPassword', options: 'list.txt' },
    ] as unknown as PasswordValidatorSpec[];
    for (const spec of bad) expect(configCode(() => validatorsFromNames([spec]))).toBe(code);
  });
});

describe('very long input', () => {
  const validators = defaultPasswordValidators();
  const long = 'xq7-'.repeat(25_000);
  // Strong at its start (the 48 characters the strength validator analyses), then 100k more.
  const strongLong = `Tundra-Quokka-5841-Velvet-${long}`;

  it('validates a 100k-character password quickly', () => {
    validatePassword('warm-up', jane, validators); // the dictionaries load once, outside the timing
    const started = performance.now();
    expect(validatePassword(strongLong, jane, validators)).toEqual([]);
    // A repeat is what it is, however long: weak (zxcvbn sees a repeat in the first 48 characters).
    expect(validatePassword(long, jane, validators).map((p) => p.code)).toEqual(['password_too_weak']);
    expect(validatePassword('7'.repeat(100_000), jane, validators).map((p) => p.code)).toEqual(['password_entirely_numeric', 'password_too_weak']);
    expect(validatePassword('😀'.repeat(100_000), jane, validators).map((p) => p.code)).toEqual(['password_too_weak']);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('compares a 100k password with 100k attributes in linear time', () => {
    const started = performance.now();
    const user = { username: long, email: `${'a.'.repeat(50_000)}@x.io` };
    expect(new UserAttributeSimilarityValidator().validate(long, user)?.code).toBe('password_too_similar');
    expect(new UserAttributeSimilarityValidator().validate('b'.repeat(100_000), user)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
