/**
 * Making and checking passwords with an ordered list of hashers, as Django's PASSWORD_HASHERS:
 * the first hasher hashes every new password, every hasher in the list verifies, and a correct
 * password stored any other way is reported for upgrade so the caller can re-hash it at login.
 */
import { randomString, systemRandom } from '../clock.js';
import type { RandomSource } from '../clock.js';
import { BusyError, ConfigError, GatehouseError, ValidationError } from '../errors.js';
import { ConcurrencyLimit, defaultHashConcurrency, defaultHashQueueLimit } from './concurrency.js';
import type { PasswordHasher } from './hasher.js';
import { DEFAULT_MAX_PASSWORD_LENGTH } from './password-length.js';

/** Marks a stored password that can never match (Django's `UNUSABLE_PASSWORD_PREFIX`). */
export const UNUSABLE_PASSWORD_PREFIX = '!';

/** Random characters after the prefix of an unusable password (Django's length). */
export const UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40;

/** The outcome of a password check. Expected failures are values, never exceptions. */
export interface PasswordCheck {
  /** Whether the password matches. */
  readonly valid: boolean;
  /** True only when valid and the hash should be replaced by `makePassword(password)`. */
  readonly needsUpgrade: boolean;
}

/** Options of a `PasswordHashers`. */
export interface PasswordHashersOptions {
  /** Source of salts and unusable-password suffixes. Default: the operating system's CSPRNG. */
  random?: RandomSource;
  /**
   * Longest password accepted, in characters (code points). Bounds the work one request can
   * cause, since every hasher's cost grows with the input. Default 4096.
   */
  maxPasswordLength?: number;
  /**
   * Most hashes (new passwords, checks, dummy checks) computed at once; the rest wait their turn.
   * Default: one less than the cores, at least 1, so a login storm leaves a core to the event
   * loop (see concurrency.ts).
   */
  maxConcurrentHashes?: number;
  /**
   * Most hashes waiting for a turn; past it every hashing call (dummy checks included) throws
   * `BusyError` coded `gatehouse.hashers.busy` at once. Default: 64 per concurrent hash.
   */
  maxQueuedHashes?: number;
}

const INVALID: PasswordCheck = Object.freeze({ valid: false, needsUpgrade: false });

/**
 * Whether `encoded` is a password that may match, i.e. not one made by `makeUnusablePassword`.
 * As in Django, only the `!` prefix makes a password unusable; other garbage is usable but never
 * matches.
 */
export function isPasswordUsable(encoded: string): boolean {
  return !encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}

/**
 * The algorithm name an encoded hash claims, by Django's `identify_hasher` rules, or null for
 * an unusable or empty value. Ancient Django stored bare MD5 digests and accepted MD5 and SHA-1
 * digests with an empty salt, so those three shapes are recognised by length and prefix.
 */
export function identifyAlgorithm(encoded: string): string | null {
  if (encoded.length === 0 || !isPasswordUsable(encoded)) return null;
  if ((encoded.length === 32 && !encoded.includes('$')) || (encoded.length === 37 && encoded.startsWith('md5$$'))) {
    return 'unsalted_md5';
  }
  if (encoded.length === 46 && encoded.startsWith('sha1$$')) return 'unsalted_sha1';
  const separator = encoded.indexOf('$');
  return separator > 0 ? encoded.slice(0, separator) : null;
}

/** The NFKC form of a password; ASCII (the common case) is returned as is without normalising. */
function toNfkc(password: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range is the point.
  return /^[\x00-\x7f]*$/.test(password) ? password : password.normalize('NFKC');
}

/** Whether `password` has more than `max` code points, without walking a huge string. */
function exceedsLength(password: string, max: number): boolean {
  // A code point takes one or two UTF-16 units, which bounds the count from both sides.
  if (password.length <= max) return false;
  if (password.length > 2 * max) return true;
  let count = 0;
  for (const _ of password) {
    count += 1;
    if (count > max) return true;
  }
  return false;
}

/** The configured hashers, in order; the first one hashes new passwords. */
export class PasswordHashers {
  /** Every hasher, in preference order. */
  readonly hashers: readonly PasswordHasher[];
  /** The first hasher: it hashes every new password. */
  readonly preferred: PasswordHasher;
  /** Longest password accepted, in characters. */
  readonly maxPasswordLength: number;
  private readonly byAlgorithm: ReadonlyMap<string, PasswordHasher>;
  private readonly random: RandomSource;
  private readonly limit: ConcurrencyLimit;
  private dummyHash: Promise<string> | null = null;

