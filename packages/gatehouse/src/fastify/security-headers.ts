/**
 * Security headers computed once. `@fastify/helmet` calls `helmet(options)` on every request,
 * which rebuilds every header (the CSP string included) each time: about a tenth of a bare
 * route's CPU. Nothing in them depends on the request with gatehouse's options, so the header
 * list is computed once at start-up by running helmet itself against a recording response, and
 * each request only copies it. Same library, same output; a route's own `reply.header(...)`
 * still wins (the reset page's `Referrer-Policy: no-referrer`), because Fastify writes its reply
 * headers over raw ones.
 *
 * What needs the request falls back to helmet per request, exactly as `@fastify/helmet` does:
 * a route with its own `helmet` route option, CSP nonces (`enableCSPNonces`), CSP directives
 * given as functions, `global: false`; and `reply.helmet(opts)` stays available.
 */
import { createRequire } from 'node:module';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

type HelmetMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
type Helmet = (options: Record<string, unknown>) => HelmetMiddleware;

// The helmet that @fastify/helmet itself depends on, resolved from it: the very same code and
// version, without gatehouse declaring a second dependency.
function loadHelmet(): Helmet {
  const fromHere = createRequire(import.meta.url);
  const fromPlugin = createRequire(fromHere.resolve('@fastify/helmet'));
  const loaded = fromPlugin('helmet') as Helmet | { default: Helmet };
  return typeof loaded === 'function' ? loaded : loaded.default;
}

/** The headers `options` produce, as [name, value] pairs, by running helmet once. */
export function precomputeHelmetHeaders(options: Record<string, unknown>, helmet: Helmet = loadHelmet()): [string, string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    },
    removeHeader(): void {},
    getHeader(): undefined {
      return undefined;
    },
  } as unknown as ServerResponse;
  let failure: unknown;
  helmet(options)({ headers: {} } as IncomingMessage, recorder, (error) => {
    failure = error;
  });
  if (failure) throw failure;
  return headers;
}

/** True when some CSP directive is computed per request (a function), so nothing can be precomputed. */
function hasDynamicDirectives(options: Record<string, unknown>): boolean {
  const csp = options.contentSecurityPolicy as { directives?: Record<string, unknown> } | false | undefined;
  if (!csp || typeof csp !== 'object' || !csp.directives) return false;
  return Object.values(csp.directives).some(
    (value) => typeof value === 'function' || (Array.isArray(value) && value.some((item) => typeof item === 'function')),
  );
}

function done(error?: unknown): void {
  if (error) throw error;
}

/**
 * Registers the security headers for `options` (gatehouse's `helmetOptions`): precomputed when
 * they do not depend on the request, else `@fastify/helmet` as is.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance, options: FastifyHelmetOptions): Promise<void> {
  const { enableCSPNonces, global, ...config } = options as FastifyHelmetOptions & Record<string, unknown>;
  if (enableCSPNonces || global === false || hasDynamicDirectives(config)) {
    await fastify.register(fastifyHelmet, options);
    return;
  }
  const helmet = loadHelmet();
  const headers = precomputeHelmetHeaders(config, helmet);

  if (!fastify.hasReplyDecorator('helmet')) {
    // `reply.helmet(opts)` as @fastify/helmet offers it, without a closure per request.
    fastify.decorateReply('helmet', function (this: FastifyReply, opts?: Record<string, unknown>) {
      return helmet(opts ? { ...config, ...opts } : config)(this.request.raw, this.raw, done);
    } as unknown as FastifyReply['helmet']);
  }
  // No nonces here (they need per-request helmet): null, as @fastify/helmet leaves it without them.
  if (!fastify.hasReplyDecorator('cspNonce')) fastify.decorateReply('cspNonce', null as unknown as FastifyReply['cspNonce']);

  // A route's own `helmet` option, as @fastify/helmet takes it: an object merges over the
  // global options, `false` skips the headers.
  fastify.addHook('onRoute', (route) => {
    const own = (route as { helmet?: unknown }).helmet;
    if (own === undefined) return;
    if (own !== false && (typeof own !== 'object' || own === null)) throw new Error('Unknown value for route helmet configuration');
    route.config = Object.assign(route.config ?? Object.create(null), { helmet: own === false ? { skipRoute: true } : own });
  });

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, next: () => void) => {
    const raw = reply.raw;
    const own = (request.routeOptions.config as { helmet?: Record<string, unknown> & { skipRoute?: boolean } } | undefined)?.helmet;
    if (own === undefined) {
      for (const [name, value] of headers) raw.setHeader(name, value);
    } else if (own.skipRoute !== true) {
      const { enableCSPNonces: _nonces, skipRoute: _skip, ...routeConfig } = own;
      helmet({ ...config, ...routeConfig })(request.raw, raw, done);
    }
    next();
  });
}
