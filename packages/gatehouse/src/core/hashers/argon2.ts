/**
 * Argon2 in Django's format: `argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`,
 * i.e. the argon2 PHC string with `argon2` in front, salt and hash in unpadded base64. Django and
 * gatehouse verify each other's hashes. Hashing runs in `@node-rs/argon2`'s native thread pool,
 * off the event loop.
 */
import { hashRaw } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { GatehouseError } from '../errors.js';
import type { DecodedHash, PasswordHasher } from './hasher.js';
import { assertEmbeddableSalt, checkIntegerOption } from './hasher.js';
import { DEFAULT_SALT_LENGTH, constantTimeEqual, decodeBase64Unpadded, encodeBase64Unpadded, parseDecimal, saltTooWeak, utf8 } from './codec.js';

// The package's `Algorithm` and `Version` are const enums that do not exist at run time, so the
// numeric values from its type declarations are used directly.
const ARGON2ID = 2 as Algorithm;
const VERSION_19 = 1 as Version;
const VARIANTS: ReadonlyMap<string, Algorithm> = new Map([
  ['argon2d', 0 as Algorithm],
  ['argon2i', 1 as Algorithm],
  ['argon2id', ARGON2ID],
]);
const VERSIONS: ReadonlyMap<string, Version> = new Map([
  ['16', 0 as Version],
  ['19', VERSION_19],
]);

// Argon2's own lower bounds (8-byte salt, 4-byte output), and our upper bound on stored digests.
const MIN_SALT_BYTES = 8;
const MIN_HASH_BYTES = 4;
const MAX_HASH_BYTES = 64;

/**
 * Caps for stored hashes unless the hasher's own settings are higher: 256 MiB of memory, 64
 * lanes, and 16 times the work of Django's defaults (m=102400, t=2). Without them a planted hash
 * could make every login attempt against it allocate gigabytes or run for minutes.
 */
const MAX_MEMORY_KIB = 256 * 1024;
const MAX_LANES = 64;
const MAX_WORK = 16 * 102_400 * 2;

const PARAMS = /^m=([0-9]+),t=([0-9]+),p=([0-9]+)$/;

/** Cost settings of the argon2 hasher. Defaults follow OWASP's argon2id minimum. */
export interface Argon2HasherOptions {
  /** Memory in KiB. Default 19456 (19 MiB). */
  memoryCost?: number;
  /** Passes over memory. Default 2. */
  timeCost?: number;
  /** Lanes. Default 1. */
  parallelism?: number;
  /** Digest bytes. Default 16, as Django writes, so Django sees no reason to re-hash ours. */
  hashLength?: number;
}

interface Argon2Parts {
  variant: string;
  algorithm: Algorithm;
  version: string;
  versionValue: Version;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  saltBytes: Buffer;
  hash: string;
  digest: Buffer;
}

/** Argon2 (argon2id for new hashes; argon2i and argon2d verify), Django-compatible (`argon2`). */
export class Argon2Hasher implements PasswordHasher {
  readonly algorithm = 'argon2';
  readonly canEncode = true;
  readonly saltLength = DEFAULT_SALT_LENGTH;
  /** Memory in KiB for new hashes. */
  readonly memoryCost: number;
  /** Passes for new hashes. */
  readonly timeCost: number;
  /** Lanes for new hashes. */
  readonly parallelism: number;
  /** Digest bytes for new hashes. */
  readonly hashLength: number;
  private readonly maxMemory: number;
  private readonly maxLanes: number;
  private readonly maxWork: number;

  constructor(options: Argon2HasherOptions = {}) {
    this.memoryCost = options.memoryCost ?? 19_456;
    this.timeCost = options.timeCost ?? 2;
    this.parallelism = options.parallelism ?? 1;
    this.hashLength = options.hashLength ?? 16;
    checkIntegerOption('argon2', 'parallelism', this.parallelism, 1, 255);
    // Argon2 needs at least 8 KiB per lane.
    checkIntegerOption('argon2', 'memoryCost', this.memoryCost, 8 * this.parallelism, 4 * 1024 * 1024);
    checkIntegerOption('argon2', 'timeCost', this.timeCost, 1, 1000);
    // Fewer than 16 bytes would make the stored digest itself the weak point.
    checkIntegerOption('argon2', 'hashLength', this.hashLength, 16, MAX_HASH_BYTES);
    this.maxMemory = Math.max(MAX_MEMORY_KIB, this.memoryCost);
    this.maxLanes = Math.max(MAX_LANES, this.parallelism);
    this.maxWork = Math.max(MAX_WORK, this.memoryCost * this.timeCost);
  }

