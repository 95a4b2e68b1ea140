/**
 * The HTTP layer's view of an Express request. Client address, protocol and host are Express's
 * own (`req.ip`, `req.protocol`, `req.host`), so they follow the app's `trust proxy` setting;
 * the route pattern is the one the middleware resolved before routing (Express only knows its
 * own once the router has dispatched).
 */
import type { Request } from 'express';
import { normaliseClientAddress } from '../http/client-address.js';
import { type HttpRequest, parseCookieHeader } from '../http/request.js';

/** An Express request seen as an `HttpRequest`. */
export class ExpressHttpRequest implements HttpRequest {
  readonly method: string;
  readonly url: string;
  body: Record<string, unknown> | null = null;
  private cookies: Record<string, string> | null = null;
  private address: string | null = null;

  constructor(
    private readonly req: Request,
    /** The pattern resolved before routing (route-resolve.ts), until Express knows its own. */
    private readonly resolvedRoute: string | null,
  ) {
    this.method = req.method.toUpperCase();
    // originalUrl: a mounted router rewrites req.url to the part below its prefix.
    this.url = req.originalUrl;
  }

  get route(): string | null {
    // The resolved pattern is the full path whenever routing can be foreseen; Express's own
    // (`baseUrl` + `route.path`) is right only while the route's router is dispatching.
    if (this.resolvedRoute !== null) return this.resolvedRoute;
    const route = this.req.route as { path?: unknown } | undefined;
    return route && typeof route.path === 'string' ? `${this.req.baseUrl}${route.path}` : null;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  cookie(name: string): string | undefined {
    const cookies = this.cookies ?? parseCookieHeader(this.header('cookie'));
    this.cookies = cookies;
    return Object.hasOwn(cookies, name) ? cookies[name] : undefined;
  }

  /** `req.ip` (after `trust proxy`), without a port or brackets; kept as written if it holds no address. */
  get clientAddress(): string {
    const address = this.address ?? normaliseClientAddress(this.req.ip ?? this.req.socket.remoteAddress);
    this.address = address;
    return address;
  }

  get protocol(): string {
    return this.req.protocol;
  }

  get host(): string | undefined {
    return this.req.host;
  }

  get native(): Request {
    return this.req;
  }
}
