/**
 * Content negotiation for gatehouse's own answers (denials, errors, the CSRF failure): ONE rule,
 * so a script never gets a login page where it expected JSON, and a browser navigating never
 * gets JSON.
 *
 * JSON when the client asks for it: its `Accept` prefers `application/json` to `text/html`, or it
 * says it is a script (`X-Requested-With: XMLHttpRequest`, what jQuery and many clients send), or
 * a browser marks it as a fetch/XHR (`Sec-Fetch-Mode` present and not `navigate`, with
 * `Sec-Fetch-Dest: empty`). Node's own `fetch` sends none of these (its `Sec-Fetch-Mode` is
 * `cors` but it has no `Sec-Fetch-Dest`), so it keeps getting pages and redirects unless it asks.
 */
import type { HttpRequest } from './request.js';

/** Quality of `type` in an Accept header (0 when absent), ignoring wildcards. */
function quality(accept: string, type: string): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().toLowerCase().split(';');
    if (media?.trim() !== type) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number.parseFloat(v);
    }
    if (Number.isFinite(q) && q > best) best = q;
  }
  return best;
}

/** True when the `Accept` header prefers JSON to HTML. */
export function acceptPrefersJson(accept: string | undefined): boolean {
  if (typeof accept !== 'string' || accept.length === 0 || accept.length > 1000) return false;
  const json = quality(accept, 'application/json');
  return json > 0 && json > quality(accept, 'text/html');
}

/** True when the client asks for HTML (a browser page load) and not JSON. */
export function acceptsHtml(request: Pick<HttpRequest, 'header'>): boolean {
  const accept = request.header('accept');
  return typeof accept === 'string' && accept.toLowerCase().includes('text/html') && !prefersJson(request);
}

/** The negotiation rule; see the module comment. */
export function prefersJson(request: Pick<HttpRequest, 'header'>): boolean {
  if (acceptPrefersJson(request.header('accept'))) return true;
  if (request.header('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true;
  const mode = request.header('sec-fetch-mode')?.toLowerCase();
  const dest = request.header('sec-fetch-dest')?.toLowerCase();
  return mode !== undefined && mode !== '' && mode !== 'navigate' && dest === 'empty';
}
