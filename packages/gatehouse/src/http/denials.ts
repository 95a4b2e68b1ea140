/**
 * The pieces of a refusal (Django's `AccessMixin.handle_no_permission`), put together by
 * `AuthExchange.deny`:
 *
 * - nobody logged in → browsers are sent to `loginUrl?next=<this path>`, scripts and API clients
 *   (`prefersJson`) get 401 JSON;
 * - logged in but not allowed → 403, a bland page or JSON that names no permission, rule or id;
 * - allowed but the password check is stale → to the re-authentication page (or 401 JSON).
 *
 * The reason (who, which route, which permission or rule) goes to the server log, and for
 * critical routes to the audit log as well, never to the client.
 */
import type { AnyUser } from '../core/user.js';
import { type HttpRequest, requestPath } from './request.js';

/** `next` values longer than this are left off: they would be refused on the way back anyway. */
export const MAX_NEXT_LENGTH = 2000;

/** `?next=/path/` in Django's spelling: slashes left readable, everything else encoded. */
export function withNext(url: string, next: string): string {
  if (next.length > MAX_NEXT_LENGTH) return url;
  let encoded: string;
  try {
    encoded = encodeURIComponent(next).replace(/%2F/gi, '/');
  } catch {
    return url;
  }
  return `${url}${url.includes('?') ? '&' : '?'}next=${encoded}`;
}

/** `GET /invoices/`: the route pattern, not the concrete URL, so logs group by route. */
export function routeLabel(request: Pick<HttpRequest, 'method' | 'route' | 'url'>): string {
  return `${request.method} ${request.route ?? requestPath(request)}`;
}

/** Who and where, for a denial log line. */
export interface DenialLogFields {
  /** The username, or null for a visitor who is not logged in (then `anonymous` is true). */
  user: string | null;
  userId: number | null;
  anonymous: boolean;
  /** The client address as the adapter resolved it (see the proxy-trust notes in docs/deploying.md). */
  ip: string;
  /** `POST /payouts/:id/approve/`: the route pattern, so ids and tokens in the URL stay out. */
  route: string;
}

/**
 * The fields every denial line carries (the bad-Host 400, CSRF failures, guard denials), so a
 * person reading the log can tell who was refused where. Nothing secret: no cookie, token,
 * password or query string.
 */
export function denialLogFields(request: HttpRequest, user: AnyUser | null): DenialLogFields {
  const name = user?.isAuthenticated ? user.username : null;
  const id = user?.isAuthenticated ? user.id : null;
  return { user: name, userId: id, anonymous: name === null, ip: request.clientAddress, route: routeLabel(request) };
}
