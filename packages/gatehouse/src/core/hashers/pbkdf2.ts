/**
 * PBKDF2-HMAC hashers in Django's format: `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`.
 * Not memory-hard, so weaker against GPUs than argon2 or scrypt, but it is what almost every
 * Django database holds; those hashes verify as they are and are upgraded at the next login.
 */
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import type { DecodedHash, PasswordHasher } from './hasher.js';
import { assertEmbeddableSalt, checkIntegerOption } from './hasher.js';
import { DEFAULT_SALT_LENGTH, constantTimeEqual, decodeBase64Padded, isEmbeddableSalt, parseDecimal, saltTooWeak, utf8 } from './codec.js';

// The callback form runs on libuv's thread pool; pbkdf2Sync would block every other request.
const pbkdf2Async = promisify(pbkdf2);

/** The HMAC digests Django pairs with PBKDF2. */
export type Pbkdf2Digest = 'sha256' | 'sha1';

const DIGEST_BYTES: Readonly<Record<Pbkdf2Digest, number>> = { sha256: 32, sha1: 20 };

/** Django 5.2's iteration count. */
export const PBKDF2_DEFAULT_ITERATIONS = 1_000_000;

/**
 * The highest iteration count accepted from a stored hash unless the hasher's own is higher. A
 * planted `pbkdf2_sha256$4000000000$...` row would otherwise pin a thread-pool thread for hours
 * on every login attempt against it.
 */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;

/** Cost settings of a PBKDF2 hasher. */
export interface Pbkdf2HasherOptions {
  /** Iterations for new hashes; stored hashes with another count need an upgrade. Default 1,000,000. */
  iterations?: number;
  /** Highest count `verify` will run for a stored hash. Default: the larger of 10,000,000 and `iterations`. */
  maxIterations?: number;
}

interface Pbkdf2Parts {
  iterations: number;
  salt: string;
  hash: string;
  digest: Buffer;
}

/** PBKDF2-HMAC with SHA-256 or SHA-1, Django-compatible. */
export class Pbkdf2Hasher implements PasswordHasher {
  /** `pbkdf2_sha256` or `pbkdf2_sha1`. */
  readonly algorithm: string;
  readonly canEncode = true;
  readonly saltLength = DEFAULT_SALT_LENGTH;
  /** Iterations used for new hashes. */
  readonly iterations: number;
  /** Highest iteration count accepted from a stored hash. */
  readonly maxIterations: number;
  private readonly digestName: Pbkdf2Digest;

  constructor(digest: Pbkdf2Digest, options: Pbkdf2HasherOptions = {}) {
    this.digestName = digest;
    this.algorithm = `pbkdf2_${digest}`;
    this.iterations = options.iterations ?? PBKDF2_DEFAULT_ITERATIONS;
    checkIntegerOption(this.algorithm, 'iterations', this.iterations, 1, 2 ** 32 - 1);
    this.maxIterations = options.maxIterations ?? Math.max(PBKDF2_MAX_ITERATIONS, this.iterations);
    checkIntegerOption(this.algorithm, 'maxIterations', this.maxIterations, this.iterations, 2 ** 32 - 1);
  }

  async encode(password: string, salt: string): Promise<string> {
    assertEmbeddableSalt(this.algorithm, salt);
    const digest = await this.derive(password, salt, this.iterations);
    return `${this.algorithm}$${this.iterations}$${salt}$${digest.toString('base64')}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.parse(encoded);
    if (parts === null) return false;
    const candidate = await this.derive(password, parts.salt, parts.iterations);
    return constantTimeEqual(candidate, parts.digest);
  }

  mustUpdate(encoded: string): boolean {
    const parts = this.parse(encoded);
    return parts === null || parts.iterations !== this.iterations || saltTooWeak(parts.salt);
  }

  decode(encoded: string): DecodedHash | null {
    const parts = this.parse(encoded);
    if (parts === null) return null;
    return { algorithm: this.algorithm, params: { iterations: parts.iterations }, salt: parts.salt, hash: parts.hash };
  }

  private derive(password: string, salt: string, iterations: number): Promise<Buffer> {
    return pbkdf2Async(utf8(password), utf8(salt), iterations, DIGEST_BYTES[this.digestName], this.digestName);
  }

  private parse(encoded: string): Pbkdf2Parts | null {
    const fields = encoded.split('$');
    if (fields.length !== 4) return null;
    const [algorithm, iterationText, salt, hash] = fields as [string, string, string, string];
    if (algorithm !== this.algorithm || !isEmbeddableSalt(salt)) return null;
    const iterations = parseDecimal(iterationText);
    if (iterations === null || iterations < 1 || iterations > this.maxIterations) return null;
    const digest = decodeBase64Padded(hash);
    // Django always stores the full digest; any other length can never match, so reject it early.
    if (digest === null || digest.byteLength !== DIGEST_BYTES[this.digestName]) return null;
    return { iterations, salt, hash, digest };
  }
}

/** PBKDF2-HMAC-SHA256, Django's `pbkdf2_sha256`. */
export class Pbkdf2Sha256Hasher extends Pbkdf2Hasher {
  constructor(options: Pbkdf2HasherOptions = {}) {
    super('sha256', options);
  }
}

/** PBKDF2-HMAC-SHA1, Django's `pbkdf2_sha1`; kept for databases that chose it. */
export class Pbkdf2Sha1Hasher extends Pbkdf2Hasher {
  constructor(options: Pbkdf2HasherOptions = {}) {
    super('sha1', options);
  }
}
