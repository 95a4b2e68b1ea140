/**
 * The session and CSRF cookies: their names and attributes from the configuration, and the one
 * `Set-Cookie` serializer every adapter's answers go through.
 *
 * The session cookie carries the raw session id (only its hash is stored), is HttpOnly and
 * SameSite=Lax by default, and when Secure it takes the `__Host-` prefix, which browsers accept
 * only over HTTPS, without a Domain and for the whole site, so a sibling subdomain cannot plant
 * or overwrite it.
 */
import type { GatehouseConfig } from '../core/config.js';

/** A cookie's name and attributes. */
export interface CookieSpec {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain: string | null;
  path: string;
}

/**
 * The name a cookie gets: `__Host-` when it is Secure, host-only and for `/` (the strongest
 * form), `__Secure-` when Secure otherwise, the plain name over HTTP.
 */
export function prefixedCookieName(name: string, spec: Omit<CookieSpec, 'name'>): string {
  if (name.startsWith('__Host-') || name.startsWith('__Secure-') || !spec.secure) return name;
  return spec.domain === null && spec.path === '/' ? `__Host-${name}` : `__Secure-${name}`;
}

/** The session and CSRF cookie specs from the configuration. */
export function cookieSpecs(config: GatehouseConfig): { session: CookieSpec; csrf: CookieSpec } {
  const base = {
    secure: config.session.cookieSecure,
    sameSite: config.session.cookieSameSite,
    domain: config.session.cookieDomain,
    path: config.session.cookiePath,
  };
  const session: CookieSpec = {
    ...base,
    httpOnly: config.session.cookieHttpOnly,
    name: prefixedCookieName(config.session.cookieName, { ...base, httpOnly: true }),
  };
  // The CSRF cookie is HttpOnly too unless the app says otherwise (csrf.cookieHttpOnly): scripts
  // take the token from the page or `GET csrf` rather than from the cookie.
  const csrfBase = { ...base, domain: null, path: '/' };
  const csrf: CookieSpec = {
    ...csrfBase,
    httpOnly: config.csrf.cookieHttpOnly !== false,
    name: prefixedCookieName(config.csrf.cookieName, { ...csrfBase, httpOnly: true }),
  };
  return { session, csrf };
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;
// RFC 6265 cookie-octets: the ids and secrets gatehouse writes are base64url, always inside it.
const VALUE_PATTERN = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * `Set-Cookie` value for `spec` (attribute order as the `cookie` package writes it); `expires`
 * null clears the cookie (empty value, expired in 1970).
 */
export function serializeCookie(spec: CookieSpec, value: string, expires: Date | null): string {
  const written = expires === null ? '' : value;
  if (!VALUE_PATTERN.test(written)) throw new TypeError(`cookie ${spec.name}: value has characters a cookie cannot carry`);
  let out = `${spec.name}=${written}`;
  if (spec.domain !== null) out += `; Domain=${spec.domain}`;
  out += `; Path=${spec.path}`;
  out += `; Expires=${(expires ?? new Date(0)).toUTCString()}`;
  if (spec.httpOnly) out += '; HttpOnly';
  if (spec.secure) out += '; Secure';
  out += `; SameSite=${SAME_SITE[spec.sameSite]}`;
  return out;
}
