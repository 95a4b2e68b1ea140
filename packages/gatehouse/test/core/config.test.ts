import { availableParallelism } from 'node:os';
/**
 * `resolveConfig`: every default in one place, the result frozen, and each misconfiguration
 * refused at start-up with a `ConfigError` whose stable code says what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { type GatehouseConfigInput, defaults, resolveConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';

const KEY = 'k3y-for-tests-0123456789-abcdefghijklmnop';

/** The code of the ConfigError `resolveConfig(input)` throws; fails if it throws anything else. */
function codeOf(input: GatehouseConfigInput): string {
  try {
    resolveConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).code;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

/** Input as untyped JavaScript (a config file, environment parsing) might give it. */
function untyped(value: unknown): GatehouseConfigInput {
  return value as GatehouseConfigInput;
}

describe('resolveConfig defaults', () => {
  it('fills every setting from `defaults` when given nothing', () => {
    const config = resolveConfig();
    expect(config).toEqual({
      secretKeys: [],
      production: false,
      passwordHashers: [...defaults.passwordHashers],
      passwordHasherSettings: {},
      passwordValidators: defaults.passwordValidators,
      siteName: '',
      passwordContextWords: [],
      confusableUsernameCheck: true,
      maxPasswordLength: 4096,
      passwordHashConcurrency: Math.max(1, availableParallelism() - 1),
      passwordHashQueueLimit: 64 * Math.max(1, availableParallelism() - 1),
      passwordResetTimeout: 3600,
      loginUrl: '/accounts/login/',
      loginRedirectUrl: '/accounts/profile/',
      logoutRedirectUrl: '/accounts/login/',
      reauthMaxAge: 600,
      emailUnique: true,
      defaultFromEmail: 'webmaster@localhost',
      allowedRedirectHosts: [],
      session: {
        cookieName: 'sessionid',
        idleTimeout: 1800,
        maxAge: 43200,
        cookieSecure: false,
        cookieHttpOnly: true,
        cookieSameSite: 'lax',
        cookieDomain: null,
        cookiePath: '/',
        touchInterval: 60,
      },
      permissionCache: { size: 10_000 },
      csrf: { cookieName: 'csrftoken', fieldName: 'csrfmiddlewaretoken', headerName: 'x-csrftoken', trustedOrigins: [], cookieHttpOnly: true },
      throttle: { perAccountAndAddress: 5, perAddress: 50, window: 900 },
      passwordReset: { perEmail: 3, perAddress: 10, invalidLinksPerAddress: 20, window: 3600, maxQueuedMails: 1000 },
      warnings: [],
    });
  });

  it('prefers argon2 and keeps Django’s hashers after it to verify old hashes', () => {
    const { passwordHashers } = resolveConfig();
    expect(passwordHashers[0]).toBe('argon2');
    expect(passwordHashers).toEqual(expect.arrayContaining(['pbkdf2_sha256', 'pbkdf2_sha1', 'bcrypt_sha256', 'bcrypt']));
  });

  it('leaves the legacy fast digests out by default, and accepts them by name', () => {
    const { passwordHashers } = resolveConfig();
    for (const legacy of ['md5', 'sha1', 'unsalted_md5', 'unsalted_sha1']) expect(passwordHashers).not.toContain(legacy);
    expect(resolveConfig({ passwordHashers: [...passwordHashers, 'md5', 'unsalted_sha1'] }).passwordHashers).toContain('md5');
  });

  it('asks for 15-character passwords by default (NIST SP 800-63B-4), configurable', () => {
    expect(defaults.passwordValidators).toContainEqual({ name: 'minimumLength', options: { minLength: 15 } });
    expect(defaults.passwordValidators).toEqual(expect.arrayContaining(['contextWords', 'strength']));
  });

  it('turns on Secure cookies in production unless told otherwise, and keeps them off in development', () => {
    expect(resolveConfig({ production: true, secretKey: KEY }).session.cookieSecure).toBe(true);
    expect(resolveConfig({}).session.cookieSecure).toBe(false);
  });

  it('merges nested settings over their defaults, keeping the rest', () => {
    const config = resolveConfig({ session: { idleTimeout: 60 }, csrf: { trustedOrigins: ['https://admin.example.com'] }, throttle: { perAddress: 10 } });
    expect(config.session).toMatchObject({ idleTimeout: 60, maxAge: 43200, cookieName: 'sessionid' });
    expect(config.csrf).toMatchObject({ trustedOrigins: ['https://admin.example.com'], fieldName: 'csrfmiddlewaretoken' });
    expect(config.throttle).toEqual({ perAccountAndAddress: 5, perAddress: 10, window: 900 });
  });

  it('takes one secret key or several (rotation), in order', () => {
    expect(resolveConfig({ secretKey: KEY }).secretKeys).toEqual([KEY]);
    const older = `${KEY}-older`;
    expect(resolveConfig({ secretKey: [KEY, older] }).secretKeys).toEqual([KEY, older]);
  });
});

describe('resolveConfig freezes its result', () => {
  it('freezes the object and everything in it', () => {
    const config = resolveConfig({ secretKey: KEY, allowedRedirectHosts: ['example.com'] });
    for (const part of [
      config,
      config.session,
      config.csrf,
      config.throttle,
      config.secretKeys,
      config.passwordHashers,
      config.allowedRedirectHosts,
      config.csrf.trustedOrigins,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { loginUrl: string }).loginUrl = '/elsewhere/';
    }).toThrow(TypeError);
    expect(() => {
      (config.session as { cookieSecure: boolean }).cookieSecure = true;
    }).toThrow(TypeError);
    expect(() => {
      (config.passwordHashers as string[]).push('md5');
    }).toThrow(TypeError);
  });

  it('does not share arrays with the input or with `defaults`: changing them later changes nothing', () => {
    const hosts = ['example.com'];
    const hashers = ['argon2', 'pbkdf2_sha256'];
    const config = resolveConfig({ allowedRedirectHosts: hosts, passwordHashers: hashers });
    hosts.push('evil.example');
    hashers.push('md5');
    expect(config.allowedRedirectHosts).toEqual(['example.com']);
    expect(config.passwordHashers).toEqual(['argon2', 'pbkdf2_sha256']);
    // And resolving froze nothing the caller still owns.
    expect(Object.isFrozen(hosts)).toBe(false);
    expect(Object.isFrozen(defaults.session)).toBe(false);
    expect(resolveConfig().allowedRedirectHosts).toEqual([]);
  });
});

