/**
 * Building hasher lists from names, so configuration can stay plain data
 * (`passwordHashers: ['argon2', 'pbkdf2_sha256']`) while each hasher stays an instance.
 */
import { ConfigError } from '../errors.js';
import { Argon2Hasher } from './argon2.js';
import type { Argon2HasherOptions } from './argon2.js';
import { BcryptHasher, BcryptSha256Hasher } from './bcrypt.js';
import type { BcryptHasherOptions } from './bcrypt.js';
import type { PasswordHasher } from './hasher.js';
import { Md5Hasher, Sha1Hasher, UnsaltedMd5Hasher, UnsaltedSha1Hasher } from './legacy.js';
import { Pbkdf2Sha1Hasher, Pbkdf2Sha256Hasher } from './pbkdf2.js';
import type { Pbkdf2HasherOptions } from './pbkdf2.js';
import { type HasherName, defaultHasherNames, hasherNames, isHasherName } from './names.js';
import { ScryptHasher } from './scrypt.js';
import type { ScryptHasherOptions } from './scrypt.js';

/** Cost options for the encoding hashers a name list creates; omitted ones use each hasher's defaults. */
export interface HasherSettings {
  argon2?: Argon2HasherOptions;
  scrypt?: ScryptHasherOptions;
  pbkdf2Sha256?: Pbkdf2HasherOptions;
  pbkdf2Sha1?: Pbkdf2HasherOptions;
  /** Shared by `bcrypt_sha256` and `bcrypt`. */
  bcrypt?: BcryptHasherOptions;
}

// A record over `HasherName`: a name added to names.ts without a factory here fails to compile.
const factories: Readonly<Record<HasherName, (settings: HasherSettings) => PasswordHasher>> = {
  argon2: (s) => new Argon2Hasher(s.argon2),
  scrypt: (s) => new ScryptHasher(s.scrypt),
  pbkdf2_sha256: (s) => new Pbkdf2Sha256Hasher(s.pbkdf2Sha256),
  pbkdf2_sha1: (s) => new Pbkdf2Sha1Hasher(s.pbkdf2Sha1),
  bcrypt_sha256: (s) => new BcryptSha256Hasher(s.bcrypt),
  bcrypt: (s) => new BcryptHasher(s.bcrypt),
  md5: () => new Md5Hasher(),
  sha1: () => new Sha1Hasher(),
  unsalted_md5: () => new UnsaltedMd5Hasher(),
  unsalted_sha1: () => new UnsaltedSha1Hasher(),
};

/**
 * Creates hashers by name, in the given order. Throws `ConfigError` coded
 * `gatehouse.config.unknown_hasher` for a name it does not know, listing the ones it does.
 */
export function hashersFromNames(names: readonly string[], settings: HasherSettings = {}): PasswordHasher[] {
  return names.map((name) => {
    if (!isHasherName(name)) {
      throw new ConfigError('gatehouse.config.unknown_hasher', `"${name}" is not a password hasher. Known: ${hasherNames.join(', ')}.`);
    }
    return factories[name](settings);
  });
}

/**
 * The default list: argon2 hashes; scrypt, PBKDF2 and bcrypt verify, so the hashes a modern Django
 * database holds work and are upgraded at the user's next login. The legacy digests are left out:
 * a leaked table of them falls to brute force at once, so an app that imports such hashes turns
 * them on by name (`legacyHasherNames`) until its users have logged in once.
 */
export function defaultHashers(settings: HasherSettings = {}): PasswordHasher[] {
  return hashersFromNames(defaultHasherNames, settings);
}
