/**
 * A CSRF secret and a token for it, in the plugin's wire format (Django's): the cookie holds 32
 * random bytes, the token is 32 fresh mask bytes followed by the secret XOR that mask, both
 * base64url. A test client sends both, as a browser that loaded a form would.
 */
import { randomBytes } from 'node:crypto';

const SECRET_BYTES = 32;

/** A new secret (the cookie's value) as base64url. */
export function newCsrfSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** A token for `secret` (base64url), masked with fresh randomness like every rendered page's. */
export function maskCsrfSecret(secret: string): string {
  const raw = Buffer.from(secret, 'base64url');
  const mask = randomBytes(SECRET_BYTES);
  const masked = Buffer.alloc(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i += 1) masked[i] = (raw[i] ?? 0) ^ (mask[i] ?? 0);
  return Buffer.concat([mask, masked]).toString('base64url');
}
