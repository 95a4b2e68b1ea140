import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { PBKDF2_MAX_ITERATIONS, Pbkdf2Sha1Hasher, Pbkdf2Sha256Hasher } from '../../../src/core/hashers/index.js';

const cheap = new Pbkdf2Sha256Hasher({ iterations: 1000 });
const SALT = 'abcdefghijklmnopqrstuv';

// Python's hashlib.pbkdf2_hmac('sha256', <form of "café">.encode(), b'nfsalt', 1000), as Django encodes it.
const CAFE_NFC = 'pbkdf2_sha256$1000$nfsalt$qV2R6mRG1JZscIaAK1D3kilDO5o5EbBUeDnF6JXI13A=';
const CAFE_NFD = 'pbkdf2_sha256$1000$nfsalt$+yrE8+vEAQ7k9VQyGMv1F+2gdOSBCKWpTWPbef1rFak=';

describe('Pbkdf2Hasher', () => {
  it("defaults to Django 5.2's 1,000,000 iterations", () => {
    expect(new Pbkdf2Sha256Hasher().iterations).toBe(1_000_000);
    expect(new Pbkdf2Sha1Hasher().iterations).toBe(1_000_000);
    expect(new Pbkdf2Sha256Hasher().algorithm).toBe('pbkdf2_sha256');
    expect(new Pbkdf2Sha1Hasher().algorithm).toBe('pbkdf2_sha1');
  });

  it('round-trips in the padded-base64 format for both digests', async () => {
    const sha256 = await cheap.encode('correct horse', SALT);
    expect(sha256).toMatch(/^pbkdf2_sha256\$1000\$abcdefghijklmnopqrstuv\$[A-Za-z0-9+/]{43}=$/);
    expect(await cheap.verify('correct horse', sha256)).toBe(true);
    expect(await cheap.verify('Correct horse', sha256)).toBe(false);

    const sha1Hasher = new Pbkdf2Sha1Hasher({ iterations: 1000 });
    const sha1 = await sha1Hasher.encode('correct horse', SALT);
    expect(sha1).toMatch(/^pbkdf2_sha1\$1000\$abcdefghijklmnopqrstuv\$[A-Za-z0-9+/]{27}=$/);
    expect(await sha1Hasher.verify('correct horse', sha1)).toBe(true);
    // Each hasher only reads its own prefix.
    expect(await cheap.verify('correct horse', sha1)).toBe(false);
  });

  it('treats NFC and NFD spellings as different passwords, as Django does', async () => {
    const nfc = 'café'.normalize('NFC');
    const nfd = 'café'.normalize('NFD');
    expect(nfc).not.toBe(nfd);
    expect(await cheap.verify(nfc, CAFE_NFC)).toBe(true);
    expect(await cheap.verify(nfd, CAFE_NFC)).toBe(false);
    expect(await cheap.verify(nfd, CAFE_NFD)).toBe(true);
    expect(await cheap.verify(nfc, CAFE_NFD)).toBe(false);
  });

  it('asks for an upgrade when the iteration count differs or the salt is weak', async () => {
    const own = await cheap.encode('pw', SALT);
    expect(cheap.mustUpdate(own)).toBe(false);
    expect(new Pbkdf2Sha256Hasher({ iterations: 2000 }).mustUpdate(own)).toBe(true);
    expect(new Pbkdf2Sha256Hasher({ iterations: 500 }).mustUpdate(own)).toBe(true);
    expect(cheap.mustUpdate(CAFE_NFC)).toBe(true); // 6-character salt
    expect(cheap.decode(own)).toEqual({
      algorithm: 'pbkdf2_sha256',
      params: { iterations: 1000 },
      salt: SALT,
      hash: own.split('$')[3],
    });
  });

  it('returns false, without throwing, for corrupt or over-costly hashes', async () => {
    const good = await cheap.encode('pw', SALT);
    const digest = good.split('$')[3] ?? '';
    const corrupt = [
      '',
      'pbkdf2_sha256',
      'pbkdf2_sha256$$$',
      good.slice(0, -1),
      good.slice(0, good.lastIndexOf('$')),
      `${good}$`,
      good.replace('$1000$', '$0$'),
      good.replace('$1000$', '$-1000$'),
      good.replace('$1000$', '$+1000$'),
      good.replace('$1000$', '$01000$'),
      good.replace('$1000$', '$ 1000$'),
      good.replace('$1000$', '$1e3$'),
      good.replace('$1000$', '$1000.0$'),
      good.replace('$1000$', '$thousand$'),
      good.replace('$1000$', `$${PBKDF2_MAX_ITERATIONS + 1}$`),
      good.replace('$1000$', '$100000001$'),
      good.replace('$1000$', '$4294967296$'),
      good.replace('$1000$', '$99999999999999999999999$'),
      good.replace(`$${SALT}$`, '$$'),
      good.replace(digest, digest.replace('=', '')),
      good.replace(digest, `${digest.slice(0, 10)}!${digest.slice(11)}`),
      good.replace(digest, Buffer.alloc(20).toString('base64')), // a SHA-1-sized digest
      good.replace(digest, Buffer.alloc(64).toString('base64')),
    ];
    for (const encoded of corrupt) {
      expect(cheap.decode(encoded), encoded).toBeNull();
      await expect(cheap.verify('pw', encoded), encoded).resolves.toBe(false);
      expect(cheap.mustUpdate(encoded)).toBe(true);
    }
  });

  it('lets a hasher configured above the cap read its own hashes', () => {
    const encoded = `pbkdf2_sha256$20000000$${SALT}$${Buffer.alloc(32).toString('base64')}`;
    expect(cheap.decode(encoded)).toBeNull();
    expect(new Pbkdf2Sha256Hasher({ iterations: 20_000_000 }).decode(encoded)).not.toBeNull();
    expect(new Pbkdf2Sha256Hasher({ maxIterations: 30_000_000 }).decode(encoded)).not.toBeNull();
  });

  it('refuses unusable salts and bad options with coded errors', async () => {
    await expect(cheap.encode('pw', 'a$b')).rejects.toMatchObject({ code: 'gatehouse.hashers.invalid_salt' });
    await expect(cheap.encode('pw', '')).rejects.toMatchObject({ code: 'gatehouse.hashers.invalid_salt' });
    for (const options of [{ iterations: 0 }, { iterations: 1.5 }, { iterations: 5000, maxIterations: 1000 }]) {
      expect(() => new Pbkdf2Sha256Hasher(options)).toThrow(ConfigError);
    }
  });
});
