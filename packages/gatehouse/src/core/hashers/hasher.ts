/**
 * The password hasher contract. Hashes are self-describing, as in Django: `algorithm$params$salt$hash`,
 * so a stored value says how to check it, old hashes keep working after the defaults move on,
 * and a database can be shared with (or migrated from) a Django project in either direction.
 */
import { ConfigError, GatehouseError } from '../errors.js';
import { isEmbeddableSalt } from './codec.js';

/** The parts of an encoded hash, as a hasher reads them. Never contains the password. */
export interface DecodedHash {
  /** The hasher's algorithm name, e.g. `pbkdf2_sha256`. */
  readonly algorithm: string;
  /** Cost and variant parameters by name, e.g. `{ iterations: 1000000 }`. */
  readonly params: Readonly<Record<string, number | string>>;
  /** The salt as text (argon2's is decoded from base64); empty for unsalted formats. */
  readonly salt: string;
  /** The stored digest exactly as written in the encoded string. */
  readonly hash: string;
}

/**
 * One hashing algorithm with its cost settings. Instances are immutable; cost options go to the
 * constructor. A hasher only ever sees encoded strings that start with its own algorithm name.
 */
export interface PasswordHasher {
  /** The prefix this hasher owns in encoded strings, e.g. `argon2`. */
  readonly algorithm: string;
  /** False for hashers kept only to read old databases; they must never be first in the list. */
  readonly canEncode: boolean;
  /** Characters of salt `encode` expects (0 for verify-only hashers). */
  readonly saltLength: number;
  /**
   * Hashes `password` with `salt` (text without `$`) into the stored form. Throws a
   * `GatehouseError` coded `gatehouse.hashers.verify_only` on a verify-only hasher.
   */
  encode(password: string, salt: string): Promise<string>;
  /** Whether `password` matches `encoded`. Malformed or over-costly hashes give false, never a throw. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** Whether `encoded` was made with other settings than this hasher's and should be re-hashed. */
  mustUpdate(encoded: string): boolean;
  /**
   * Parses `encoded`, or null when it is malformed, is not this hasher's, or names costs past the
   * hasher's safety caps (`verify` would refuse it too).
   */
  decode(encoded: string): DecodedHash | null;
}

/** The error every verify-only hasher throws from `encode`. */
export function verifyOnlyError(algorithm: string): GatehouseError {
  return new GatehouseError(
    'gatehouse.hashers.verify_only',
    `The "${algorithm}" hasher only verifies old hashes; it cannot hash new passwords. Put an encoding hasher (argon2, scrypt, pbkdf2_sha256) first.`,
  );
}

/** Throws a `GatehouseError` coded `gatehouse.hashers.invalid_salt` unless `salt` can be embedded. */
export function assertEmbeddableSalt(algorithm: string, salt: string): void {
  if (!isEmbeddableSalt(salt)) {
    throw new GatehouseError('gatehouse.hashers.invalid_salt', `The "${algorithm}" hasher needs a non-empty salt without "$".`);
  }
}

/**
 * Throws a `ConfigError` coded `gatehouse.config.invalid_hasher_option` when a constructor option
 * is not a whole number in range; a bad cost setting must stop start-up, not weaken every hash.
 */
export function checkIntegerOption(algorithm: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      'gatehouse.config.invalid_hasher_option',
      `${algorithm} hasher: ${name} must be a whole number from ${min} to ${max}, got ${String(value)}.`,
    );
  }
}
