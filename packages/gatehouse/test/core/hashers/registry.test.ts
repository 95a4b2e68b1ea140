import { describe, expect, it } from 'vitest';
import { defaults, resolveConfig } from '../../../src/core/config.js';
import { ConfigError } from '../../../src/core/errors.js';
import {
  Argon2Hasher,
  PasswordHashers,
  Pbkdf2Sha256Hasher,
  defaultHashers,
  hasherNames,
  hashersFromNames,
  legacyHasherNames,
} from '../../../src/core/hashers/index.js';

const expectedOrder = ['argon2', 'scrypt', 'pbkdf2_sha256', 'pbkdf2_sha1', 'bcrypt_sha256', 'bcrypt', 'md5', 'sha1', 'unsalted_md5', 'unsalted_sha1'];

const legacy = ['md5', 'sha1', 'unsalted_md5', 'unsalted_sha1'];

describe('hasher registry', () => {
  it('builds the default list, argon2 first with its default cost, without the legacy digests', () => {
    const list = defaultHashers();
    expect(list.map((h) => h.algorithm)).toEqual(expectedOrder.filter((name) => !legacy.includes(name)));
    expect([...legacyHasherNames]).toEqual(legacy);
    expect(list[0]).toBeInstanceOf(Argon2Hasher);
    expect(list[0]).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(list.filter((h) => h.canEncode).map((h) => h.algorithm)).toEqual(['argon2', 'scrypt', 'pbkdf2_sha256', 'pbkdf2_sha1']);
    expect(() => new PasswordHashers(list)).not.toThrow();
  });

  it('knows the same names as the configuration checks, from one list', () => {
    expect(hasherNames).toEqual(expectedOrder);
    for (const name of hasherNames) expect(resolveConfig({ passwordHashers: [name] }).passwordHashers).toEqual([name]);
    expect(defaults.passwordHashers).toEqual(expectedOrder.filter((name) => !legacy.includes(name)));
    // Off by default, still available by name.
    expect(hashersFromNames(legacy).map((h) => h.algorithm)).toEqual(legacy);
  });

  it('builds a list from names, in order, with cost settings', () => {
    const list = hashersFromNames(['pbkdf2_sha256', 'argon2'], { pbkdf2Sha256: { iterations: 1234 } });
    expect(list.map((h) => h.algorithm)).toEqual(['pbkdf2_sha256', 'argon2']);
    expect(list[0]).toBeInstanceOf(Pbkdf2Sha256Hasher);
    expect((list[0] as Pbkdf2Sha256Hasher).iterations).toBe(1234);
  });

  it('refuses an unknown name with a coded error listing the known ones', () => {
    let error: unknown;
    try {
      hashersFromNames(['argon2', 'argon2id']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'gatehouse.config.unknown_hasher' });
    const message = (error as ConfigError).message;
    expect(message).toContain('"argon2id"');
    for (const name of expectedOrder) expect(message).toContain(name);
  });

  it('leaves list-level rules to PasswordHashers', () => {
    expect(() => new PasswordHashers(hashersFromNames(['md5', 'argon2']))).toThrow(expect.objectContaining({ code: 'gatehouse.config.hasher_cannot_encode' }));
    expect(() => new PasswordHashers(hashersFromNames([]))).toThrow(expect.objectContaining({ code: 'gatehouse.config.no_hashers' }));
  });
});