  async encode(password: string, salt: string): Promise<string> {
    assertEmbeddableSalt(this.algorithm, salt);
    const saltBytes = utf8(salt);
    if (saltBytes.byteLength < MIN_SALT_BYTES) {
      throw new GatehouseError('gatehouse.hashers.invalid_salt', `The argon2 hasher needs a salt of at least ${MIN_SALT_BYTES} bytes.`);
    }
    const digest = await hashRaw(utf8(password), {
      algorithm: ARGON2ID,
      version: VERSION_19,
      memoryCost: this.memoryCost,
      timeCost: this.timeCost,
      parallelism: this.parallelism,
      outputLen: this.hashLength,
      salt: saltBytes,
    });
    const params = `m=${this.memoryCost},t=${this.timeCost},p=${this.parallelism}`;
    return `argon2$argon2id$v=19$${params}$${encodeBase64Unpadded(saltBytes)}$${encodeBase64Unpadded(digest)}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.parse(encoded);
    if (parts === null) return false;
    try {
      const candidate = await hashRaw(utf8(password), {
        algorithm: parts.algorithm,
        version: parts.versionValue,
        memoryCost: parts.memoryCost,
        timeCost: parts.timeCost,
        parallelism: parts.parallelism,
        outputLen: parts.digest.byteLength,
        salt: parts.saltBytes,
      });
      return constantTimeEqual(candidate, parts.digest);
    } catch {
      // The native library rejects what the parser did not foresee: treat it as no match.
      return false;
    }
  }

  mustUpdate(encoded: string): boolean {
    const parts = this.parse(encoded);
    return (
      parts === null ||
      parts.variant !== 'argon2id' ||
      parts.version !== '19' ||
      parts.memoryCost !== this.memoryCost ||
      parts.timeCost !== this.timeCost ||
      parts.parallelism !== this.parallelism ||
      parts.digest.byteLength !== this.hashLength ||
      saltTooWeak(parts.saltBytes.toString('latin1'))
    );
  }

  decode(encoded: string): DecodedHash | null {
    const parts = this.parse(encoded);
    if (parts === null) return null;
    return {
      algorithm: this.algorithm,
      params: {
        variety: parts.variant,
        version: Number(parts.version),
        memoryCost: parts.memoryCost,
        timeCost: parts.timeCost,
        parallelism: parts.parallelism,
      },
      salt: parts.saltBytes.toString('latin1'),
      hash: parts.hash,
    };
  }

  private parse(encoded: string): Argon2Parts | null {
    const fields = encoded.split('$');
    // Hashes from before argon2 1.3 (and old argon2-cffi) carry no `v=` field: version 16.
    if (fields.length === 5) fields.splice(2, 0, 'v=16');
    if (fields.length !== 6) return null;
    const [algorithm, variant, versionField, paramField, saltText, hash] = fields as [string, string, string, string, string, string];
    const variantValue = VARIANTS.get(variant);
    const version = versionField.startsWith('v=') ? versionField.slice(2) : '';
    const versionValue = VERSIONS.get(version);
    if (algorithm !== this.algorithm || variantValue === undefined || versionValue === undefined) return null;
    const match = PARAMS.exec(paramField);
    if (match === null) return null;
    const memoryCost = parseDecimal(match[1] ?? '');
    const timeCost = parseDecimal(match[2] ?? '');
    const parallelism = parseDecimal(match[3] ?? '');
    if (memoryCost === null || timeCost === null || parallelism === null) return null;
    if (parallelism < 1 || parallelism > this.maxLanes || timeCost < 1) return null;
    if (memoryCost < 8 * parallelism || memoryCost > this.maxMemory || memoryCost * timeCost > this.maxWork) return null;
    const saltBytes = decodeBase64Unpadded(saltText);
    const digest = decodeBase64Unpadded(hash);
    if (saltBytes === null || saltBytes.byteLength < MIN_SALT_BYTES) return null;
    if (digest === null || digest.byteLength < MIN_HASH_BYTES || digest.byteLength > MAX_HASH_BYTES) return null;
    return {
      variant,
      algorithm: variantValue,
      version,
      versionValue,
      memoryCost,
      timeCost,
      parallelism,
      saltBytes,
      hash,
      digest,
    };
  }
}
