/**
 * Verify-only hashers for the fast digests very old Django databases still hold. A single MD5 or
 * SHA-1 costs nanoseconds, so a leaked table of these falls to brute force at once; they exist
 * only so such users can log in one last time and be re-hashed with the preferred hasher.
 *
 * Formats: `md5$<salt>$<hex md5(salt + password)>`, `sha1$<salt>$<hex sha1(salt + password)>`,
 * `unsalted_md5`: 32 bare hex characters (or `md5$$<hex>`), `unsalted_sha1`: `sha1$$<hex>`.
 */
import { createHash } from 'node:crypto';
import type { DecodedHash, PasswordHasher } from './hasher.js';
import { verifyOnlyError } from './hasher.js';
import { constantTimeEqual, decodeHex, isEmbeddableSalt, utf8 } from './codec.js';

type Digest = 'md5' | 'sha1';

const DIGEST_BYTES: Readonly<Record<Digest, number>> = { md5: 16, sha1: 20 };

interface LegacyParts {
  salt: string;
  hash: string;
  digest: Buffer;
}

/** What every legacy hasher shares: hash `salt + password` once and compare. */
abstract class LegacyVerifier implements PasswordHasher {
  abstract readonly algorithm: string;
  readonly canEncode = false;
  readonly saltLength = 0;
  protected abstract readonly digestName: Digest;

  /** Splits `encoded` into salt and digest, or null if it is not this hasher's format. */
  protected abstract split(encoded: string): { salt: string; hash: string } | null;

  async encode(_password: string, _salt: string): Promise<string> {
    throw verifyOnlyError(this.algorithm);
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.parse(encoded);
    if (parts === null) return false;
    const candidate = createHash(this.digestName).update(utf8(parts.salt)).update(utf8(password)).digest();
    return constantTimeEqual(candidate, parts.digest);
  }

  mustUpdate(_encoded: string): boolean {
    // Verify-only: whatever its parameters, such a hash should be replaced at the next login.
    return true;
  }

  decode(encoded: string): DecodedHash | null {
    const parts = this.parse(encoded);
    return parts === null ? null : { algorithm: this.algorithm, params: {}, salt: parts.salt, hash: parts.hash };
  }

  private parse(encoded: string): LegacyParts | null {
    const fields = this.split(encoded);
    if (fields === null) return null;
    const digest = decodeHex(fields.hash, DIGEST_BYTES[this.digestName]);
    return digest === null ? null : { ...fields, digest };
  }
}

/** Splits `<algorithm>$<salt>$<hex>` with a non-empty salt. */
function splitSalted(algorithm: string, encoded: string): { salt: string; hash: string } | null {
  const fields = encoded.split('$');
  if (fields.length !== 3 || fields[0] !== algorithm) return null;
  const [, salt, hash] = fields as [string, string, string];
  return isEmbeddableSalt(salt) ? { salt, hash } : null;
}

/** Django's salted `md5`. Verify only. */
export class Md5Hasher extends LegacyVerifier {
  readonly algorithm = 'md5';
  protected readonly digestName = 'md5';

  protected split(encoded: string): { salt: string; hash: string } | null {
    return splitSalted('md5', encoded);
  }
}

/** Django's salted `sha1`. Verify only. */
export class Sha1Hasher extends LegacyVerifier {
  readonly algorithm = 'sha1';
  protected readonly digestName = 'sha1';

  protected split(encoded: string): { salt: string; hash: string } | null {
    return splitSalted('sha1', encoded);
  }
}

/** Django's `unsalted_md5`: a bare MD5 hex digest, or the same after `md5$$`. Verify only. */
export class UnsaltedMd5Hasher extends LegacyVerifier {
  readonly algorithm = 'unsalted_md5';
  protected readonly digestName = 'md5';

  protected split(encoded: string): { salt: string; hash: string } | null {
    const hash = encoded.length === 37 && encoded.startsWith('md5$$') ? encoded.slice(5) : encoded;
    return { salt: '', hash };
  }
}

/** Django's `unsalted_sha1`: `sha1$$` and a SHA-1 hex digest. Verify only. */
export class UnsaltedSha1Hasher extends LegacyVerifier {
  readonly algorithm = 'unsalted_sha1';
  protected readonly digestName = 'sha1';

  protected split(encoded: string): { salt: string; hash: string } | null {
    return encoded.startsWith('sha1$$') ? { salt: '', hash: encoded.slice(6) } : null;
  }
}
