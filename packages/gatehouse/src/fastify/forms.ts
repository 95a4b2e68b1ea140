/**
 * Reading form fields defensively: a field is a string or it is absent. Arrays (a repeated
 * field), objects (a JSON body) and overlong values are treated as absent or cut, so a handler
 * never meets a type it did not expect.
 */
import type { FastifyRequest } from 'fastify';
import { type SafeRedirectOptions, resolveSafeRedirect } from '../core/redirects.js';
import { contextOf } from './context.js';
import { hostString, requestHost, requestProtocol } from './request-origin.js';

/** The string value of body field `name`, or '' when missing or not a single string. */
export function field(request: FastifyRequest, name: string, maxLength = 10_000): string {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/** The string value of query parameter `name`, or ''. */
export function queryParam(request: FastifyRequest, name: string): string {
  const query = request.query;
  if (!query || typeof query !== 'object') return '';
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/**
 * What `next` may point to for this request: this host or an allowed one, https if we are. The
 * host and protocol are the validated ones (request-origin.ts); when they cannot be trusted no
 * host counts as "this host" and only the configured redirect hosts remain.
 */
export function redirectPolicy(request: FastifyRequest): SafeRedirectOptions {
  const host = requestHost(request);
  return {
    host: host === null ? '' : hostString(host),
    allowedHosts: contextOf(request).gatehouse.config.allowedRedirectHosts,
    requireHttps: requestProtocol(request) !== 'http',
  };
}

/** The safe `next` of this request (body first, then query), or null. */
export function safeNext(request: FastifyRequest): string | null {
  const next = field(request, 'next', 4000) || queryParam(request, 'next');
  return next ? resolveSafeRedirect(next, redirectPolicy(request)) : null;
}
