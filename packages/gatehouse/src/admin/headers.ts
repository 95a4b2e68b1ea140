/**
 * Headers every admin answer carries, refusals and errors included: a strict CSP (the screens
 * need no script and no inline style at all, so none is allowed), never cached, never framed.
 * `same-origin` referrers, not `no-referrer`: under the latter browsers post forms with
 * `Origin: null`, which the CSRF check rightly refuses.
 */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'none'; object-src 'none'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
});
