import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../../src/core/errors.js';
import type { PasswordHasher } from '../../../src/core/hashers/index.js';
import {
  Argon2Hasher,
  Md5Hasher,
  PasswordHashers,
  Pbkdf2Sha256Hasher,
  ScryptHasher,
  hashersFromNames,
  identifyAlgorithm,
  isPasswordUsable,
} from '../../../src/core/hashers/index.js';
import { CountingHasher, cheapSettings, fixedRandom } from './helpers.js';

const INVALID = { valid: false, needsUpgrade: false };
const names = ['argon2', 'scrypt', 'pbkdf2_sha256', 'pbkdf2_sha1', 'bcrypt_sha256', 'bcrypt', 'md5', 'sha1', 'unsalted_md5', 'unsalted_sha1'];

function cheapHashers(first = 'argon2', options = {}): PasswordHashers {
  return new PasswordHashers(hashersFromNames([first, ...names.filter((n) => n !== first)], cheapSettings), options);
}

/** A list whose preferred hasher counts its calls, to see where the dummy check runs. */
function counted(): { hashers: PasswordHashers; preferred: CountingHasher } {
  const preferred = new CountingHasher(new Pbkdf2Sha256Hasher({ iterations: 1000 }));
  return { hashers: new PasswordHashers([preferred, ...hashersFromNames(['md5', 'unsalted_md5'])]), preferred };
}

