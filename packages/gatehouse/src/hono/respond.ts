/**
 * Between the HTTP layer's plain answers and web-standard `Response`s: gatehouse's own answers
 * become Responses, and what `AuthExchange.finish` adds (cookies, cache headers, security
 * headers) is written onto the app's Response without rebuilding its body.
 */
import type { Context } from 'hono';
import type { HttpResponse } from '../http/response.js';

/** A Response for one of gatehouse's answers. */
export function toResponse(response: HttpResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) headers.set(name, value);
  for (const cookie of response.cookies) headers.append('set-cookie', cookie);
  // 204 and 304 carry no body, whatever the layer put there.
  const body = response.status === 204 || response.status === 304 ? null : response.body;
  return new Response(body, { status: response.status, headers });
}

/** The app's Response as the layer reads it: status and headers (lower-case, Set-Cookie left out), no body. */
export function responseView(response: Response): HttpResponse {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  return { status: response.status, headers, cookies: [], body: null };
}

/** Headers a Response may be written to: a Response from `fetch()` has immutable ones. */
function writable(c: Context): Headers {
  try {
    const probe = 'x-gatehouse-probe';
    c.res.headers.set(probe, '1');
    c.res.headers.delete(probe);
  } catch {
    // Immutable (a proxied fetch() answer): copy it into a Response of our own first.
    const original = c.res;
    c.res = undefined;
    c.res = new Response(original.body, original);
  }
  return c.res.headers;
}

/**
 * Writes `finished` (what `finish` made of the app's answer) onto `c.res`: only the headers that
 * changed and the cookies, or, when the layer replaced the answer (the object-rule safety net),
 * the whole of it with nothing of the app's kept.
 */
export function applyFinished(c: Context, before: HttpResponse, finished: HttpResponse): void {
  if (finished.body !== null || finished.status !== before.status) {
    // `c.res = x` merges the old Response's headers into x; clearing it first keeps none of them.
    c.res = undefined;
    c.res = toResponse(finished);
    return;
  }
  const changed = Object.entries(finished.headers).filter(([name, value]) => before.headers[name] !== value);
  if (changed.length === 0 && finished.cookies.length === 0) return;
  const headers = writable(c);
  for (const [name, value] of changed) headers.set(name, value);
  for (const cookie of finished.cookies) headers.append('set-cookie', cookie);
}
