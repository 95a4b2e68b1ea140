/**
 * Reading form fields defensively: a field is a string or it is absent. Arrays (a repeated
 * field), objects (a JSON body) and overlong values are treated as absent or cut, so a handler
 * never meets a type it did not expect.
 */
import { type SafeRedirectOptions, resolveSafeRedirect } from '../core/redirects.js';
import { hostString, requestHost, requestProtocol } from './origin.js';
import { type HttpRequest, queryParam } from './request.js';
import type { HttpSite } from './site.js';

/** The string value of body field `name`, or '' when missing or not a single string. */
export function field(request: Pick<HttpRequest, 'body'>, name: string, maxLength = 10_000): string {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return '';
  const value = body[name];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/**
 * What `next` may point to for this request: this host or an allowed one, https if we are. The
 * host and protocol are the validated ones (origin.ts); when they cannot be trusted no host
 * counts as "this host" and only the configured redirect hosts remain.
 */
export function redirectPolicy(site: HttpSite, request: HttpRequest): SafeRedirectOptions {
  const host = requestHost(request, site.hostPatterns);
  return {
    host: host === null ? '' : hostString(host),
    allowedHosts: site.gatehouse.config.allowedRedirectHosts,
    requireHttps: requestProtocol(request) !== 'http',
  };
}

/** The safe `next` of this request (body first, then query), or null. */
export function safeNext(site: HttpSite, request: HttpRequest): string | null {
  const next = field(request, 'next', 4000) || queryParam(request, 'next');
  return next ? resolveSafeRedirect(next, redirectPolicy(site, request)) : null;
}
