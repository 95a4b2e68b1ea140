/**
 * The example's HTTP surface (CONTRACT.md's route table) on Fastify with the gatehouse plugin.
 * Every route declares its access class in its options; the plugin enforces it before the
 * handler runs and refuses to start if a route forgot to declare one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { accessFor, gatehouseFastify, trustedProxies } from 'gatehouse/fastify';
import { loadSettings } from './config.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerBillingRoutes } from './routes/billing.js';
import type { RouteDeps } from './routes/common.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerShopRoutes } from './routes/shop.js';
import { type Services, openServices } from './services.js';
import { SITE_NAME, stylesheet, templatesDir } from './views.js';

const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const publicFiles = new Map<string, string>();

/** A file of example/public, read once. */
function publicFile(name: string): string {
  let text = publicFiles.get(name);
  if (text === undefined) {
    text = readFileSync(`${publicDir}${name}`, 'utf8');
    publicFiles.set(name, text);
  }
  return text;
}

/** Options of `createServer`. */
export interface CreateServerOptions {
  /** Fastify's logger option; by default JSON lines on stdout at the settings' LOG_LEVEL. */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
}

/** Builds the app on open services, without listening. Closing the app does not close them. */
export async function createServer(services: Services, options: CreateServerOptions = {}): Promise<FastifyInstance> {
  const { settings, gatehouse } = services;
  const app = Fastify({
    logger: options.logger ?? { level: settings.logLevel },
    // One line per denial and per error is what a person reads; a line per request is noise here.
    logController: new LogController({ disableRequestLogging: true }),
    // Only behind proxies, and only as many hops (or only the addresses) as there are proxies:
    // the client's address is then the rightmost one they did not add, so a client cannot pick
    // its own address (and dodge the per-address login throttle) by sending X-Forwarded-For.
    trustProxy: settings.trustProxy === false ? false : trustedProxies(settings.trustProxy),
    // Long enough for any real path; longer ones get 414 without reaching a route.
    routerOptions: { maxParamLength: 200 },
  });
  await app.register(gatehouseFastify, {
    gatehouse,
    mailer: services.mailer,
    throttle: services.throttle,
    rateLimits: services.rateLimits,
    templatesDir,
    siteName: SITE_NAME,
    // Links in mail: SITE_URL; in development without it, the request's own (allowed) origin.
    ...(settings.siteUrl !== null ? { siteUrl: settings.siteUrl } : {}),
    allowedHosts: settings.allowedHosts,
    // The JSON account API at /api/auth (CONTRACT.md), for the SPA page below and for scripts.
    api: { prefix: '/api/auth' },
    // The staff admin (users, groups, permissions, audit log), each screen behind its auth.* permission.
    admin: { prefix: '/admin' },
  });

  const access = accessFor(gatehouse);
  const deps: RouteDeps = { services, access };
  // These never read the user: no session query, even for a browser that sends its cookie.
  const open = { config: { access: access.publicAccess({ session: false }) } };

  app.get('/', open, async (_request, reply) => reply.redirect('/dashboard/', 302));
  app.get('/health/', open, async () => ({ status: 'ok' }));
  app.get('/static/app.css', open, async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(stylesheet()),
  );
  // A tiny single-page app that signs in through the JSON API (public/spa.html and spa.js).
  app.get('/spa/', open, async (_request, reply) => reply.type('text/html; charset=utf-8').send(publicFile('spa.html')));
  app.get('/spa/app.js', open, async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(publicFile('spa.js')),
  );
  app.get('/favicon.ico', open, async (_request, reply) => reply.code(204).header('Cache-Control', 'public, max-age=86400').send());

  registerDashboardRoutes(app, deps);
  registerShopRoutes(app, deps);
  registerBillingRoutes(app, deps);
  registerOpsRoutes(app, deps);
  registerAccountRoutes(app, deps);
  return app;
}

/**
 * Reads the settings from `env`, opens the services and builds the app, without migrating or
 * listening (main.ts does both). Closing the app closes the database too.
 */
export async function buildServer(env: Record<string, string | undefined> = process.env, options: CreateServerOptions = {}): Promise<FastifyInstance> {
  const services = await openServices(loadSettings(env));
  try {
    const app = await createServer(services, options);
    app.addHook('onClose', async () => services.close());
    return app;
  } catch (error) {
    await services.close();
    throw error;
  }
}
