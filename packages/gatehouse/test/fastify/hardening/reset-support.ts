/**
 * Shared by the reset-hardening suites (items 5, 6, 7, 9, 14, 17): an app on a fresh database of
 * the given kind, listening on a real port, with SQL reset counters, and small helpers to drive
 * the reset flow from a client's side.
 */
import type { FastifyInstance } from 'fastify';
import { authenticated, checkCurrentPassword } from '../../../src/fastify/index.js';
import { createRateLimits } from '../../../src/db/rate-limit.js';
import type { GatehouseConfigInput } from '../../../src/core/config.js';
import type { User } from '../../../src/core/user.js';
import { type DatabaseKind, freshDatabaseUrl } from '../../support/databases.js';
import { type BuildOptions, Client, type TestApp, buildApp } from '../helpers.js';

/** A new password as a person would choose it (long, so stricter validators accept it too). */
export const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

/** A listening app on its own database. */
export interface ListeningApp extends TestApp {
  origin: string;
  /** A client over real HTTP to this app. */
  client(): Client;
  /** Stops the app, the counters and drops the database. */
  stop(): Promise<void>;
}

/** The app routes the suites use: an email change as the example does it (password re-check, then `setEmail`). */
function exampleRoutes(app: FastifyInstance, t: TestApp['t']): void {
  app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
  app.post('/account/email/', { config: { access: authenticated() } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const check = await checkCurrentPassword(request, typeof body.password === 'string' ? body.password : '');
    if (!check.ok) return reply.code(403).send({ error: 'password' });
    const user = await t.gatehouse.accounts.setEmail(request.user as User, typeof body.email === 'string' ? body.email : '');
    return { email: user.email };
  });
}

/** Builds and starts the plugin app on a fresh `kind` database with SQL reset counters. */
export async function listeningApp(
  kind: DatabaseKind,
  options: { config?: GatehouseConfigInput; plugin?: BuildOptions['plugin']; fastify?: BuildOptions['fastify'] } = {},
): Promise<ListeningApp> {
  const fresh = await freshDatabaseUrl(kind);
  let closeLimits: () => Promise<void> = async () => {};
  const h = await buildApp({
    databaseUrl: fresh.url,
    ...(options.config ? { config: options.config } : {}),
    ...(options.fastify ? { fastify: options.fastify } : {}),
    plugin: async (t) => {
      const limits = await createRateLimits(t.database, t.gatehouse.config.passwordReset);
      closeLimits = limits.close;
      const extra = typeof options.plugin === 'function' ? await options.plugin(t) : options.plugin;
      return { rateLimits: limits, ...extra };
    },
    routes: exampleRoutes,
  });
  const origin = await h.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...h,
    origin,
    client: () => Client.http(origin),
    stop: async () => {
      await h.close();
      await closeLimits();
      await fresh.drop();
    },
  };
}

/** The reset link's path from a mail body. */
export function linkPath(text: string): string {
  const match = /https?:\/\/[^/\s]+(\/accounts\/reset\/[^\s]+\/)/.exec(text);
  if (!match?.[1]) throw new Error(`no reset link in:\n${text}`);
  return match[1];
}

/** Asks for a reset of `email` from a new client and waits for the background job. */
export async function requestReset(h: ListeningApp, email: string, client: Client = h.client()): Promise<{ status: number; location: string | undefined }> {
  const res = await client.submit('/accounts/password_reset/', { email });
  await h.app.gatehouseTasks.settled();
  return { status: res.status, location: res.location };
}

/** A client that has loaded the reset form (so it holds a CSRF cookie and token). */
export async function resetFormClient(h: ListeningApp): Promise<Client> {
  const client = h.client();
  await client.request('/accounts/password_reset/');
  return client;
}

/** Posts the reset form from `client` (which loaded it), as from `ip` (needs trustProxy). */
export async function postReset(client: Client, email: string, ip?: string): Promise<{ status: number; location: string | undefined; body: string }> {
  const res = await client.request('/accounts/password_reset/', {
    form: { csrfmiddlewaretoken: client.lastToken, email },
    headers: ip ? { 'x-forwarded-for': ip } : {},
  });
  return { status: res.status, location: res.location, body: res.body };
}

/** Log lines at error level (50) or above. */
export function errorLines(h: TestApp): unknown[] {
  return h.logs.filter((line) => line.level >= 50);
}
