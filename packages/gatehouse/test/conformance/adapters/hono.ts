/**
 * The Hono adapter of the conformance harness: the conformance app built as a Hono app would be
 * with gatehouse/hono — the middleware first, the error and not-found handlers, the account
 * views mounted at their prefix, each route behind `access(declaration)`, `gh.check(app)` before
 * serving — and served by @hono/node-server on 127.0.0.1:0.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { type GatehouseEnv, access, authorizeObject, csrfToken, gatehouseHono } from '../../../src/hono/index.js';
import type { HttpLogger } from '../../../src/http/logger.js';
import type { ConformanceAdapter, ConformanceApp, ConformanceContext, ConformanceResult, ConformanceServer } from '../../../src/testing/conformance/index.js';

/** Logs nowhere: the suite asserts on answers, and a denial per scenario is noise. */
const quiet: HttpLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** The fields a Hono handler reads: `parseBody()` for forms, `json()` for JSON objects, else none. */
async function fields(c: Context): Promise<Record<string, unknown> | null> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return null;
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') return { ...(await c.req.parseBody()) };
  if (type === 'application/json') {
    const value: unknown = await c.req.json();
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  }
  return null;
}

async function contextOf(c: Context<GatehouseEnv>): Promise<ConformanceContext> {
  return {
    user: c.get('user'),
    params: c.req.param() as Record<string, string>,
    body: await fields(c),
    authorizeObject: (rule, object) => authorizeObject(c, rule, object),
    csrfToken: () => csrfToken(c),
  };
}

function answer(c: Context, result: ConformanceResult): Response {
  const status = (result.status ?? 200) as 200;
  if (result.json !== undefined) return c.json(result.json as object, status);
  if (result.html !== undefined) return c.html(result.html, status);
  return c.body(null, status);
}

/** Starts the conformance app on Hono. */
async function start(app: ConformanceApp): Promise<ConformanceServer> {
  const gh = await gatehouseHono({ ...app.options, logger: quiet });
  const hono = new Hono<GatehouseEnv>();
  hono.use('*', gh.middleware);
  hono.onError(gh.onError);
  hono.notFound(gh.notFound);
  hono.route(app.options.accountViews.prefix, gh.accountViews);
  for (const route of app.routes) {
    hono.on(route.method, route.path, access(route.access), async (c) => answer(c, await route.handler(await contextOf(c))));
  }
  gh.check(hono);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await gh.close();
    },
  };
}

/** See the module comment. */
export const honoAdapter: ConformanceAdapter = { name: 'hono', start };
