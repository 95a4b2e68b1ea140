/**
 * Between the HTTP layer's plain answers and web-standard `Response`s: gatehouse's own answers
 * become Responses, and what `AuthExchange.finish` adds to the app's answer (cookies, cache
 * headers) is written onto its Response without rebuilding its body.
 *
 * The security headers are the adapter's to add (the site is built without them): they are
 * written straight onto the Response's `Headers`, only those the answer does not set itself.
 * Going through `finish` would copy every header of every answer into a plain object and add a
 * dozen keys to it, which V8 makes slow (tens of µs per request, most of a bare route's cost).
 */
import type { Context } from 'hono';
import type { HttpResponse } from '../http/response.js';

/** The security headers, lower-case names, computed once at start-up. */
export type SecurityHeaderList = readonly (readonly [string, string])[];

/** A Response for one of gatehouse's answers, with the security headers it does not set itself. */
export function toResponse(response: HttpResponse, security: SecurityHeaderList = []): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) headers.set(name, value);
  for (const [name, value] of security) if (!headers.has(name)) headers.set(name, value);
  for (const cookie of response.cookies) headers.append('set-cookie', cookie);
  // 204 and 304 carry no body, whatever the layer put there.
  const body = response.status === 204 || response.status === 304 ? null : response.body;
  return new Response(body, { status: response.status, headers });
}

/**
 * The app's answer as `finish` needs it: the status and the two headers it may respect
 * (`Cache-Control`, `Vary`); nothing else of the app's is read or copied.
 */
export function responseView(response: Response): HttpResponse {
  const headers: Record<string, string> = {};
  const cacheControl = response.headers.get('cache-control');
  if (cacheControl !== null) headers['cache-control'] = cacheControl;
  const vary = response.headers.get('vary');
  if (vary !== null) headers.vary = vary;
  return { status: response.status, headers, cookies: [], body: null };
}

/** Runs `write` on `c.res`'s headers, copying the Response first if they are immutable (a `fetch()` answer). */
function writeHeaders(c: Context, write: (headers: Headers) => void): void {
  try {
    write(c.res.headers);
  } catch {
    const original = c.res;
    // `c.res = x` merges the old Response's headers into x; clearing it first keeps it a plain copy.
    c.res = undefined;
    c.res = new Response(original.body, original);
    write(c.res.headers);
  }
}

/**
 * Writes `finished` (what `finish` made of the app's answer) onto `c.res`: the headers that
 * changed, the cookies and the missing security headers; or, when the layer replaced the answer
 * (the object-rule safety net), the whole of it, with nothing of the app's kept.
 */
export function applyFinished(c: Context, before: HttpResponse, finished: HttpResponse, security: SecurityHeaderList): void {
  if (finished.body !== null || finished.status !== before.status) {
    c.res = undefined;
    c.res = toResponse(finished, security);
    return;
  }
  writeHeaders(c, (headers) => {
    for (const name in finished.headers) {
      const value = finished.headers[name] as string;
      if (before.headers[name] !== value) headers.set(name, value);
    }
    for (const cookie of finished.cookies) headers.append('set-cookie', cookie);
    for (const [name, value] of security) if (!headers.has(name)) headers.set(name, value);
  });
}
