import { createHash } from 'node:crypto';
import { hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { ConfigError, GatehouseError } from '../../../src/core/errors.js';
import { BCRYPT_MAX_COST, BcryptHasher, BcryptSha256Hasher } from '../../../src/core/hashers/index.js';

const bcrypt = new BcryptHasher();
const bcryptSha256 = new BcryptSha256Hasher();
const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// Cost 4 keeps these fast; the Django-made cost-12 hashes are checked in django-fixtures.test.ts.
const base = 'a'.repeat(72);
const plain = `bcrypt$${hashSync(`${base}-first`, 4)}`;
const prehashed = `bcrypt_sha256$${hashSync(sha256Hex(`${base}-first`), 4)}`;

describe('bcrypt hashers (verify only)', () => {
  it('verify what Django stores', async () => {
    expect(await bcrypt.verify(`${base}-first`, plain)).toBe(true);
    expect(await bcryptSha256.verify(`${base}-first`, prehashed)).toBe(true);
    expect(await bcryptSha256.verify('b'.repeat(72), prehashed)).toBe(false);
  });

  it('plain bcrypt ignores bytes past the 72nd; bcrypt_sha256 does not', async () => {
    expect(await bcrypt.verify(`${base}-second`, plain)).toBe(true);
    expect(await bcryptSha256.verify(`${base}-second`, prehashed)).toBe(false);
  });

  it('never encode and always ask for an upgrade', async () => {
    for (const hasher of [bcrypt, bcryptSha256]) {
      expect(hasher.canEncode).toBe(false);
      await expect(hasher.encode('pw', 'abcdefghijklmnopqrstuv')).rejects.toBeInstanceOf(GatehouseError);
      await expect(hasher.encode('pw', 'abcdefghijklmnopqrstuv')).rejects.toMatchObject({ code: 'gatehouse.hashers.verify_only' });
    }
    expect(bcrypt.mustUpdate(plain)).toBe(true);
    expect(bcryptSha256.mustUpdate(prehashed)).toBe(true);
  });

  it('parse cost, salt and checksum', () => {
    const data = plain.slice('bcrypt$'.length);
    expect(bcrypt.decode(plain)).toEqual({
      algorithm: 'bcrypt',
      params: { workFactor: 4 },
      salt: data.slice(7, 29),
      hash: data.slice(29),
    });
    expect(bcrypt.decode(prehashed)).toBeNull();
    expect(bcryptSha256.decode(plain)).toBeNull();
  });

  it('return false, without throwing, for corrupt or over-costly hashes', async () => {
    const corrupt = [
      '',
      'bcrypt$',
      'bcrypt$$',
      plain.slice(0, -1),
      `${plain}x`,
      plain.replace('$2b$', '$2x$'),
      plain.replace('$2b$', '$3b$'),
      plain.replace('$04$', '$4$'),
      plain.replace('$04$', '$03$'),
      plain.replace('$04$', `$${BCRYPT_MAX_COST + 1}$`),
      plain.replace('$04$', '$31$'),
      plain.replace('$04$', '$99$'),
      `${plain.slice(0, -1)}!`,
      plain.replace('bcrypt$', 'bcrypt'),
    ];
    for (const encoded of corrupt) {
      expect(bcrypt.decode(encoded), encoded).toBeNull();
      await expect(bcrypt.verify(`${base}-first`, encoded), encoded).resolves.toBe(false);
    }
  });

  it('accept higher costs only when told to', () => {
    const cost15 = plain.replace('$04$', '$15$');
    expect(bcrypt.decode(cost15)).toBeNull();
    expect(new BcryptHasher({ maxCost: 15 }).decode(cost15)).not.toBeNull();
    expect(() => new BcryptHasher({ maxCost: 32 })).toThrow(ConfigError);
    expect(() => new BcryptSha256Hasher({ maxCost: 3 })).toThrow(ConfigError);
  });
});
