/**
 * The `HttpRequest` view of a Fastify request. Everything is read on demand from Fastify's own
 * request, after Fastify's proxy handling (`trustProxy`), so nothing is copied for routes that
 * never ask.
 */
import type { FastifyRequest } from 'fastify';
import { normaliseClientAddress } from '../http/client-address.js';
import { type HttpRequest, parseCookieHeader } from '../http/request.js';

/** Wraps `request`; see the module comment. */
export class FastifyHttpRequest implements HttpRequest {
  private cookies: Record<string, string | undefined> | null = null;

  constructor(private readonly raw: FastifyRequest) {}

  get method(): string {
    return this.raw.method;
  }

  get url(): string {
    return this.raw.url;
  }

  get route(): string | null {
    return this.raw.routeOptions?.url ?? null;
  }

  header(name: string): string | undefined {
    const value = this.raw.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  cookie(name: string): string | undefined {
    if (this.cookies === null) this.cookies = this.raw.cookies ?? parseCookieHeader(this.header('cookie'));
    return this.cookies[name];
  }

  get clientAddress(): string {
    return normaliseClientAddress(this.raw.ip);
  }

  get protocol(): string {
    return this.raw.protocol;
  }

  get host(): string | undefined {
    const host: unknown = this.raw.host;
    return typeof host === 'string' ? host : undefined;
  }

  /** Fastify parses the body itself; the view reads it live (a record, or null for anything else). */
  get body(): Record<string, unknown> | null {
    const body: unknown = this.raw.body;
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  }

  set body(_value: Record<string, unknown> | null) {
    // Fastify owns the parsed body; nothing in gatehouse replaces it.
  }

  get native(): FastifyRequest {
    return this.raw;
  }
}