  /** Throws `ConfigError` for an empty list, duplicate algorithms or a verify-only hasher first. */
  constructor(hashers: readonly PasswordHasher[], options: PasswordHashersOptions = {}) {
    const [preferred] = hashers;
    if (preferred === undefined) {
      throw new ConfigError('gatehouse.config.no_hashers', 'The hasher list is empty: give at least one hasher, e.g. argon2.');
    }
    if (!preferred.canEncode || preferred.saltLength < 1) {
      throw new ConfigError(
        'gatehouse.config.hasher_cannot_encode',
        `The first hasher hashes new passwords, but "${preferred.algorithm}" only verifies old ones. Put argon2, scrypt or pbkdf2_sha256 first.`,
      );
    }
    const byAlgorithm = new Map<string, PasswordHasher>();
    for (const hasher of hashers) {
      if (byAlgorithm.has(hasher.algorithm)) {
        throw new ConfigError('gatehouse.config.duplicate_hasher', `The hasher "${hasher.algorithm}" is listed twice.`);
      }
      byAlgorithm.set(hasher.algorithm, hasher);
    }
    const maxPasswordLength = options.maxPasswordLength ?? DEFAULT_MAX_PASSWORD_LENGTH;
    if (!Number.isSafeInteger(maxPasswordLength) || maxPasswordLength < 1) {
      throw new ConfigError(
        'gatehouse.config.invalid_max_password_length',
        `maxPasswordLength must be a whole number of at least 1, got ${String(maxPasswordLength)}.`,
      );
    }
    const maxConcurrentHashes = options.maxConcurrentHashes ?? defaultHashConcurrency();
    if (!Number.isSafeInteger(maxConcurrentHashes) || maxConcurrentHashes < 1) {
      throw new ConfigError(
        'gatehouse.config.invalid_hash_concurrency',
        `maxConcurrentHashes must be a whole number of at least 1, got ${String(maxConcurrentHashes)}.`,
      );
    }
    const maxQueuedHashes = options.maxQueuedHashes ?? defaultHashQueueLimit(maxConcurrentHashes);
    if (!Number.isSafeInteger(maxQueuedHashes) || maxQueuedHashes < 0) {
      throw new ConfigError(
        'gatehouse.config.invalid_hash_queue_limit',
        `maxQueuedHashes must be a whole number of at least 0, got ${String(maxQueuedHashes)}.`,
      );
    }
    this.limit = new ConcurrencyLimit(maxConcurrentHashes, maxQueuedHashes);
    this.hashers = Object.freeze([...hashers]);
    this.preferred = preferred;
    this.maxPasswordLength = maxPasswordLength;
    this.byAlgorithm = byAlgorithm;
    this.random = options.random ?? systemRandom;
  }

  /** The configured hasher for an algorithm name, or null. */
  getHasher(algorithm: string): PasswordHasher | null {
    return this.byAlgorithm.get(algorithm) ?? null;
  }

  /** The configured hasher that owns `encoded` (Django's rules), or null if none does or it is unusable. */
  identifyHasher(encoded: string): PasswordHasher | null {
    const algorithm = identifyAlgorithm(encoded);
    return algorithm === null ? null : this.getHasher(algorithm);
  }

  /**
   * Hashes `password` with the preferred hasher and a fresh salt. Throws `ValidationError` coded
   * `password_too_long` past `maxPasswordLength`.
   */
  async makePassword(password: string): Promise<string> {
    if (typeof password !== 'string') {
      throw new GatehouseError('gatehouse.hashers.password_not_string', 'A password must be a string.');
    }
    // NIST SP 800-63B-4: the NFKC form is hashed, so the same password typed on another keyboard
    // or input method (full-width letters, a precomposed or decomposed accent) still matches.
    // The raw length is checked first so normalising an over-long input costs nothing.
    const normalized = exceedsLength(password, this.maxPasswordLength) ? password : toNfkc(password);
    if (exceedsLength(normalized, this.maxPasswordLength)) {
      throw new ValidationError([
        {
          code: 'password_too_long',
          message: `This password is too long. It must contain at most ${this.maxPasswordLength} characters.`,
        },
      ]);
    }
    const salt = randomString(this.random, this.preferred.saltLength);
    return this.limit.run(() => this.preferred.encode(normalized, salt));
  }

