/**
 * The answer the HTTP layer hands back: status, headers (lower-case names), cookies as
 * serialized `Set-Cookie` values (written by `cookies.ts`, the one serializer), and the body.
 * Adapters write it with their framework's own calls.
 */

/** A response built by the HTTP layer. */
export interface HttpResponse {
  status: number;
  /** Lower-case names; `Set-Cookie` is never here (see `cookies`). */
  headers: Record<string, string>;
  /** Serialized `Set-Cookie` values. */
  cookies: string[];
  body: string | null;
}

/** An HTML page. */
export function htmlResponse(status: number, html: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, cookies: [], body: html };
}

/** A JSON document. */
export function jsonResponse(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, cookies: [], body: JSON.stringify(value) };
}

/** A redirect (302 unless told otherwise). */
export function redirectResponse(url: string, status = 302): HttpResponse {
  return { status, headers: { location: url }, cookies: [], body: null };
}

/** Plain text. */
export function textResponse(status: number, text: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, cookies: [], body: text };
}

/** `response` with `headers` set over its own (lower-case names). */
export function withHeaders(response: HttpResponse, headers: Record<string, string>): HttpResponse {
  const merged = { ...response.headers };
  for (const [name, value] of Object.entries(headers)) merged[name.toLowerCase()] = value;
  return { ...response, headers: merged };
}