describe('PasswordHashers', () => {
  describe('construction', () => {
    it('needs at least one hasher, an encoding one first, and no duplicates', () => {
      expect(() => new PasswordHashers([])).toThrow(expect.objectContaining({ code: 'gatehouse.config.no_hashers' }));
      expect(() => new PasswordHashers([new Md5Hasher()])).toThrow(expect.objectContaining({ code: 'gatehouse.config.hasher_cannot_encode' }));
      const twice = [new Pbkdf2Sha256Hasher(), new Pbkdf2Sha256Hasher({ iterations: 5 })];
      expect(() => new PasswordHashers(twice)).toThrow(expect.objectContaining({ code: 'gatehouse.config.duplicate_hasher' }));
      for (const maxPasswordLength of [0, -1, 1.5, Number.NaN]) {
        expect(() => new PasswordHashers([new Pbkdf2Sha256Hasher()], { maxPasswordLength })).toThrow(ConfigError);
      }
    });

    it('exposes the preferred hasher and the default limit', () => {
      const hashers = cheapHashers();
      expect(hashers.preferred.algorithm).toBe('argon2');
      expect(hashers.hashers.map((h) => h.algorithm)).toEqual(names);
      expect(hashers.maxPasswordLength).toBe(4096);
      expect(hashers.getHasher('scrypt')).toBeInstanceOf(ScryptHasher);
      expect(hashers.getHasher('crypt')).toBeNull();
    });
  });

  describe('makePassword and checkPassword', () => {
    it.each(['argon2', 'scrypt', 'pbkdf2_sha256', 'pbkdf2_sha1'])('round-trip with %s first', async (first) => {
      const hashers = cheapHashers(first);
      const encoded = await hashers.makePassword('correct horse battery staple');
      expect(encoded.startsWith(`${first}$`)).toBe(true);
      expect(await hashers.checkPassword('correct horse battery staple', encoded)).toEqual({ valid: true, needsUpgrade: false });
      expect(await hashers.checkPassword('correct horse battery stapler', encoded)).toEqual(INVALID);
      expect(await hashers.checkPassword('', encoded)).toEqual(INVALID);
    });

    it('salts with 22 characters from the injected random source', async () => {
      const fixed = new PasswordHashers([new Pbkdf2Sha256Hasher({ iterations: 1000 })], { random: fixedRandom() });
      const first = await fixed.makePassword('pw');
      expect(await fixed.makePassword('pw')).toBe(first);
      expect(fixed.preferred.decode(first)?.salt).toMatch(/^[A-Za-z0-9]{22}$/);

      const real = new PasswordHashers([new Pbkdf2Sha256Hasher({ iterations: 1000 })]);
      expect(await real.makePassword('pw')).not.toBe(await real.makePassword('pw'));
    });

    it('hashes unicode as UTF-8, normalised to NFKC, so NFC and NFD spellings both match', async () => {
      const hashers = cheapHashers();
      for (const password of ['pässwörd-日本語-🔑', '\u{1F600}'.repeat(3), 'İıŞş', '']) {
        const encoded = await hashers.makePassword(password);
        expect((await hashers.checkPassword(password, encoded)).valid).toBe(true);
      }
      const nfc = 'Crème brûlée'.normalize('NFC');
      const nfd = 'Crème brûlée'.normalize('NFD');
      const encoded = await hashers.makePassword(nfc);
      expect((await hashers.checkPassword(nfc, encoded)).valid).toBe(true);
      // NIST SP 800-63B-4: the same password typed with a decomposed accent is the same password.
      expect(await hashers.checkPassword(nfd, encoded)).toEqual({ valid: true, needsUpgrade: false });
      expect(await hashers.checkPassword('Creme brulee', encoded)).toEqual(INVALID);
    });
  });

  describe('needsUpgrade', () => {
    it('is set for a correct password stored by another hasher, and only then', async () => {
      const hashers = cheapHashers('argon2');
      const pbkdf2 = await new Pbkdf2Sha256Hasher({ iterations: 1000 }).encode('pw', 'abcdefghijklmnopqrstuv');
      expect(await hashers.checkPassword('pw', pbkdf2)).toEqual({ valid: true, needsUpgrade: true });
      expect(await hashers.checkPassword('wrong', pbkdf2)).toEqual(INVALID);
    });

    it('is set for PBKDF2 with another iteration count', async () => {
      const hashers = cheapHashers('pbkdf2_sha256');
      const fewer = await new Pbkdf2Sha256Hasher({ iterations: 999 }).encode('pw', 'abcdefghijklmnopqrstuv');
      const same = await new Pbkdf2Sha256Hasher({ iterations: 1000 }).encode('pw', 'abcdefghijklmnopqrstuv');
      expect(await hashers.checkPassword('pw', fewer)).toEqual({ valid: true, needsUpgrade: true });
      expect(await hashers.checkPassword('pw', same)).toEqual({ valid: true, needsUpgrade: false });
    });

    it('is set for argon2 with other parameters', async () => {
      const hashers = cheapHashers('argon2');
      const other = await new Argon2Hasher({ memoryCost: 2048, timeCost: 1 }).encode('pw', 'abcdefghijklmnopqrstuv');
      expect(await hashers.checkPassword('pw', other)).toEqual({ valid: true, needsUpgrade: true });
    });

    it('is set for legacy digests', async () => {
      const hashers = cheapHashers();
      expect(await hashers.checkPassword('Pa55word!x9', '4ef15ded35fd758a8ab217350cb0bce9')).toEqual({ valid: true, needsUpgrade: true });
      expect(await hashers.checkPassword('Pa55word!x9', 'md5$fixedsalt0123456789abc$761e90b2b7916b17295114f1fad415fc')).toEqual({
        valid: true,
        needsUpgrade: true,
      });
    });
  });

  describe('identifyHasher', () => {
    const hashers = cheapHashers();
    const md5Hex = '4ef15ded35fd758a8ab217350cb0bce9';
    const sha1Hex = 'e56cb05b046d120a8d73cfa2507a5aca7ee1fc1d';

    it.each([
      [md5Hex, 'unsalted_md5'],
      [`md5$$${md5Hex}`, 'unsalted_md5'],
      [`md5$salt$${md5Hex}`, 'md5'],
      [`sha1$$${sha1Hex}`, 'unsalted_sha1'],
      [`sha1$salt$${sha1Hex}`, 'sha1'],
      ['argon2$argon2id$v=19$m=1,t=1,p=1$x$y', 'argon2'],
      ['bcrypt_sha256$$2b$12$abc', 'bcrypt_sha256'],
      ['bcrypt$$2b$12$abc', 'bcrypt'],
      ['scrypt$16384$salt$8$1$abc', 'scrypt'],
      ['pbkdf2_sha1$1$salt$abc', 'pbkdf2_sha1'],
    ])('%s → %s', (encoded, algorithm) => {
      expect(identifyAlgorithm(encoded)).toBe(algorithm);
      expect(hashers.identifyHasher(encoded)?.algorithm).toBe(algorithm);
    });

    it('finds nothing for unusable, empty, unknown or unconfigured hashes', () => {
      for (const encoded of ['', '!', `!${md5Hex}`, 'crypt$$abc', 'nodollar', '$leading', `${md5Hex.slice(1)}$`]) {
        expect(hashers.identifyHasher(encoded)).toBeNull();
      }
      expect(identifyAlgorithm('crypt$$abc')).toBe('crypt');
      expect(new PasswordHashers([new Pbkdf2Sha256Hasher()]).identifyHasher(md5Hex)).toBeNull();
    });
  });

  describe('unusable passwords', () => {
    it("are '!' and 40 random characters, different each time", () => {
      const hashers = cheapHashers();
      const a = hashers.makeUnusablePassword();
      expect(a).toMatch(/^![A-Za-z0-9]{40}$/);
      expect(hashers.makeUnusablePassword()).not.toBe(a);
      expect(hashers.isPasswordUsable(a)).toBe(false);
      expect(isPasswordUsable(a)).toBe(false);
      expect(isPasswordUsable('pbkdf2_sha256$1$s$h')).toBe(true);
    });

    it('never verify, whatever the password', async () => {
      const hashers = cheapHashers();
      const unusable = hashers.makeUnusablePassword();
      const real = await hashers.makePassword('pw');
      for (const [password, encoded] of [
        ['', unusable],
        [unusable, unusable],
        [unusable.slice(1), unusable],
        ['pw', `!${real}`],
        ['', '!'],
      ]) {
        expect(await hashers.checkPassword(password ?? '', encoded ?? '')).toEqual(INVALID);
      }
    });
  });

  describe('maximum password length', () => {
    it('rejects a longer password in makePassword with password_too_long', async () => {
      const hashers = cheapHashers('pbkdf2_sha256');
      await expect(hashers.makePassword('x'.repeat(4096))).resolves.toMatch(/^pbkdf2_sha256\$/);
      const error = await hashers.makePassword('x'.repeat(4097)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'password_too_long', errors: [{ code: 'password_too_long' }] });
    });

    it('counts characters (code points), not UTF-16 units', async () => {
      const hashers = cheapHashers('pbkdf2_sha256', { maxPasswordLength: 10 });
      await expect(hashers.makePassword('🔑'.repeat(10))).resolves.toBeTypeOf('string');
      await expect(hashers.makePassword('🔑'.repeat(11))).rejects.toMatchObject({ code: 'password_too_long' });
      await expect(hashers.makePassword(`${'🔑'.repeat(9)}ab`)).rejects.toMatchObject({ code: 'password_too_long' });
    });

    it('makes a longer password simply invalid in checkPassword, at the cost of a real check', async () => {
      const { hashers, preferred } = counted();
      const long = 'x'.repeat(4097);
      const encoded = await preferred.encode(long, 'abcdefghijklmnopqrstuv');
      const before = preferred.verifies;
      expect(await hashers.checkPassword(long, encoded)).toEqual(INVALID);
      expect(await hashers.checkPassword('x'.repeat(1_000_000), encoded)).toEqual(INVALID);
      expect(preferred.verifies - before).toBe(2);
    });
  });

  describe('dummy check', () => {
    it('makes its hash once, lazily, with the preferred hasher, and verifies against it every time', async () => {
      const { hashers, preferred } = counted();
      expect(preferred.encodes).toBe(0);
      await hashers.runDummyCheck('guess');
      expect([preferred.encodes, preferred.verifies]).toEqual([1, 1]);
      await hashers.runDummyCheck('guess');
      await hashers.runDummyCheck('x'.repeat(100_000));
      expect([preferred.encodes, preferred.verifies]).toEqual([1, 3]);
    });

    it('never throws, even if the preferred hasher does', async () => {
      const broken: PasswordHasher = {
        algorithm: 'broken',
        canEncode: true,
        saltLength: 22,
        encode: () => Promise.reject(new Error('boom')),
        verify: () => Promise.reject(new Error('boom')),
        mustUpdate: () => true,
        decode: () => {
          throw new Error('boom');
        },
      };
      const hashers = new PasswordHashers([broken]);
      await expect(hashers.runDummyCheck('pw')).resolves.toBeUndefined();
      await expect(hashers.checkPassword('pw', 'broken$x')).resolves.toEqual(INVALID);
      await expect(hashers.makePassword('pw')).rejects.toThrow('boom');
    });
  });

  describe('corrupt stored values', () => {
    it('give valid: false without throwing, and still cost a real check', async () => {
      const { hashers, preferred } = counted();
      const good = await hashers.makePassword('pw');
      const corrupt = [
        '',
        '$',
        '$$$',
        'pbkdf2_sha256',
        'unknown$1$salt$hash',
        good.replace('$1000$', '$1000x$'),
        good.replace('$1000$', '$100000000000$'),
        `${good.slice(0, -2)}*=`,
        ...Array.from({ length: good.length }, (_, i) => good.slice(0, i)), // every truncation
      ];
      const before = preferred.verifies;
      for (const encoded of corrupt) {
        await expect(hashers.checkPassword('pw', encoded), encoded).resolves.toEqual(INVALID);
      }
      expect(preferred.verifies - before).toBe(corrupt.length);
    });

    it('give valid: false for inputs that are not strings at all', async () => {
      const hashers = counted().hashers;
      const good = await hashers.makePassword('pw');
      const notString = 42 as unknown as string;
      await expect(hashers.checkPassword(notString, good)).resolves.toEqual(INVALID);
      await expect(hashers.checkPassword('pw', null as unknown as string)).resolves.toEqual(INVALID);
      await expect(hashers.makePassword(notString)).rejects.toMatchObject({ code: 'gatehouse.hashers.password_not_string' });
    });
  });
});
