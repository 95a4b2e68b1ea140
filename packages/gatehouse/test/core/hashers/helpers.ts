/**
 * Shared pieces of the hasher tests: cheap hasher settings (the real defaults take tens to
 * hundreds of milliseconds per hash), the Django fixture, and a hasher that counts its calls.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomSource } from '../../../src/core/clock.js';
import type { HasherSettings } from '../../../src/core/hashers/index.js';
import type { DecodedHash, PasswordHasher } from '../../../src/core/hashers/index.js';
import { djangoFixturesDir } from '../../support/databases.js';

/** Settings that keep every encoding hasher in the low milliseconds. */
export const cheapSettings: HasherSettings = {
  argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  scrypt: { workFactor: 2 ** 10, blockSize: 8, parallelism: 1 },
  pbkdf2Sha256: { iterations: 1000 },
  pbkdf2Sha1: { iterations: 1000 },
  bcrypt: { maxCost: 14 },
};

/** One entry of shared/fixtures/django-password-hashes.json. */
export interface DjangoHashFixture {
  hasher: string;
  password: string | null;
  encoded: string;
  matches: boolean;
  via: string;
  note?: string;
}

/** The 68 hashes Django 3.2 made, with what its `check_password` answered. */
export function djangoHashFixtures(): DjangoHashFixture[] {
  const path = join(djangoFixturesDir(), 'django-password-hashes.json');
  return JSON.parse(readFileSync(path, 'utf8')) as DjangoHashFixture[];
}

/** A random source that repeats one byte pattern, so salts are predictable. */
export function fixedRandom(seed = 7): RandomSource {
  return { bytes: (length) => Uint8Array.from({ length }, (_, i) => (seed + i * 31) % 248) };
}

/** Wraps a hasher and counts how often each method runs. */
export class CountingHasher implements PasswordHasher {
  encodes = 0;
  verifies = 0;

  constructor(private readonly inner: PasswordHasher) {}

  get algorithm(): string {
    return this.inner.algorithm;
  }

  get canEncode(): boolean {
    return this.inner.canEncode;
  }

  get saltLength(): number {
    return this.inner.saltLength;
  }

  encode(password: string, salt: string): Promise<string> {
    this.encodes += 1;
    return this.inner.encode(password, salt);
  }

  verify(password: string, encoded: string): Promise<boolean> {
    this.verifies += 1;
    return this.inner.verify(password, encoded);
  }

  mustUpdate(encoded: string): boolean {
    return this.inner.mustUpdate(encoded);
  }

  decode(encoded: string): DecodedHash | null {
    return this.inner.decode(encoded);
  }
}
