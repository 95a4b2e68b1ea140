import { hash as phcHash, verify as phcVerify } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { ConfigError, GatehouseError } from '../../../src/core/errors.js';
import { Argon2Hasher } from '../../../src/core/hashers/index.js';

const cheap = new Argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const SALT = 'abcdefghijklmnopqrstuv';
const DJANGO = 'argon2$argon2id$v=19$m=102400,t=2,p=8$MVBJWFh6Z3JqQ0JmSVpVdWtSeHNodQ$NgwdmcLtS2P58vJEVpiEAw';

describe('Argon2Hasher', () => {
  it("encodes in Django's format with gatehouse's default cost", async () => {
    const hasher = new Argon2Hasher();
    expect([hasher.memoryCost, hasher.timeCost, hasher.parallelism, hasher.hashLength]).toEqual([19_456, 2, 1, 16]);
    const encoded = await hasher.encode('s3cret', SALT);
    // Salt: base64 of the 22 ASCII salt characters; hash: 16 bytes; both without padding.
    expect(encoded).toMatch(/^argon2\$argon2id\$v=19\$m=19456,t=2,p=1\$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg\$[A-Za-z0-9+/]{22}$/);
    expect(await hasher.verify('s3cret', encoded)).toBe(true);
    expect(hasher.mustUpdate(encoded)).toBe(false);
  });

  it('round-trips and rejects a wrong password', async () => {
    const encoded = await cheap.encode('correct horse', SALT);
    expect(await cheap.verify('correct horse', encoded)).toBe(true);
    expect(await cheap.verify('correct horsE', encoded)).toBe(false);
    expect(await cheap.verify('', encoded)).toBe(false);
  });

  it('writes a standard PHC string after the prefix (what Django hands to argon2-cffi)', async () => {
    const encoded = await cheap.encode('interop', SALT);
    const phc = encoded.slice('argon2'.length);
    expect(await phcVerify(phc, 'interop')).toBe(true);
    expect(await phcVerify(phc, 'interop!')).toBe(false);
  });

  it('verifies argon2i, argon2d and version-16 hashes, with or without the v= field', async () => {
    const options = { memoryCost: 1024, timeCost: 1, parallelism: 2 };
    const argon2i = `argon2${await phcHash('old', { ...options, algorithm: 1 as Algorithm })}`;
    const argon2d = `argon2${await phcHash('old', { ...options, algorithm: 0 as Algorithm })}`;
    const v16 = `argon2${await phcHash('old', { ...options, algorithm: 1 as Algorithm, version: 0 as Version })}`;
    expect(argon2i).toMatch(/^argon2\$argon2i\$v=19\$/);
    expect(argon2d).toMatch(/^argon2\$argon2d\$v=19\$/);
    expect(v16).toMatch(/^argon2\$argon2i\$v=16\$/);
    const noVersionField = v16.replace('$v=16$', '$');
    for (const encoded of [argon2i, argon2d, v16, noVersionField]) {
      expect(await cheap.verify('old', encoded)).toBe(true);
      expect(await cheap.verify('new', encoded)).toBe(false);
      expect(cheap.mustUpdate(encoded)).toBe(true);
    }
  });

  it("accepts Django's hashes and asks to re-hash them with our parameters", async () => {
    expect(await cheap.verify('Pa55word!x9', DJANGO)).toBe(true);
    expect(cheap.mustUpdate(DJANGO)).toBe(true);
    expect(new Argon2Hasher({ memoryCost: 102_400, timeCost: 2, parallelism: 8 }).mustUpdate(DJANGO)).toBe(false);
    expect(cheap.decode(DJANGO)).toEqual({
      algorithm: 'argon2',
      params: { variety: 'argon2id', version: 19, memoryCost: 102_400, timeCost: 2, parallelism: 8 },
      salt: '1PIXXzgrjCBfIZUukRxshu',
      hash: 'NgwdmcLtS2P58vJEVpiEAw',
    });
  });

  it('asks for an upgrade when any parameter, the hash length or the salt strength differs', async () => {
    const own = await cheap.encode('pw', SALT);
    expect(cheap.mustUpdate(own)).toBe(false);
    const others = [
      new Argon2Hasher({ memoryCost: 2048, timeCost: 1, parallelism: 1 }),
      new Argon2Hasher({ memoryCost: 1024, timeCost: 2, parallelism: 1 }),
      new Argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 2 }),
      new Argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1, hashLength: 32 }),
    ];
    for (const other of others) expect(other.mustUpdate(own)).toBe(true);
    const shortSalt = await cheap.encode('pw', 'only12chars');
    expect(await cheap.verify('pw', shortSalt)).toBe(true);
    expect(cheap.mustUpdate(shortSalt)).toBe(true);
  });

  it('returns false, without throwing, for corrupt or over-costly hashes', async () => {
    const good = await cheap.encode('pw', SALT);
    const [, , , , salt, digest] = good.split('$');
    const corrupt = [
      '',
      'argon2',
      good.slice(0, -5),
      good.slice(0, good.lastIndexOf('$')),
      `${good}$extra`,
      good.replace('argon2id', 'argon2x'),
      good.replace('v=19', 'v=20'),
      good.replace('v=19', 'v=019'),
      good.replace('m=1024', 'm=abc'),
      good.replace('m=1024', 'm=01024'),
      good.replace('m=1024', 'm=-1024'),
      good.replace('m=1024,t=1', 't=1,m=1024'),
      good.replace('t=1', 't=0'),
      good.replace('p=1', 'p=0'),
      good.replace('m=1024', 'm=4'), // below 8 KiB per lane
      good.replace('m=1024', 'm=4194304'), // 4 GiB
      good.replace('m=1024', 'm=99999999999999999999'),
      good.replace('t=1', 't=4000'), // 4000 passes over 1 MiB: past the work cap
      good.replace('p=1', 'p=255'),
      good.replace(`$${salt}$`, '$c2FsdA$'), // 4-byte salt
      good.replace(`$${salt}$`, '$!!!!$'),
      good.replace(`$${digest}`, '$AAAA'), // 3-byte hash
      good.replace(`$${digest}`, `$${digest}==`),
      good.replace(`$${digest}`, `$${digest?.slice(0, -1)}*`),
    ];
    for (const encoded of corrupt) {
      expect(cheap.decode(encoded), encoded).toBeNull();
      await expect(cheap.verify('pw', encoded), encoded).resolves.toBe(false);
      expect(cheap.mustUpdate(encoded)).toBe(true);
    }
  });

  it('accepts stored hashes at its own cost even when that is above the built-in caps', async () => {
    const heavy = new Argon2Hasher({ memoryCost: 65_536, timeCost: 64, parallelism: 1 });
    const planted = (await cheap.encode('pw', SALT)).replace('m=1024,t=1', 'm=65536,t=64');
    expect(cheap.decode(planted)).toBeNull();
    expect(heavy.decode(planted)).not.toBeNull();
  });

  it('refuses unusable salts and bad options with coded errors', async () => {
    for (const salt of ['', 'has$dollar', 'short']) {
      await expect(cheap.encode('pw', salt)).rejects.toMatchObject({ code: 'gatehouse.hashers.invalid_salt' });
      await expect(cheap.encode('pw', salt)).rejects.toBeInstanceOf(GatehouseError);
    }
    const bad = [{ memoryCost: 4 }, { timeCost: 0 }, { parallelism: 0 }, { parallelism: 1.5 }, { hashLength: 8 }, { memoryCost: 8, parallelism: 2 }];
    for (const options of bad) {
      expect(() => new Argon2Hasher(options)).toThrow(ConfigError);
      expect(() => new Argon2Hasher(options)).toThrow(expect.objectContaining({ code: 'gatehouse.config.invalid_hasher_option' }));
    }
  });
});