describe('resolveConfig refuses misconfiguration with a coded ConfigError', () => {
  describe('secret keys', () => {
    it('secret_key_missing: production without a key', () => {
      expect(codeOf({ production: true })).toBe('gatehouse.config.secret_key_missing');
      expect(codeOf({ production: true, secretKey: [] })).toBe('gatehouse.config.secret_key_missing');
    });

    it('accepts no key outside production (the core then makes an ephemeral one)', () => {
      expect(resolveConfig({}).secretKeys).toEqual([]);
    });

    it('secret_key_empty: an empty key, alone or among others', () => {
      expect(codeOf({ secretKey: '' })).toBe('gatehouse.config.secret_key_empty');
      expect(codeOf({ secretKey: [KEY, ''] })).toBe('gatehouse.config.secret_key_empty');
      expect(codeOf(untyped({ secretKey: [KEY, 42] }))).toBe('gatehouse.config.secret_key_empty');
    });

    it('secret_key_weak: a key under 32 characters, in development too, and an old rotated key too', () => {
      expect(codeOf({ secretKey: 'short-key' })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: KEY.slice(0, 31) })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: [KEY, 'old-short-key'] })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ production: true, secretKey: 'short-key' })).toBe('gatehouse.config.secret_key_weak');
      expect(resolveConfig({ secretKey: KEY.slice(0, 32) }).secretKeys).toEqual([KEY.slice(0, 32)]);
    });

    it('secret_key_weak: a long key made of a handful of characters', () => {
      expect(codeOf({ secretKey: 'a'.repeat(64) })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: 'abab'.repeat(16) })).toBe('gatehouse.config.secret_key_weak');
      // Repetitions of a word, and too few distinct characters, however long.
      expect(codeOf({ secretKey: 'passwordpasswordpasswordpassword' })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: 'abcdeabcdeabcdeabcdeabcdeabcdeab' })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: 'Xy7-Xy7-Xy7-Xy7-Xy7-Xy7-Xy7-Xy7-Xy7' })).toBe('gatehouse.config.secret_key_weak');
      expect(codeOf({ secretKey: 'abcdefghi-abcdefghi-abcdefghi-abcdefghi' })).toBe('gatehouse.config.secret_key_weak');
    });

    it('names the fix in the message without echoing the key', () => {
      try {
        resolveConfig({ secretKey: 'tiny-secret-value' });
      } catch (error) {
        expect((error as ConfigError).message).toContain('32');
        expect((error as ConfigError).message).not.toContain('tiny-secret-value');
        return;
      }
      throw new Error('expected a ConfigError');
    });
  });

  describe('hashers and validators', () => {
    it('no_hashers: an empty list', () => {
      expect(codeOf({ passwordHashers: [] })).toBe('gatehouse.config.no_hashers');
    });

    it('unknown_hasher: a name that is not a hasher, listing the known ones', () => {
      expect(codeOf({ passwordHashers: ['argon2', 'rot13'] })).toBe('gatehouse.config.unknown_hasher');
      try {
        resolveConfig({ passwordHashers: ['rot13'] });
      } catch (error) {
        expect((error as ConfigError).message).toContain('rot13');
        expect((error as ConfigError).message).toContain('argon2');
      }
    });

    it('unknown_password_validator: a validator name that does not exist', () => {
      expect(codeOf(untyped({ passwordValidators: ['noSuchValidator'] }))).toBe('gatehouse.config.unknown_password_validator');
      expect(codeOf(untyped({ passwordValidators: [{ name: 'constructor' }] }))).toBe('gatehouse.config.unknown_password_validator');
    });

    it('invalid_password_validator_option: an unknown or out-of-range option', () => {
      expect(codeOf(untyped({ passwordValidators: [{ name: 'minimumLength', options: { minLenght: 12 } }] }))).toBe(
        'gatehouse.config.invalid_password_validator_option',
      );
      expect(codeOf(untyped({ passwordValidators: [{ name: 'minimumLength', options: { minLength: -1 } }] }))).toBe(
        'gatehouse.config.invalid_password_validator_option',
      );
    });
  });

  describe('timeouts and limits', () => {
    it.each([
      ['passwordResetTimeout', { passwordResetTimeout: 0 }],
      ['passwordResetTimeout', { passwordResetTimeout: -5 }],
      ['passwordResetTimeout', { passwordResetTimeout: 1.5 }],
      ['passwordResetTimeout', { passwordResetTimeout: Number.NaN }],
      ['reauthMaxAge', { reauthMaxAge: 0 }],
      ['session.idleTimeout', { session: { idleTimeout: 0 } }],
      ['session.idleTimeout', { session: { idleTimeout: Number.POSITIVE_INFINITY } }],
      ['session.maxAge', { session: { maxAge: -1 } }],
      ['session.touchInterval', { session: { touchInterval: -1 } }],
      ['session.touchInterval', { session: { touchInterval: 0.5 } }],
      ['throttle.window', { throttle: { window: 0 } }],
      ['throttle.perAddress', { throttle: { perAddress: 0 } }],
      ['throttle.perAccountAndAddress', { throttle: { perAccountAndAddress: 2.5 } }],
    ] as [string, GatehouseConfigInput][])('invalid_timeout: %s in %j', (name, input) => {
      expect(codeOf(input)).toBe('gatehouse.config.invalid_timeout');
      try {
        resolveConfig(input);
      } catch (error) {
        expect((error as ConfigError).message).toContain(name);
      }
    });

    it('accepts touchInterval 0 (write lastSeenAt on every request)', () => {
      expect(resolveConfig({ session: { touchInterval: 0 } }).session.touchInterval).toBe(0);
    });

    it('invalid_max_password_length: below 8, above 65536 or not whole', () => {
      for (const maxPasswordLength of [7, 65_537, 100.5, 0]) {
        expect(codeOf({ maxPasswordLength })).toBe('gatehouse.config.invalid_max_password_length');
      }
      expect(resolveConfig({ maxPasswordLength: 8 }).maxPasswordLength).toBe(8);
      expect(resolveConfig({ maxPasswordLength: 65_536 }).maxPasswordLength).toBe(65_536);
    });

    it('invalid_hash_concurrency: below 1, above 1024 or not whole', () => {
      for (const passwordHashConcurrency of [0, -1, 1.5, 1025, Number.NaN]) {
        expect(codeOf({ passwordHashConcurrency })).toBe('gatehouse.config.invalid_hash_concurrency');
      }
      expect(resolveConfig({ passwordHashConcurrency: 1 }).passwordHashConcurrency).toBe(1);
      expect(resolveConfig({ passwordHashConcurrency: 8 }).passwordHashConcurrency).toBe(8);
    });
  });

  describe('URLs', () => {
    it.each(['loginUrl', 'loginRedirectUrl', 'logoutRedirectUrl'] as const)('invalid_url: %s must be a local path', (name) => {
      for (const bad of ['https://evil.example/login', '//evil.example/login', 'accounts/login/', '/\\evil.example', '\\\\evil.example', '']) {
        expect(codeOf({ [name]: bad })).toBe('gatehouse.config.invalid_url');
      }
      expect(resolveConfig({ [name]: '/sign-in/?from=config' })[name]).toBe('/sign-in/?from=config');
    });
  });

  describe('cookies', () => {
    it('samesite_none_insecure: SameSite none without Secure', () => {
      expect(codeOf({ session: { cookieSameSite: 'none' } })).toBe('gatehouse.config.samesite_none_insecure');
      expect(codeOf({ production: true, secretKey: KEY, session: { cookieSameSite: 'none', cookieSecure: false } })).toBe(
        'gatehouse.config.samesite_none_insecure',
      );
      expect(resolveConfig({ session: { cookieSameSite: 'none', cookieSecure: true } }).session.cookieSameSite).toBe('none');
    });

    it('invalid_samesite: a value other than lax, strict or none (Django spells it "None")', () => {
      expect(codeOf(untyped({ session: { cookieSameSite: 'None' } }))).toBe('gatehouse.config.invalid_samesite');
      expect(codeOf(untyped({ session: { cookieSameSite: 'sometimes', cookieSecure: true } }))).toBe('gatehouse.config.invalid_samesite');
    });

    it('insecure_cookie_in_production: turning Secure off in production', () => {
      expect(codeOf({ production: true, secretKey: KEY, session: { cookieSecure: false } })).toBe('gatehouse.config.insecure_cookie_in_production');
    });
  });
});

