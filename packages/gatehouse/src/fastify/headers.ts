/**
 * Security headers through helmet, with gatehouse's choices:
 *
 * - `Referrer-Policy: same-origin` — links to other sites carry no Referer (so a URL with a
 *   token never leaks to them), while same-site form posts keep theirs. Not `no-referrer`:
 *   under it browsers send `Origin: null` on same-site POSTs, which the CSRF check must refuse.
 *   The reset-link page, whose URL holds a token, sends `no-referrer` itself.
 * - HSTS only in production: over plain-HTTP development it would pin `localhost` to HTTPS.
 * - `upgrade-insecure-requests` only in production, for the same reason.
 * - Framing denied (`X-Frame-Options: DENY`, `frame-ancestors 'none'`): a login form inside
 *   someone else's frame is a clickjacking target.
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';

/** One year, as browsers' HSTS preload lists expect. */
const HSTS_MAX_AGE = 31_536_000;

/** Helmet options for gatehouse; `overrides` (the plugin's `helmet` option) win. */
export function helmetOptions(production: boolean, overrides: FastifyHelmetOptions = {}): FastifyHelmetOptions {
  const options = {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: production ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    hsts: production ? { maxAge: HSTS_MAX_AGE, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    ...overrides,
  };
  return options as FastifyHelmetOptions;
}
