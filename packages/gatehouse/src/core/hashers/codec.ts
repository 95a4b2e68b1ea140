/**
 * Strict parsing helpers shared by the hashers. Encoded hashes come from a database that may hold
 * anything (old rows, hand-edited rows, rows planted by someone who got write access), so every
 * field is checked exactly and anything unexpected is rejected rather than "repaired": a lenient
 * parser is how two different strings end up verifying the same way.
 */
import { timingSafeEqual } from 'node:crypto';

const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
const BASE64_UNPADDED = /^[A-Za-z0-9+/]*$/;
const BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_LOWER = /^[0-9a-f]*$/;

/** Entropy, in bits, a salt must carry before Django (and we) stop asking for a re-hash. */
const SALT_ENTROPY_BITS = 128;

/** Salt length in characters of [A-Za-z0-9] that reaches `SALT_ENTROPY_BITS` (22, as in Django). */
export const DEFAULT_SALT_LENGTH = Math.ceil(SALT_ENTROPY_BITS / Math.log2(62));

/**
 * Parses a non-negative decimal integer written the canonical way (no sign, no leading zeros, no
 * spaces, no exponent); `Number()` and `parseInt()` both accept far more than that.
 */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Decodes standard base64 without padding (the argon2 PHC form). Buffer's own decoder silently
 * skips invalid characters, so the alphabet and the canonical form are checked first.
 */
export function decodeBase64Unpadded(text: string): Buffer | null {
  if (!BASE64_UNPADDED.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64Unpadded(bytes) === text ? bytes : null;
}

/** Encodes standard base64 without `=` padding, as argon2 PHC strings do. */
export function encodeBase64Unpadded(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** Decodes standard, padded base64 (Django's PBKDF2 and scrypt form), strictly. */
export function decodeBase64Padded(text: string): Buffer | null {
  if (text.length === 0 || !BASE64_PADDED.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/** Decodes lowercase hex of an exact byte length; Django's hexdigest() never writes uppercase. */
export function decodeHex(text: string, byteLength: number): Buffer | null {
  if (text.length !== byteLength * 2 || !HEX_LOWER.test(text)) return null;
  return Buffer.from(text, 'hex');
}

/**
 * Compares two byte strings in time that depends only on their lengths, so a wrong guess does not
 * reveal how many leading bytes were right. Lengths are fixed by the format and are not secret.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) {
    // Still do the same amount of work as a real comparison of `a`.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** A password's bytes as every Django hasher sees them: UTF-8, no normalisation. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * Whether a salt is too short to be worth keeping: Django's `must_update_salt`, which assumes
 * the 62-letter alphabet its salts are drawn from.
 */
export function saltTooWeak(salt: string): boolean {
  return salt.length * Math.log2(62) < SALT_ENTROPY_BITS;
}

/**
 * Whether `salt` can be embedded in an encoded hash: non-empty and free of the `$` separator,
 * which would make the stored string parse differently from how it was written.
 */
export function isEmbeddableSalt(salt: string): boolean {
  return salt.length > 0 && !salt.includes('$');
}
