/**
 * Verify-only bcrypt hashers, so Django databases that used them can be imported and upgraded at
 * each user's next login: `bcrypt_sha256$$2b$12$<salt><checksum>` and `bcrypt$$2b$12$...`.
 * New hashes are never bcrypt: it ignores everything past 72 bytes, and bcryptjs is plain
 * JavaScript that runs on the event loop (in slices, but still there).
 */
import { createHash } from 'node:crypto';
import { hash as bcryptHash } from 'bcryptjs';
import type { DecodedHash, PasswordHasher } from './hasher.js';
import { checkIntegerOption, verifyOnlyError } from './hasher.js';
import { constantTimeEqual, parseDecimal } from './codec.js';

// `$2b$` / `$2a$` / `$2y$`, a two-digit cost, 22 characters of salt and 31 of checksum.
const BCRYPT_DATA = /^\$2[aby]\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/**
 * Highest cost accepted from a stored hash by default: 4 times Django's default of 12 (about two
 * seconds in bcryptjs). Each step doubles the work and it runs on the main thread, so a planted
 * cost of 31 would otherwise eat the event loop's time for days on every attempt.
 */
export const BCRYPT_MAX_COST = 14;

/** Options of the verify-only bcrypt hashers. */
export interface BcryptHasherOptions {
  /** Highest cost accepted from a stored hash, 4 to 31. Default 14; raise it for a database hashed at 15+. */
  maxCost?: number;
}

interface BcryptParts {
  data: string;
  cost: number;
  salt: string;
  checksum: string;
}

/** Shared parsing and checking; subclasses decide what bcrypt is fed. */
abstract class BcryptVerifier implements PasswordHasher {
  abstract readonly algorithm: string;
  readonly canEncode = false;
  readonly saltLength = 0;
  /** Highest cost accepted from a stored hash. */
  readonly maxCost: number;

  constructor(options: BcryptHasherOptions = {}) {
    this.maxCost = options.maxCost ?? BCRYPT_MAX_COST;
    checkIntegerOption('bcrypt', 'maxCost', this.maxCost, 4, 31);
  }

  /** Turns the password into bcrypt's input. */
  protected abstract input(password: string): string;

  async encode(_password: string, _salt: string): Promise<string> {
    throw verifyOnlyError(this.algorithm);
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parts = this.parse(encoded);
    if (parts === null) return false;
    try {
      // Re-hash with the stored salt and cost (the first 29 characters), then compare whole strings.
      const candidate = await bcryptHash(this.input(password), parts.data.slice(0, 29));
      return constantTimeEqual(Buffer.from(candidate, 'latin1'), Buffer.from(parts.data, 'latin1'));
    } catch {
      return false;
    }
  }

  mustUpdate(_encoded: string): boolean {
    // Verify-only: whatever its parameters, such a hash should be replaced at the next login.
    return true;
  }

  decode(encoded: string): DecodedHash | null {
    const parts = this.parse(encoded);
    if (parts === null) return null;
    return { algorithm: this.algorithm, params: { workFactor: parts.cost }, salt: parts.salt, hash: parts.checksum };
  }

  private parse(encoded: string): BcryptParts | null {
    const prefix = `${this.algorithm}$`;
    if (!encoded.startsWith(prefix)) return null;
    const data = encoded.slice(prefix.length);
    const match = BCRYPT_DATA.exec(data);
    if (match === null) return null;
    const cost = parseDecimal((match[1] ?? '').replace(/^0/, ''));
    if (cost === null || cost < 4 || cost > this.maxCost) return null;
    return { data, cost, salt: match[2] ?? '', checksum: match[3] ?? '' };
  }
}

/**
 * Django's `bcrypt_sha256`: bcrypt over the lowercase hex SHA-256 of the password, which lifts
 * bcrypt's 72-byte limit (64 hex characters always fit). Verify only.
 */
export class BcryptSha256Hasher extends BcryptVerifier {
  readonly algorithm = 'bcrypt_sha256';

  protected input(password: string): string {
    return createHash('sha256').update(password, 'utf8').digest('hex');
  }
}

/**
 * Django's `bcrypt`: bcrypt over the raw password, so bytes past the 72nd are ignored — two
 * passwords sharing their first 72 bytes match each other. Verify only; upgraded at next login.
 */
export class BcryptHasher extends BcryptVerifier {
  readonly algorithm = 'bcrypt';

  protected input(password: string): string {
    return password;
  }
}
