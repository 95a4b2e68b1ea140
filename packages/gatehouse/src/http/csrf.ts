/**
 * Cross-site request forgery protection on every unsafe method (anything but GET, HEAD, OPTIONS,
 * TRACE), Django's design:
 *
 * - A random 32-byte secret lives in a cookie (HttpOnly, SameSite, `__Host-` under HTTPS). It is
 *   made when a page first asks for a token, and replaced at login so a token seen (or planted)
 *   before login is useless after it.
 * - Pages get the secret masked with fresh random bytes on every render, so the token differs in
 *   every response and compression side channels (BREACH) cannot recover it.
 * - A request carries the token in the form field or the header; it is unmasked and compared with
 *   the cookie's secret in constant time.
 * - Origin, when the browser sends it, must be this site or a trusted origin. Under HTTPS a
 *   request with neither a matching Origin nor a matching Referer is refused: HTTPS is where a
 *   man in the middle could otherwise plant a cookie from plain HTTP and post with it.
 *
 * The check runs after the body is parsed (form fields) and before the handler, so a refused
 * request changes nothing. The per-request secret lives in the `AuthExchange`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { requestOrigin, requestProtocol } from './origin.js';
import type { HttpRequest } from './request.js';
import type { HttpSite } from './site.js';

/** Bytes of a CSRF secret. */
export const CSRF_SECRET_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{86}$/; // 64 bytes, base64url, unpadded
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 bytes
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** The CSRF cookie lives a year (Django's default): long enough that open forms keep working. */
export const CSRF_COOKIE_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** Why a request failed the check (for the log; the client sees one generic page). */
export type CsrfFailure =
  | 'origin_mismatch'
  | 'origin_null'
  | 'referer_missing'
  | 'referer_mismatch'
  | 'referer_insecure'
  | 'cookie_missing'
  | 'token_missing'
  | 'token_malformed'
  | 'token_incorrect';

/** True for methods that must not change anything and so need no token. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** A fresh secret. */
export function newCsrfSecret(): Buffer {
  return randomBytes(CSRF_SECRET_BYTES);
}

/** The secret in the request's CSRF cookie, or null when there is none (or it is malformed). */
export function csrfSecretFromCookie(site: HttpSite, request: HttpRequest): Buffer | null {
  const value = request.cookie(site.csrfCookie.name);
  if (typeof value !== 'string' || !SECRET_PATTERN.test(value)) return null;
  return Buffer.from(value, 'base64url');
}

/** The secret masked with fresh randomness: a token for a page or a script. */
export function maskCsrfSecret(secret: Buffer): string {
  const mask = randomBytes(CSRF_SECRET_BYTES);
  const masked = Buffer.alloc(CSRF_SECRET_BYTES);
  for (let i = 0; i < CSRF_SECRET_BYTES; i += 1) masked[i] = (secret[i] ?? 0) ^ (mask[i] ?? 0);
  return Buffer.concat([mask, masked]).toString('base64url');
}

function unmask(token: string): Buffer | null {
  if (!TOKEN_PATTERN.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== CSRF_SECRET_BYTES * 2) return null;
  const secret = Buffer.alloc(CSRF_SECRET_BYTES);
  for (let i = 0; i < CSRF_SECRET_BYTES; i += 1) secret[i] = (bytes[i] ?? 0) ^ (bytes[i + CSRF_SECRET_BYTES] ?? 0);
  return secret;
}

function submittedToken(site: HttpSite, request: HttpRequest): string | null {
  const config = site.gatehouse.config.csrf;
  const header = request.header(config.headerName.toLowerCase());
  if (typeof header === 'string' && header.length > 0) return header;
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const field = body[config.fieldName];
    if (typeof field === 'string' && field.length > 0) return field;
  }
  return null;
}

/** `scheme://host[:port]` of a URL, lower-cased, or null if it is not one. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    return parsed.origin.toLowerCase();
  } catch {
    return null;
  }
}

function acceptedOrigins(site: HttpSite, request: HttpRequest): Set<string> {
  // This request's own origin only when its protocol and Host are trustworthy (origin.ts):
  // a forged X-Forwarded-Proto must not make an attacker's origin "our own".
  const own = requestOrigin(request, site.hostPatterns);
  const trusted = site.gatehouse.config.csrf.trustedOrigins.map((o) => originOf(o)).filter((o): o is string => o !== null);
  return new Set([...(own ? [own] : []), ...trusted]);
}

/** Checks a request with an unsafe method; null when it passes. */
export function csrfFailure(site: HttpSite, request: HttpRequest): CsrfFailure | null {
  const origins = acceptedOrigins(site, request);
  const origin = request.header('origin');
  if (typeof origin === 'string' && origin.length > 0) {
    // Browsers send "null" for opaque origins (sandboxed frames, some redirects): never trusted.
    if (origin === 'null') return 'origin_null';
    const normalised = originOf(origin);
    if (!normalised || !origins.has(normalised)) return 'origin_mismatch';
  } else if (requestProtocol(request) !== 'http') {
    // HTTPS, or a protocol we cannot trust: then the stricter rule.
    const referer = request.header('referer');
    if (typeof referer !== 'string' || referer.length === 0) return 'referer_missing';
    const from = originOf(referer);
    if (!from) return 'referer_mismatch';
    if (from.startsWith('http:')) return 'referer_insecure';
    if (!origins.has(from)) return 'referer_mismatch';
  }
  const secret = csrfSecretFromCookie(site, request);
  if (!secret) return 'cookie_missing';
  const token = submittedToken(site, request);
  if (token === null) return 'token_missing';
  const given = unmask(token);
  if (!given) return 'token_malformed';
  return timingSafeEqual(given, secret) ? null : 'token_incorrect';
}
