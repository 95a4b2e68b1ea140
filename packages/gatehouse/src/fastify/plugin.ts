/**
 * `gatehouseFastify`: the Fastify plugin. Register it first, before any route:
 *
 * ```ts
 * await app.register(gatehouseFastify, { gatehouse, mailer, throttle });
 * app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, handler);
 * ```
 *
 * It translates: the site is built by the HTTP layer (`createHttpSite`), each request gets one
 * `AuthExchange` in the `onRequest` hook (the Host/protocol check, the session, the route's
 * declared access), `preValidation` runs its CSRF check, `onSend` writes what `finish` returns,
 * and the account views are the HTTP layer's route table. Security headers come from helmet
 * (computed once). `ready()` fails if a route declares no access.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import type { User } from '../core/user.js';
import { type GatehouseHttpOptions, type HttpSite, createHttpSite, recodeConfigError } from '../http/site.js';
import type { LoginOptions } from '../http/types.js';
import { installResetBadUrlPage } from './bad-url.js';
import { kContext, kExchange, requireExchange } from './context.js';
import { gatehouseErrorHandler, notFoundHandler } from './errors.js';
import { formBodyOptions } from './form-parser.js';
import { helmetOptions } from './headers.js';
import { abortHook, csrfHook, endHook, requestHook, responseHook } from './hooks.js';
import { fastifyInventory } from './inventory.js';
import { checkProxyTrust } from './proxy-trust.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerAccountViews, registerAdminViews } from './views.js';

export type { AccountViewsOptions } from '../http/site.js';

/** Options of `gatehouseFastify`: the HTTP layer's, and Fastify's own. */
export interface GatehouseFastifyOptions extends GatehouseHttpOptions {
  /** Helmet options merged over gatehouse's, or `false` when the app sets its own headers. */
  helmet?: FastifyHelmetOptions | false;
  /** Install gatehouse's error handler (default true). */
  errorHandler?: boolean;
  /**
   * Install gatehouse's not-found handler (default true): 405 with `Allow` when the URL exists
   * for other methods, else a plain 404 page or JSON.
   */
  notFoundHandler?: boolean;
}

async function buildSite(fastify: FastifyInstance, options: GatehouseFastifyOptions): Promise<HttpSite> {
  try {
    // Fastify sets the security headers itself (helmet), so the site adds none.
    return await createHttpSite(options, fastify.log, { securityHeaders: false });
  } catch (error) {
    throw recodeConfigError(error, 'fastify');
  }
}

async function plugin(fastify: FastifyInstance, options: GatehouseFastifyOptions): Promise<void> {
  const gatehouse = options?.gatehouse as Gatehouse<string> | undefined;
  if (!gatehouse || typeof gatehouse.authenticate !== 'function') {
    throw new ConfigError('gatehouse.fastify.no_gatehouse', 'gatehouseFastify needs the option gatehouse: pass the result of createGatehouse().');
  }
  checkProxyTrust(fastify, gatehouse.config.production);
  const site = await buildSite(fastify, options);
  const { inventory, onRoute } = fastifyInventory(site);
  // A route registered before the plugin would never pass its route hook: no guard, no CSRF
  // check, no session. Refuse to start rather than serve it open.
  const earlier = fastify.printRoutes({ commonPrefix: false });
  if (earlier.trim() !== '(empty tree)') {
    throw new ConfigError(
      'gatehouse.fastify.routes_before_plugin',
      `Register gatehouseFastify before any route; these were registered earlier and would have no access check:\n${earlier}`,
    );
  }

  // The route hook first, so every route registered from here on is seen.
  fastify.addHook('onRoute', onRoute);
  fastify.addHook('onReady', async () => inventory.check());

  if (!fastify.hasRequestDecorator('cookies')) await fastify.register(fastifyCookie);
  if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) await fastify.register(fastifyFormbody, formBodyOptions());
  if (options.helmet !== false) await registerSecurityHeaders(fastify, helmetOptions(gatehouse.config.production, options.helmet));

  fastify.decorate(kContext, site);
  fastify.decorate('gatehouse', gatehouse as FastifyInstance['gatehouse']);
  fastify.decorate('gatehouseRoutes', () => inventory.list());
  fastify.decorate('gatehouseTasks', site.tasks);
  // Declared up front so every request object has the same shape (no property added later).
  fastify.decorateRequest(kExchange, null, []);
  fastify.decorateRequest('user', null, []);
  fastify.decorateRequest('session', null, []);
  fastify.decorateRequest('auth', null, []);
  fastify.decorateRequest('login', function (this: FastifyRequest, user: User, loginOptions?: LoginOptions) {
    return requireExchange(this).login(user, loginOptions);
  });
  fastify.decorateRequest('logout', function (this: FastifyRequest) {
    return requireExchange(this).logout();
  });
  fastify.decorateRequest('csrfToken', function (this: FastifyRequest) {
    return requireExchange(this).csrfToken();
  });

  fastify.addHook('onRequest', requestHook);
  fastify.addHook('preValidation', csrfHook);
  fastify.addHook('onSend', responseHook);
  fastify.addHook('onResponse', endHook);
  fastify.addHook('onRequestAbort', abortHook);
  fastify.addHook('onClose', async () => {
    await site.tasks.settled();
  });

  if (options.errorHandler !== false) fastify.setErrorHandler(gatehouseErrorHandler);
  if (options.notFoundHandler !== false) fastify.setNotFoundHandler(notFoundHandler);
  if (site.accountViews) installResetBadUrlPage(fastify, site);
  if (site.accountViews || site.api) registerAccountViews(fastify, site);
  registerAdminViews(fastify, site);
}

/** The gatehouse Fastify plugin; see the module comment. */
export const gatehouseFastify = fp(plugin, { fastify: '5.x', name: 'gatehouse' });
