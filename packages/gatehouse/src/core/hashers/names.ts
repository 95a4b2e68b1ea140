/**
 * The hasher names, said once. Configuration (`passwordHashers`), the registry that builds hashers
 * from names and the Django importer all read these lists; this file loads no hasher, so the
 * config can be checked without loading argon2 or bcrypt.
 */

/** The hashers on by default, strongest first: the first hashes new passwords, all verify. */
const DEFAULT_NAMES = ['argon2', 'scrypt', 'pbkdf2_sha256', 'pbkdf2_sha1', 'bcrypt_sha256', 'bcrypt'] as const;

/**
 * The verify-only fast digests (MD5, SHA-1, salted or not). Off by default: a leaked table of them
 * falls to brute force at once, so an app that imports such hashes from an old Django turns them on
 * by name until its users have logged in once and been re-hashed.
 */
const LEGACY_NAMES = ['md5', 'sha1', 'unsalted_md5', 'unsalted_sha1'] as const;

/** A hasher name gatehouse knows. */
export type HasherName = (typeof DEFAULT_NAMES)[number] | (typeof LEGACY_NAMES)[number];

/** The default `passwordHashers`, strongest first, legacy digests left out. */
export const defaultHasherNames: readonly HasherName[] = Object.freeze([...DEFAULT_NAMES]);

/** The verify-only fast digests, off by default; add them after the others to verify old Django hashes. */
export const legacyHasherNames: readonly string[] = Object.freeze([...LEGACY_NAMES]);

/** Every hasher name gatehouse knows, in the default order (strongest first, legacy last). */
export const hasherNames: readonly string[] = Object.freeze([...DEFAULT_NAMES, ...LEGACY_NAMES]);

/** Whether `name` is a hasher gatehouse knows. */
export function isHasherName(name: string): name is HasherName {
  return hasherNames.includes(name);
}

/** Whether `name` is one of the verify-only fast digests (`legacyHasherNames`). */
export function isLegacyHasherName(name: string): boolean {
  return legacyHasherNames.includes(name);
}