describe('session.touchInterval stays below session.idleTimeout (issue 9, item 11)', () => {
  it('keeps the default 60 s when the idle timeout is long enough', () => {
    expect(resolveConfig().session.touchInterval).toBe(60);
    expect(resolveConfig({ session: { idleTimeout: 600 } }).session.touchInterval).toBe(60);
  });

  it('clamps the default to a tenth of a short idle timeout, so an active session is refreshed in time', () => {
    expect(resolveConfig({ session: { idleTimeout: 30 } }).session.touchInterval).toBe(3);
    expect(resolveConfig({ session: { idleTimeout: 60 } }).session.touchInterval).toBe(6);
    expect(resolveConfig({ session: { idleTimeout: 599 } }).session.touchInterval).toBe(59);
    // Below 10 s: every request writes.
    expect(resolveConfig({ session: { idleTimeout: 5 } }).session.touchInterval).toBe(0);
  });

  it('touch_interval_too_long: an explicit touchInterval at or above the idle timeout', () => {
    expect(codeOf({ session: { idleTimeout: 30, touchInterval: 60 } })).toBe('gatehouse.config.touch_interval_too_long');
    expect(codeOf({ session: { idleTimeout: 30, touchInterval: 30 } })).toBe('gatehouse.config.touch_interval_too_long');
    expect(codeOf({ session: { touchInterval: 1800 } })).toBe('gatehouse.config.touch_interval_too_long');
  });

  it('keeps an explicit touchInterval below the idle timeout as given', () => {
    expect(resolveConfig({ session: { idleTimeout: 30, touchInterval: 29 } }).session.touchInterval).toBe(29);
    expect(resolveConfig({ session: { idleTimeout: 30, touchInterval: 0 } }).session.touchInterval).toBe(0);
  });
});

