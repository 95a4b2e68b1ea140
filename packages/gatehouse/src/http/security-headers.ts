/**
 * The security headers every answer carries, computed once at start-up (nothing in them depends
 * on the request). The same set helmet produces with gatehouse's choices (the Fastify adapter
 * uses helmet itself, so its `helmet` option keeps working):
 *
 * - `Referrer-Policy: same-origin`: links to other sites carry no Referer (a URL with a token
 *   never leaks to them), while same-site form posts keep theirs. Not `no-referrer`: under it
 *   browsers send `Origin: null` on same-site POSTs, which the CSRF check must refuse. The reset
 *   link page, whose URL holds a token, sends `no-referrer` itself.
 * - HSTS and `upgrade-insecure-requests` only in production: over plain-HTTP development they
 *   would pin `localhost` to HTTPS.
 * - Framing denied (`X-Frame-Options: DENY`, `frame-ancestors 'none'`): a login form inside
 *   someone else's frame is a clickjacking target.
 */

/** One year, as browsers' HSTS preload lists expect. */
const HSTS_MAX_AGE = 31_536_000;

/** Header overrides: a value replaces gatehouse's, `false` leaves the header out. */
export type SecurityHeaderOverrides = Readonly<Record<string, string | false>>;

/** The headers, lower-case names, for `production` with `overrides` applied. */
export function securityHeaders(production: boolean, overrides: SecurityHeaderOverrides = {}): Readonly<Record<string, string>> {
  const csp = [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' https: data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' https: 'unsafe-inline'",
    ...(production ? ['upgrade-insecure-requests'] : []),
  ].join(';');
  const headers: Record<string, string> = {
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'same-origin',
    ...(production ? { 'strict-transport-security': `max-age=${HSTS_MAX_AGE}; includeSubDomains` } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === false) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return Object.freeze(headers);
}
