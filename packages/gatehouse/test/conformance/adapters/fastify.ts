/**
 * The Fastify adapter of the conformance harness: the conformance app built with today's
 * `gatehouseFastify` plugin, each route declared in its `config.access`, object checks through
 * the plugin's `authorizeObject`.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { authorizeObject, gatehouseFastify } from '../../../src/fastify/index.js';
import type { ConformanceAdapter, ConformanceApp, ConformanceContext, ConformanceServer } from '../../../src/testing/conformance/index.js';

/** The parsed body as a field map, or null (no body, or one that is not an object). */
function fields(request: FastifyRequest): Record<string, unknown> | null {
  const body: unknown = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

function contextOf(request: FastifyRequest): ConformanceContext {
  return {
    user: request.user,
    params: request.params as Record<string, string>,
    body: fields(request),
    authorizeObject: (rule, object) => authorizeObject(request, rule, object),
    csrfToken: () => request.csrfToken(),
  };
}

/**
 * Knobs for the harness's own tests, which prove the suite fails a misbuilt adapter: Fastify
 * options (`trustProxy`) and extra route config (`csrf: false`). The real adapter uses neither.
 */
export interface FastifyAdapterOptions {
  readonly name?: string;
  readonly fastify?: FastifyServerOptions;
  readonly routeConfig?: { readonly csrf?: boolean };
}

/** Starts the conformance app on Fastify. */
async function start(app: ConformanceApp, options: FastifyAdapterOptions): Promise<ConformanceServer> {
  const fastify = Fastify({ logger: false, ...options.fastify });
  await fastify.register(gatehouseFastify, { ...app.options });
  for (const route of app.routes) {
    fastify.route({
      method: route.method,
      url: route.path,
      config: { access: route.access, ...options.routeConfig },
      handler: async (request, reply) => {
        const result = await route.handler(contextOf(request));
        reply.code(result.status ?? 200);
        if (result.json !== undefined) return reply.send(result.json);
        if (result.html !== undefined) return reply.type('text/html; charset=utf-8').send(result.html);
        return reply.send();
      },
    });
  }
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => fastify.close() };
}

/** A Fastify adapter with the given knobs (the harness's tests build misbuilt ones). */
export function createFastifyAdapter(options: FastifyAdapterOptions = {}): ConformanceAdapter {
  return { name: options.name ?? 'fastify', start: (app) => start(app, options) };
}

/** See the module comment. */
export const fastifyAdapter: ConformanceAdapter = createFastifyAdapter();