  /**
   * Checks `password` against a stored hash. Throws only `BusyError` when the hash queue is full
   * (nothing was checked); otherwise unusable, empty, unknown, corrupt or
   * over-costly hashes and over-long passwords are all `valid: false`, and each of those still
   * spends one preferred-hasher verification, so the answer's timing does not tell them apart
   * from a plain wrong password.
   */
  async checkPassword(password: string, encoded: string): Promise<PasswordCheck> {
    if (typeof password !== 'string' || typeof encoded !== 'string' || exceedsLength(password, this.maxPasswordLength)) {
      await this.runDummyCheck(password);
      return INVALID;
    }
    const hasher = this.identifyHasher(encoded);
    if (hasher === null || !this.decodes(hasher, encoded)) {
      await this.runDummyCheck(password);
      return INVALID;
    }
    // The NFKC form is what `makePassword` hashes. A hash imported from Django (or made before
    // gatehouse normalised) holds the raw form instead, so when the NFKC form fails and the raw
    // form differs, that is tried too, and a match is upgraded so the next login finds the NFKC
    // hash. ASCII is NFKC-stable, so an ASCII password never costs a second hash.
    const normalized = toNfkc(password);
    if (await this.verifyWith(hasher, normalized, encoded)) return { valid: true, needsUpgrade: this.needsUpgrade(hasher, encoded) };
    if (normalized === password || !(await this.verifyWith(hasher, password, encoded))) return INVALID;
    return { valid: true, needsUpgrade: true };
  }

  private async verifyWith(hasher: PasswordHasher, password: string, encoded: string): Promise<boolean> {
    try {
      return await this.limit.run(() => hasher.verify(password, encoded));
    } catch (error) {
      // A full queue is not a wrong password: nothing was checked, and the caller must say so.
      if (error instanceof BusyError) throw error;
      return false;
    }
  }

  /** A value for the password column that never matches: `!` and 40 random characters. */
  makeUnusablePassword(): string {
    // Random rather than a constant: reset tokens are derived from the stored value, so it must
    // differ per user and change each time it is set, ending any token made before.
    return UNUSABLE_PASSWORD_PREFIX + randomString(this.random, UNUSABLE_PASSWORD_SUFFIX_LENGTH);
  }

  /** Whether `encoded` may match (see the standalone `isPasswordUsable`). */
  isPasswordUsable(encoded: string): boolean {
    return isPasswordUsable(encoded);
  }

  /**
   * Spends the time of one real check and throws nothing but `BusyError` (the hash queue is full,
   * as for a real check). Call it when the username is unknown,
   * so an attacker cannot tell existing accounts from missing ones by how fast the login fails.
   * The hash it checks against is made on first use with the preferred hasher (so the first call
   * costs about twice as much).
   */
  async runDummyCheck(password: string): Promise<void> {
    try {
      if (this.dummyHash === null) {
        const dummy = randomString(this.random, 32);
        const salt = randomString(this.random, this.preferred.saltLength);
        const made = this.limit.run(() => this.preferred.encode(dummy, salt));
        this.dummyHash = made;
        // A refused or failed making is forgotten, so the next call tries again.
        made.catch(() => {
          if (this.dummyHash === made) this.dummyHash = null;
        });
      }
      const encoded = await this.dummyHash;
      // Cut to the limit so an over-long input costs no more than the longest real one.
      const input = typeof password === 'string' ? password.slice(0, this.maxPasswordLength) : '';
      await this.limit.run(() => this.preferred.verify(input, encoded));
      // A real check of a password that NFKC changes costs two verifications (the NFKC form,
      // then the raw one); spend the same here, or an unknown username would answer faster.
      if (toNfkc(input) !== input) await this.limit.run(() => this.preferred.verify(input, encoded));
    } catch (error) {
      // Unknown users wait in the same bounded queue, and are refused the same way when it is full.
      if (error instanceof BusyError) throw error;
      this.dummyHash = null;
    }
  }

  private decodes(hasher: PasswordHasher, encoded: string): boolean {
    try {
      return hasher.decode(encoded) !== null;
    } catch {
      return false;
    }
  }

  private needsUpgrade(hasher: PasswordHasher, encoded: string): boolean {
    if (hasher.algorithm !== this.preferred.algorithm) return true;
    try {
      return this.preferred.mustUpdate(encoded);
    } catch {
      return true;
    }
  }
}
