/**
 * The JSON account API (`/api/auth/login`, `session`, `tokens`...) as an `express.Router()`, from
 * the HTTP layer's one table (`apiRoutes()`), mounted where `api.prefix` says:
 * `app.use('/api/auth', gh.accountApi)`. Each route answers JSON only (denials and CSRF failures
 * included), takes form or JSON bodies of at most 64 KiB, and answers its URL's other methods 405.
 * With `api.openApi` (the default outside production) it also serves `openapi.json`.
 */
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { untypedAccess } from '../http/access.js';
import { ACCOUNT_FORM_BODY_LIMIT, type AccountRoute, methodNotAllowed } from '../http/account-routes.js';
import { openApiDocument } from '../http/api/openapi.js';
import { apiRoutes } from '../http/api/routes.js';
import { jsonResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { accessGuard, makeGuard } from './guards.js';
import { stateOf } from './request-state.js';
import { sendHttpResponse } from './response-writer.js';

function handlerFor(route: AccountRoute) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.params ?? {})) if (typeof value === 'string') params[name] = value;
    route.handler(stateOf(req).exchange, params).then((response) => sendHttpResponse(res, response), next);
  };
}

/** Builds the account API router of `site` (empty when `api` is off). */
export function accountApiRouter(site: HttpSite, errorHandler: ErrorRequestHandler): Router {
  const router = express.Router({ strict: true, caseSensitive: true });
  if (!site.api) return router;
  const notAllowedGuard = accessGuard(untypedAccess.publicAccess({ session: false }), { csrf: false }, { hidden: true });
  for (const route of apiRoutes()) {
    const entry = router.route(route.path);
    // JSON from the first decision on: a refusal never turns into a redirect or a page.
    const guard = makeGuard(
      route.access,
      async (exchange) => {
        exchange.answerJson();
        return exchange.authorize(route.access);
      },
      'config',
      false,
      { body: { limit: ACCOUNT_FORM_BODY_LIMIT, formsOnly: true }, headers: route.headers },
    );
    const handler = handlerFor(route);
    for (const method of route.methods) {
      if (method === 'GET') entry.get(guard, handler);
      else if (method === 'POST') entry.post(guard, handler);
      else entry.delete(guard, handler);
    }
    const notAllowed = methodNotAllowed(route);
    entry.all(notAllowedGuard, (_req: Request, res: Response) => sendHttpResponse(res, notAllowed));
  }
  if (site.api.openApi) {
    const document = JSON.stringify(openApiDocument({ prefix: site.api.prefix, title: `${site.siteName} account API` }));
    router.get('/openapi.json', accessGuard(untypedAccess.publicAccess({ session: false })), (_req: Request, res: Response) =>
      sendHttpResponse(res, { ...jsonResponse(200, null), body: document }),
    );
  }
  router.use(errorHandler);
  return router;
}
