/**
 * scrypt in Django 4+'s format: `scrypt$<N>$<salt>$<r>$<p>$<base64 of a 64-byte key>`.
 * Memory-hard like argon2 and needs no native package beyond Node's own OpenSSL.
 */
import { scrypt } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { DecodedHash, PasswordHasher } from './hasher.js';
import { assertEmbeddableSalt, checkIntegerOption } from './hasher.js';
import { DEFAULT_SALT_LENGTH, constantTimeEqual, decodeBase64Padded, isEmbeddableSalt, parseDecimal, saltTooWeak, utf8 } from './codec.js';

/** Django's key length; its verify recomputes exactly 64 bytes, so no other length ever matches. */
const KEY_BYTES = 64;

/**
 * Caps for stored hashes (unless the hasher's own settings are higher): 256 MiB of memory and
 * 16 times Django's work. A planted hash with N=2^30 would otherwise ask for 1 TiB per login.
 */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_WORK = 16 * 2 ** 14 * 8;

/** Cost settings of the scrypt hasher; defaults are Django's. */
export interface ScryptHasherOptions {
  /** CPU/memory cost N, a power of two. Default 2^14. */
  workFactor?: number;
  /** Block size r. Default 8. */
  blockSize?: number;
  /** Parallelism p. Default 1. */
  parallelism?: number;
}

interface ScryptParams {
  n: number;
  r: number;
  p: number;
}

interface ScryptParts extends ScryptParams {
  salt: string;
  hash: string;
  key: Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return n > 1 && Number.isSafeInteger(n) && (n & (n - 1)) === 0;
}

/** Bytes OpenSSL allocates for these parameters (its own formula), so `maxmem` can be exact. */
function memoryNeeded({ n, r, p }: ScryptParams): number {
  return 128 * r * (n + 2) + 128 * r * p;
}

function deriveKey(password: string, salt: string, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.n,
    r: params.r,
    p: params.p,
    // Node's default maxmem is 32 MiB; raise it to what these parameters need (plus slack), no more.
    maxmem: memoryNeeded(params) + 1024 * 1024,
  };
  // The callback form runs on libuv's thread pool, off the event loop.
  return new Promise((resolve, reject) => {
    scrypt(utf8(password), utf8(salt), KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** scrypt, Django-compatible (`scrypt`). */
export class ScryptHasher implements PasswordHasher {
  readonly algorithm = 'scrypt';
  readonly canEncode = true;
  readonly saltLength = DEFAULT_SALT_LENGTH;
  /** N used for new hashes. */
  readonly workFactor: number;
  /** r used for new hashes. */
  readonly blockSize: number;
  /** p used for new hashes. */
  readonly parallelism: number;
  private readonly maxMemory: number;
  private readonly maxWork: number;

  constructor(options: ScryptHasherOptions = {}) {
    this.workFactor = options.workFactor ?? 2 ** 14;
    this.blockSize = options.blockSize ?? 8;
    this.parallelism = options.parallelism ?? 1;
    checkIntegerOption('scrypt', 'workFactor', this.workFactor, 2, 2 ** 30);
    if (!isPowerOfTwo(this.workFactor)) {
      throw new ConfigError('gatehouse.config.invalid_hasher_option', `scrypt hasher: workFactor must be a power of two, got ${this.workFactor}.`);
    }
    checkIntegerOption('scrypt', 'blockSize', this.blockSize, 1, 1024);
    checkIntegerOption('scrypt', 'parallelism', this.parallelism, 1, 1024);
    const own = { n: this.workFactor, r: this.blockSize, p: this.parallelism };
    this.maxMemory = Math.max(MAX_MEMORY_BYTES, memoryNeeded(own));
    this.maxWork = Math.max(MAX_WORK, own.n * own.r * own.p);
  }

  async encode(password: string, salt: string): Promise<string> {
    assertEmbeddableSalt(this.algorithm, salt);
    const params = { n: this.workFactor, r: this.blockSize, p: this.parallelism };
    const key = await deriveKey(password, salt, params);
    return `scrypt$${params.n}$${salt}$${params.r}$${params.p}$${key.toString('base64')}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.parse(encoded);
    if (parts === null) return false;
    try {
      const candidate = await deriveKey(password, parts.salt, parts);
      return constantTimeEqual(candidate, parts.key);
    } catch {
      // OpenSSL refuses some combinations the parser lets through (e.g. N >= 2^(16r)): not a match.
      return false;
    }
  }

  mustUpdate(encoded: string): boolean {
    const parts = this.parse(encoded);
    return parts === null || parts.n !== this.workFactor || parts.r !== this.blockSize || parts.p !== this.parallelism || saltTooWeak(parts.salt);
  }

  decode(encoded: string): DecodedHash | null {
    const parts = this.parse(encoded);
    if (parts === null) return null;
    return {
      algorithm: this.algorithm,
      params: { workFactor: parts.n, blockSize: parts.r, parallelism: parts.p },
      salt: parts.salt,
      hash: parts.hash,
    };
  }

  private parse(encoded: string): ScryptParts | null {
    const fields = encoded.split('$');
    if (fields.length !== 6) return null;
    const [algorithm, nText, salt, rText, pText, hash] = fields as [string, string, string, string, string, string];
    if (algorithm !== this.algorithm || !isEmbeddableSalt(salt)) return null;
    const n = parseDecimal(nText);
    const r = parseDecimal(rText);
    const p = parseDecimal(pText);
    if (n === null || r === null || p === null || !isPowerOfTwo(n) || r < 1 || p < 1) return null;
    const params = { n, r, p };
    if (memoryNeeded(params) > this.maxMemory || n * r * p > this.maxWork) return null;
    const key = decodeBase64Padded(hash);
    if (key === null || key.byteLength !== KEY_BYTES) return null;
    return { n, r, p, salt, hash, key };
  }
}
