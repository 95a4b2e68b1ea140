/**
 * The `HttpRequest` view of a Hono request. The web-standard `Request` knows neither the peer's
 * address nor any proxy, so the adapter resolves them itself (`resolveForwarded`, with the same
 * rules as Fastify's `trustProxy` under `trustedProxies(...)`), starting from the runtime's
 * connection info (conn-info.ts).
 *
 * The host is the request URL's authority: what the runtime built the URL from (the Host header,
 * or an absolute request target), and what Hono routed on. It is read from the URL string as is,
 * without a `new URL()` per request; the allow-list check parses and lower-cases it.
 */
import type { Context } from 'hono';
import { normaliseClientAddress } from '../http/client-address.js';
import { resolveForwarded } from '../http/forwarded.js';
import type { HttpRequest } from '../http/request.js';
import { parseCookieHeader } from '../http/request.js';

/** What the adapter resolved once at start-up for every request. */
export interface RequestSettings {
  /** The peer's address (conn-info.ts); throws when the runtime gives none. */
  remoteAddress(c: Context): string;
  /** The compiled proxy trust, or null (no proxy: forwarded headers are ignored). */
  trust: ((address: string, hop: number) => boolean) | null;
}

/** The path and query of an absolute URL (`http://h/p?q` → `/p?q`). */
function pathAndQuery(url: string): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return start === -1 ? '/' : url.slice(start);
}

/** Scheme and authority of the absolute URL the runtime built (`https://example.com:8443/...`). */
function origin(url: string): { protocol: 'http' | 'https'; host: string } {
  const scheme = url.indexOf('://');
  const end = url.indexOf('/', scheme + 3);
  const query = url.indexOf('?', scheme + 3);
  const stop = end === -1 ? (query === -1 ? url.length : query) : query === -1 ? end : Math.min(end, query);
  return { protocol: url.slice(0, scheme).toLowerCase() === 'https' ? 'https' : 'http', host: url.slice(scheme + 3, stop) };
}

/** Builds the request view; `route` is the matched pattern (route-table.ts). */
export function buildHttpRequest(c: Context, route: string | null, settings: RequestSettings): HttpRequest {
  const raw = c.req.raw;
  const { protocol: socketProtocol, host } = origin(raw.url);
  const header = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    if (lower === 'host') return host;
    return raw.headers.get(lower) ?? undefined;
  };
  const view = resolveForwarded(settings.remoteAddress(c), header, settings.trust, socketProtocol);
  let cookies: Record<string, string> | null = null;
  return {
    method: raw.method.toUpperCase(),
    url: pathAndQuery(raw.url),
    route,
    header,
    cookie(name) {
      cookies ??= parseCookieHeader(raw.headers.get('cookie') ?? undefined);
      return cookies[name];
    },
    clientAddress: normaliseClientAddress(view.clientAddress),
    protocol: view.protocol,
    host: view.host,
    body: null,
    native: c,
  };
}
