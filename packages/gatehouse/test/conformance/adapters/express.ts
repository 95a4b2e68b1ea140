/**
 * The Express adapter of the conformance harness: the conformance app built with
 * `gatehouseExpress`, each route's declaration enforced by `access(...)` as its first handler,
 * object checks through `authorizeObject(req, ...)`, the app's routes checked at start-up.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { access, authorizeObject, gatehouseExpress } from '../../../src/express/index.js';
import type { ConformanceAdapter, ConformanceApp, ConformanceContext, ConformanceRoute, ConformanceServer } from '../../../src/testing/conformance/index.js';

const quiet = { info(): void {}, warn(): void {}, error(): void {} };

/** The parsed body as a field map, or null (no body, or one that is not an object). */
function fields(req: Request): Record<string, unknown> | null {
  const body: unknown = req.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

function contextOf(req: Request): ConformanceContext {
  return {
    user: req.user,
    params: { ...req.params } as Record<string, string>,
    body: fields(req),
    authorizeObject: (rule, object) => authorizeObject(req, rule, object),
    csrfToken: () => req.csrfToken(),
  };
}

function handlerOf(route: ConformanceRoute) {
  return (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve(route.handler(contextOf(req))).then((result) => {
      res.status(result.status ?? 200);
      if (result.json !== undefined) res.json(result.json);
      else if (result.html !== undefined) res.type('text/html; charset=utf-8').send(result.html);
      else res.end();
    }, next);
  };
}

/** Starts the conformance app on Express. */
async function start(app: ConformanceApp): Promise<ConformanceServer> {
  const gh = await gatehouseExpress({ ...app.options, logger: quiet });
  const server = express();
  server.use(gh.middleware);
  server.use(app.options.accountViews.prefix, gh.accountViews);
  for (const route of app.routes) {
    if (route.method === 'GET') server.get(route.path, access(route.access), handlerOf(route));
    else server.post(route.path, access(route.access), handlerOf(route));
  }
  server.use(gh.notFoundHandler);
  server.use(gh.errorHandler);
  gh.check(server);
  const listener = server.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await gh.close();
    },
  };
}

/** See the module comment. */
export const expressAdapter: ConformanceAdapter = { name: 'express', start };