describe('production follows NODE_ENV (issue 9, item 13)', () => {
  it('is on with NODE_ENV=production and no config.production, and then refuses to start without a secret key', () => {
    expect(resolveConfig({ secretKey: KEY }, { NODE_ENV: 'production' }).production).toBe(true);
    expect(resolveConfig({ secretKey: KEY }, { NODE_ENV: 'production' }).session.cookieSecure).toBe(true);
    let caught: unknown;
    try {
      resolveConfig({}, { NODE_ENV: 'production' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('gatehouse.config.secret_key_missing');
  });

  it('reads process.env by default (vitest runs with NODE_ENV=test, so development mode)', () => {
    const saved = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'production';
      expect(() => resolveConfig({})).toThrow(ConfigError);
      expect(resolveConfig({ secretKey: KEY }).production).toBe(true);
    } finally {
      process.env.NODE_ENV = saved;
    }
    expect(resolveConfig({}).production).toBe(false);
  });

  it('is off for development, test and an unset NODE_ENV, without warnings', () => {
    for (const env of [{ NODE_ENV: 'development' }, { NODE_ENV: 'test' }, {}, { NODE_ENV: '' }]) {
      const config = resolveConfig({}, env);
      expect(config.production).toBe(false);
      expect(config.warnings).toEqual([]);
    }
  });

  it('lets an explicit production: false win over NODE_ENV=production (and true over development)', () => {
    const config = resolveConfig({ production: false }, { NODE_ENV: 'production' });
    expect(config.production).toBe(false);
    expect(config.secretKeys).toEqual([]);
    expect(resolveConfig({ production: true, secretKey: KEY }, { NODE_ENV: 'development' }).production).toBe(true);
  });

  it('refuses NODE_ENV values meant as production but misspelt, rather than run in development mode', () => {
    for (const nodeEnv of ['Production', 'PRODUCTION', 'prod', 'Prod', ' production ']) {
      expect(() => resolveConfig({}, { NODE_ENV: nodeEnv })).toThrow(expect.objectContaining({ code: 'gatehouse.config.misspelt_node_env' }));
    }
    // An explicit choice in config wins, as for every NODE_ENV.
    expect(resolveConfig({ production: false }, { NODE_ENV: 'Production' }).production).toBe(false);
  });

  it('warns once, with a code, about an unknown NODE_ENV such as "staging", in development mode', () => {
    const config = resolveConfig({}, { NODE_ENV: 'staging' });
    expect(config.production).toBe(false);
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]!.code).toBe('gatehouse.config.unknown_node_env');
    expect(config.warnings[0]!.message).toContain('"staging"');
    expect(config.warnings[0]!.message).toContain('development mode');
    expect(config.warnings[0]!.message).toContain('NODE_ENV=production');
    expect(Object.isFrozen(config.warnings)).toBe(true);
    // "Production" is not "production", and it is refused rather than warned about (see below).
  });

  it('still warns about an unknown NODE_ENV when config.production decides, saying so', () => {
    const config = resolveConfig({ production: true, secretKey: KEY }, { NODE_ENV: 'prod' });
    expect(config.production).toBe(true);
    expect(config.warnings[0]!.message).toContain('production mode (set by config.production)');
  });
});
