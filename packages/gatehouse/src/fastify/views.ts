/**
 * Registers the HTTP layer's account routes (`accountRoutes(site)`) under the prefix, each other
 * method of their URLs as a 405 with `Allow`, and the stylesheet; the admin's (`adminRoutes`) the same way.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { untypedAccess } from '../http/access.js';
import { adminRoutes } from '../admin/routes.js';
import { ACCOUNT_FORM_BODY_LIMIT, type AccountRoute, accountRoutes, disallowedMethods, methodNotAllowed, stylesheetResponse } from '../http/account-routes.js';
import type { HttpSite } from '../http/site.js';
import { kHidden, kRouteHeaders, requireExchange } from './context.js';
import { sendResponse } from './reply.js';

/** Registers every account view of `site`. */
export function registerAccountViews(fastify: FastifyInstance, site: HttpSite): void {
  registerRouteTable(fastify, site.prefix, accountRoutes(site));
  fastify.get(`${site.prefix}/gatehouse.css`, { config: { access: untypedAccess.publicAccess({ session: false }) } }, async (_request, reply) =>
    sendResponse(reply, stylesheetResponse(site)),
  );
}

/** Registers the admin's routes (`adminRoutes`) under its prefix, exactly as the account views. */
export function registerAdminViews(fastify: FastifyInstance, site: HttpSite): void {
  if (site.adminPrefix !== null) registerRouteTable(fastify, site.adminPrefix, adminRoutes(site, { routes: () => fastify.gatehouseRoutes() }));
}

/** Each route of a table under `prefix`, and its URL's other methods as 405 with `Allow`. */
function registerRouteTable(fastify: FastifyInstance, prefix: string, routes: readonly AccountRoute[]): void {
  for (const route of routes) {
    const url = `${prefix}${route.path}`;
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
}
