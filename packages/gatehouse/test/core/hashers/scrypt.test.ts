import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { ScryptHasher } from '../../../src/core/hashers/index.js';

const cheap = new ScryptHasher({ workFactor: 2 ** 10 });
const SALT = 'fixedsalt0123456789abc';

// Made with Python's hashlib.scrypt exactly as Django 4+'s ScryptPasswordHasher.encode does
// (UTF-8 password and salt, dklen 64, standard padded base64).
const PYTHON_DEFAULTS = 'scrypt$16384$fixedsalt0123456789abc$8$1$NdtwVQmCYmNMgJovUqCZ4iRQu3SNJZ59Pq3zlFKa66Y3xuPuGEM6JuYRLVo158dSAT5QWG8DU+FgH29CY9Ge8A==';
const PYTHON_SMALL = 'scrypt$1024$fixedsalt0123456789abc$4$2$DoD0spwOw/TXR2EgaBzoaMxzXDT3BSP4jOiUL+t1OftYJy5U+Cjlol77+xl/YDqskowvI1RXCpjEmg/gRP9ntw==';

describe('ScryptHasher', () => {
  it("uses Django's defaults and reproduces Django's encoding byte for byte", async () => {
    const hasher = new ScryptHasher();
    expect([hasher.workFactor, hasher.blockSize, hasher.parallelism]).toEqual([16_384, 8, 1]);
    expect(await hasher.encode('Pa55word!x9', SALT)).toBe(PYTHON_DEFAULTS);
    expect(hasher.mustUpdate(PYTHON_DEFAULTS)).toBe(false);
  });

  it('verifies hashes with other parameters and non-ASCII passwords', async () => {
    expect(await cheap.verify('pässwörd-日本語-🔑', PYTHON_SMALL)).toBe(true);
    expect(await cheap.verify('passwörd-日本語-🔑', PYTHON_SMALL)).toBe(false);
    expect(cheap.decode(PYTHON_SMALL)?.params).toEqual({ workFactor: 1024, blockSize: 4, parallelism: 2 });
  });

  it('round-trips and rejects a wrong password', async () => {
    const encoded = await cheap.encode('correct horse', 'abcdefghijklmnopqrstuv');
    expect(encoded).toMatch(/^scrypt\$1024\$abcdefghijklmnopqrstuv\$8\$1\$[A-Za-z0-9+/]{86}==$/);
    expect(await cheap.verify('correct horse', encoded)).toBe(true);
    expect(await cheap.verify('correct horse ', encoded)).toBe(false);
  });

  it('asks for an upgrade when N, r, p or the salt strength differ', async () => {
    const own = await cheap.encode('pw', 'abcdefghijklmnopqrstuv');
    expect(cheap.mustUpdate(own)).toBe(false);
    expect(new ScryptHasher({ workFactor: 2 ** 11 }).mustUpdate(own)).toBe(true);
    expect(new ScryptHasher({ workFactor: 2 ** 10, blockSize: 4 }).mustUpdate(own)).toBe(true);
    expect(new ScryptHasher({ workFactor: 2 ** 10, parallelism: 2 }).mustUpdate(own)).toBe(true);
    expect(cheap.mustUpdate(await cheap.encode('pw', 'short'))).toBe(true);
  });

  it('returns false, without throwing, for corrupt or over-costly hashes', async () => {
    const good = await cheap.encode('pw', 'abcdefghijklmnopqrstuv');
    const key = good.slice(good.lastIndexOf('$') + 1);
    const corrupt = [
      '',
      'scrypt',
      good.slice(0, -3),
      good.slice(0, good.lastIndexOf('$')),
      `${good}$`,
      good.replace('$1024$', '$1000$'), // not a power of two
      good.replace('$1024$', '$1$'),
      good.replace('$1024$', '$01024$'),
      good.replace('$1024$', '$1e3$'),
      good.replace('$1024$', '$1073741824$'), // 2^30: a terabyte
      good.replace('$8$1$', '$0$1$'),
      good.replace('$8$1$', '$8$0$'),
      good.replace('$8$1$', '$8$100000$'),
      good.replace('$8$1$', '$x$1$'),
      good.replace('$1024$', '$65536$').replace('$8$1$', '$1$1$'), // OpenSSL: N must be < 2^(16r)
      good.replace('$abcdefghijklmnopqrstuv$', '$$'),
      good.replace(key, key.slice(0, -2)), // padding removed
      good.replace(key, Buffer.alloc(32).toString('base64')), // 32-byte key
      good.replace(key, `*${key.slice(1)}`),
    ];
    for (const encoded of corrupt) {
      await expect(cheap.verify('pw', encoded), encoded).resolves.toBe(false);
      expect(cheap.mustUpdate(encoded)).toBe(true);
    }
    // Parsed but refused by OpenSSL at hashing time: still a plain `false`.
    expect(cheap.decode(corrupt[14] ?? '')).not.toBeNull();
  });

  it('refuses unusable salts and bad options with coded errors', async () => {
    await expect(cheap.encode('pw', 'a$b')).rejects.toMatchObject({ code: 'gatehouse.hashers.invalid_salt' });
    await expect(cheap.encode('pw', '')).rejects.toMatchObject({ code: 'gatehouse.hashers.invalid_salt' });
    for (const options of [{ workFactor: 1000 }, { workFactor: 1 }, { blockSize: 0 }, { parallelism: 0 }]) {
      expect(() => new ScryptHasher(options)).toThrow(ConfigError);
    }
  });
});
