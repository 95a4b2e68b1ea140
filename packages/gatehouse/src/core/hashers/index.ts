/**
 * Password hashing: Django-compatible self-describing hashes, an ordered hasher list with upgrade
 * on login, and constant-cost checks for unknown users.
 */
export { Argon2Hasher } from './argon2.js';
export type { Argon2HasherOptions } from './argon2.js';
export { BCRYPT_MAX_COST, BcryptHasher, BcryptSha256Hasher } from './bcrypt.js';
export type { BcryptHasherOptions } from './bcrypt.js';
export { verifyOnlyError } from './hasher.js';
export type { DecodedHash, PasswordHasher } from './hasher.js';
export { Md5Hasher, Sha1Hasher, UnsaltedMd5Hasher, UnsaltedSha1Hasher } from './legacy.js';
export { DEFAULT_MAX_PASSWORD_LENGTH } from './password-length.js';
export {
  PasswordHashers,
  UNUSABLE_PASSWORD_PREFIX,
  UNUSABLE_PASSWORD_SUFFIX_LENGTH,
  identifyAlgorithm,
  isPasswordUsable,
} from './passwords.js';
export type { PasswordCheck, PasswordHashersOptions } from './passwords.js';
export {
  PBKDF2_DEFAULT_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  Pbkdf2Hasher,
  Pbkdf2Sha1Hasher,
  Pbkdf2Sha256Hasher,
} from './pbkdf2.js';
export type { Pbkdf2Digest, Pbkdf2HasherOptions } from './pbkdf2.js';
export { defaultHashers, hashersFromNames } from './registry.js';
export { defaultHasherNames, hasherNames, isHasherName, isLegacyHasherName, legacyHasherNames } from './names.js';
export type { HasherName } from './names.js';
export type { HasherSettings } from './registry.js';
export { ScryptHasher } from './scrypt.js';
export type { ScryptHasherOptions } from './scrypt.js';
