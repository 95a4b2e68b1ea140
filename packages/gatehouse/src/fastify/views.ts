/**
 * Registers the HTTP layer's account routes (`accountRoutes(site)`) under the prefix, each other
 * method of their URLs as a 405 with `Allow`, and the stylesheet.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { untypedAccess } from '../http/access.js';
import { ACCOUNT_FORM_BODY_LIMIT, accountRoutes, disallowedMethods, methodNotAllowed, stylesheetResponse } from '../http/account-routes.js';
import type { HttpSite } from '../http/site.js';
import { kHidden, kRouteHeaders, requireExchange } from './context.js';
import { sendResponse } from './reply.js';

/** Registers every account view of `site`. */
export function registerAccountViews(fastify: FastifyInstance, site: HttpSite): void {
  for (const route of accountRoutes(site)) {
    const url = `${site.prefix}${route.path}`;
    for (const method of route.methods) {
      fastify.route({
        method,
        url,
        config: { access: route.access, [kRouteHeaders]: route.headers },
        ...(method === 'POST' ? { bodyLimit: ACCOUNT_FORM_BODY_LIMIT } : {}),
        handler: async (request, reply) => sendResponse(reply, await route.handler(requireExchange(request), request.params as Record<string, string>)),
      });
    }
    fastify.route({
      method: disallowedMethods(route) as HTTPMethods[],
      url,
      // No CSRF check: the answer is 405 whatever the request, and nothing is done.
      config: { access: untypedAccess.publicAccess({ session: false }), csrf: false, [kHidden]: true },
      bodyLimit: ACCOUNT_FORM_BODY_LIMIT,
      handler: async (_request, reply) => sendResponse(reply, methodNotAllowed(route)),
    });
  }
  fastify.get(`${site.prefix}/gatehouse.css`, { config: { access: untypedAccess.publicAccess({ session: false }) } }, async (_request, reply) =>
    sendResponse(reply, stylesheetResponse(site)),
  );
}
