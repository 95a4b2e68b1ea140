/**
 * Where the plugin keeps its state on Fastify's objects: the `HttpSite` on the instance, the
 * `AuthExchange` on each request. Internal: apps use the request decorations instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthExchange } from '../http/exchange.js';
import type { HttpSite } from '../http/site.js';

/** The site as the plugin shares it (`gatehouse/testing` reads it to build its client). */
export type PluginContext = HttpSite;

/** The instance decoration holding the site. */
export const kContext = Symbol('gatehouse.context');
/** The request property holding its exchange. */
export const kExchange = Symbol('gatehouse.exchange');
/** Marks the plugin's own 405 answers, left out of the route inventory. */
export const kHidden = Symbol('gatehouse.hidden');
/** Headers an account route puts on every answer (route config key). */
export const kRouteHeaders = Symbol('gatehouse.routeHeaders');

type WithContext = { [kContext]?: HttpSite };
type WithExchange = { [kExchange]?: AuthExchange | null };

/** The site of the instance serving `source`. */
export function siteOf(source: FastifyRequest | FastifyInstance): HttpSite {
  const server = ('server' in source ? source.server : source) as unknown as WithContext;
  const site = server[kContext];
  if (!site) throw new Error('gatehouse: the plugin is not registered on this Fastify instance.');
  return site;
}

/** The request's exchange, or null before the plugin's hook made one (or when it refused the request). */
export function exchangeOf(request: FastifyRequest): AuthExchange | null {
  return (request as unknown as WithExchange)[kExchange] ?? null;
}

/** The request's exchange; throws when the plugin's hook has not run for it. */
export function requireExchange(request: FastifyRequest): AuthExchange {
  const exchange = exchangeOf(request);
  if (!exchange) throw new Error('gatehouse: request.user is not set; register the gatehouse plugin before this route.');
  return exchange;
}

/** Stores the request's exchange. */
export function setExchange(request: FastifyRequest, exchange: AuthExchange): void {
  (request as unknown as WithExchange)[kExchange] = exchange;
}
