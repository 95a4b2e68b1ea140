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
 * The check runs in `preValidation`, after the body is parsed (form fields) and before the
 * handler, so a refused request changes nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf, stateOf } from './context.js';
import { requestOrigin, requestProtocol } from './request-origin.js';
import { cookieOptions, requestCookies } from './session-cookie.js';

const SECRET_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{86}$/; // 64 bytes, base64url, unpadded
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 bytes
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** The CSRF cookie lives a year (Django's default): long enough that open forms keep working. */
const COOKIE_LIFETIME_MS = 365 * 24 * 3600 * 1000;

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

function secretFromCookie(request: FastifyRequest): Buffer | null {
  const value = requestCookies(request)[contextOf(request).csrfCookie.name];
  if (typeof value !== 'string' || !SECRET_PATTERN.test(value)) return null;
  return Buffer.from(value, 'base64url');
}

/** The secret in use for this request, from the cookie or newly made (and then sent). */
function currentSecret(request: FastifyRequest): Buffer {
  const state = stateOf(request);
  if (state.csrfSecret) return state.csrfSecret;
  const fromCookie = secretFromCookie(request);
  if (fromCookie) {
    state.csrfSecret = fromCookie;
  } else {
    state.csrfSecret = randomBytes(SECRET_BYTES);
    state.csrfSecretChanged = true;
  }
  return state.csrfSecret;
}

/** Replaces the secret (at login). */
export function rotateCsrfSecret(request: FastifyRequest): void {
  const state = stateOf(request);
  state.csrfSecret = randomBytes(SECRET_BYTES);
  state.csrfSecretChanged = true;
}

/** `request.csrfToken()`: the secret masked with fresh randomness. */
export function csrfToken(request: FastifyRequest): string {
  const secret = currentSecret(request);
  const mask = randomBytes(SECRET_BYTES);
  const masked = Buffer.alloc(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i += 1) masked[i] = (secret[i] ?? 0) ^ (mask[i] ?? 0);
  return Buffer.concat([mask, masked]).toString('base64url');
}

/** onSend: sends the secret's cookie when it was made or replaced during this request. */
export function writeCsrfCookie(request: FastifyRequest, reply: FastifyReply): void {
  const state = stateOf(request);
  if (!state.csrfSecretChanged || !state.csrfSecret) return;
  const spec = contextOf(request).csrfCookie;
  reply.setCookie(spec.name, state.csrfSecret.toString('base64url'), cookieOptions(spec, new Date(Date.now() + COOKIE_LIFETIME_MS)));
}

function unmask(token: string): Buffer | null {
  if (!TOKEN_PATTERN.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== SECRET_BYTES * 2) return null;
  const secret = Buffer.alloc(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i += 1) secret[i] = (bytes[i] ?? 0) ^ (bytes[i + SECRET_BYTES] ?? 0);
  return secret;
}

function submittedToken(request: FastifyRequest): string | null {
  const config = contextOf(request).gatehouse.config.csrf;
  const header = request.headers[config.headerName.toLowerCase()];
  if (typeof header === 'string' && header.length > 0) return header;
  const body = request.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const field = (body as Record<string, unknown>)[config.fieldName];
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

function acceptedOrigins(request: FastifyRequest): Set<string> {
  // This request's own origin only when its protocol and Host are trustworthy (request-origin.ts):
  // a forged X-Forwarded-Proto must not make an attacker's origin "our own".
  const own = requestOrigin(request);
  const trusted = contextOf(request).gatehouse.config.csrf.trustedOrigins.map((o) => originOf(o)).filter((o): o is string => o !== null);
  return new Set([...(own ? [own] : []), ...trusted]);
}

/** Checks a request with an unsafe method; null when it passes. */
export function checkCsrf(request: FastifyRequest): CsrfFailure | null {
  const origins = acceptedOrigins(request);
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin.length > 0) {
    // Browsers send "null" for opaque origins (sandboxed frames, some redirects): never trusted.
    if (origin === 'null') return 'origin_null';
    const normalised = originOf(origin);
    if (!normalised || !origins.has(normalised)) return 'origin_mismatch';
  } else if (requestProtocol(request) !== 'http') {
    // HTTPS, or a protocol we cannot trust: then the stricter rule.
    const referer = request.headers.referer;
    if (typeof referer !== 'string' || referer.length === 0) return 'referer_missing';
    const from = originOf(referer);
    if (!from) return 'referer_mismatch';
    if (from.startsWith('http:')) return 'referer_insecure';
    if (!origins.has(from)) return 'referer_mismatch';
  }
  const secret = secretFromCookie(request);
  if (!secret) return 'cookie_missing';
  const token = submittedToken(request);
  if (token === null) return 'token_missing';
  const given = unmask(token);
  if (!given) return 'token_malformed';
  return timingSafeEqual(given, secret) ? null : 'token_incorrect';
}

/** Whether the route serving `request` is exempt (`config: { csrf: false }`). */
export function isCsrfExempt(request: FastifyRequest): boolean {
  return request.routeOptions.config?.csrf === false;
}
