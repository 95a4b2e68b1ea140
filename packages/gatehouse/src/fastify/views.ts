/**
 * Registers the routes gatehouse serves itself: the account views and the JSON account API
 * (`mountedRoutes(site)`), each other method of their URLs as a 405 with `Allow`, the stylesheet,
 * the API's OpenAPI document when asked; and the admin's (`adminRoutes`) the same way.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { adminRoutes } from '../admin/routes.js';
import { untypedAccess } from '../http/access.js';
import { ACCOUNT_FORM_BODY_LIMIT, type AccountRoute, disallowedMethods, methodNotAllowed, stylesheetResponse } from '../http/account-routes.js';
import { openApiDocument } from '../http/api/openapi.js';
import { mountedRoutes } from '../http/mounted-routes.js';
import { jsonResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { kHidden, kRouteHeaders, kRouteJson, requireExchange } from './context.js';
import { sendResponse } from './reply.js';

/** Registers every account view and account API route of `site`. */
export function registerAccountViews(fastify: FastifyInstance, site: HttpSite): void {
  for (const { url, route } of mountedRoutes(site)) registerRoute(fastify, url, route);
  if (site.api?.openApi) {
    const document = JSON.stringify(openApiDocument({ prefix: site.api.prefix, title: `${site.siteName} account API` }));
    fastify.get(`${site.api.prefix}/openapi.json`, { config: { access: untypedAccess.publicAccess({ session: false }) } }, async (_request, reply) =>
      sendResponse(reply, { ...jsonResponse(200, null), body: document }),
    );
  }
  if (!site.accountViews) return;
  fastify.get(`${site.prefix}/gatehouse.css`, { config: { access: untypedAccess.publicAccess({ session: false }) } }, async (_request, reply) =>
    sendResponse(reply, stylesheetResponse(site)),
  );
}

/** Registers the admin's routes (`adminRoutes`) under its prefix, exactly as the account views. */
export function registerAdminViews(fastify: FastifyInstance, site: HttpSite): void {
  if (site.adminPrefix === null) return;
  for (const route of adminRoutes(site, { routes: () => fastify.gatehouseRoutes() })) registerRoute(fastify, `${site.adminPrefix}${route.path}`, route);
}

/** One route of a table at `url`, and its URL's other methods as 405 with `Allow`. */
function registerRoute(fastify: FastifyInstance, url: string, route: AccountRoute): void {
  for (const method of route.methods) {
    fastify.route({
      method,
      url,
      config: { access: route.access, [kRouteHeaders]: route.headers, ...(route.json ? { [kRouteJson]: true } : {}) },
      ...(method !== 'GET' ? { bodyLimit: ACCOUNT_FORM_BODY_LIMIT } : {}),
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
