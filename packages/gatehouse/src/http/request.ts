/**
 * The request as gatehouse reads it, whatever framework received it. Each adapter builds one per
 * request from its native request, after its own proxy handling: nothing in this layer parses a
 * socket address or a forwarded header of its own accord (`forwarded.ts` does it for adapters
 * that have no proxy handling).
 */

/** One request, as the HTTP layer sees it. */
export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  /** The matched route pattern (`/orders/:id/`), for logs and the audit log; null if none matched. */
  readonly route: string | null;
  /** A header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /** A cookie's raw value. */
  cookie(name: string): string | undefined;
  /** The client's address after the adapter's proxy trust, without a port. */
  readonly clientAddress: string;
  /** `http` or `https` as resolved through trusted proxies (anything else fails the origin check). */
  readonly protocol: string;
  /** `Host[:port]` as resolved through trusted proxies. */
  readonly host: string | undefined;
  /** Parsed form or JSON fields; set before the CSRF check. */
  body: Record<string, unknown> | null;
  /** The framework's own request, for `passesTest` and `userPassesTest` predicates. */
  readonly native: unknown;
}

/** The path of `request.url`, without the query string. */
export function requestPath(request: Pick<HttpRequest, 'url'>): string {
  const at = request.url.indexOf('?');
  return at === -1 ? request.url : request.url.slice(0, at);
}

/** The string value of query parameter `name`, or '' (the first one when repeated). */
export function queryParam(request: Pick<HttpRequest, 'url'>, name: string): string {
  const at = request.url.indexOf('?');
  if (at === -1) return '';
  try {
    return new URLSearchParams(request.url.slice(at + 1)).get(name) ?? '';
  } catch {
    return '';
  }
}

/** Parses a `Cookie` header into name → value (first occurrence wins, values URI-decoded when valid). */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || Object.hasOwn(out, name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out[name] = value.includes('%') ? decodeURIComponent(value) : value;
    } catch {
      out[name] = value;
    }
  }
  return out;
}
