/**
 * The account views as an `express.Router()`, built from the HTTP layer's one table of account
 * routes (`accountRoutes(site)`): each entry's methods behind a guard enforcing its declaration
 * (64 KiB form bodies), the other methods answered 405 with `Allow` (a GET to `logout/` must not
 * log anyone out, and should say why), and `gatehouse.css`. The app mounts it where the site's
 * URLs point: `app.use('/accounts', gh.accountViews)` (the start-up check verifies it).
 *
 * The router ends with gatehouse's error handler, so the account views answer their own errors
 * (malformed reset links included) whatever error handling the app installs.
 */
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { untypedAccess } from '../http/access.js';
import { ACCOUNT_FORM_BODY_LIMIT, type AccountRoute, accountRoutes, methodNotAllowed, stylesheetResponse } from '../http/account-routes.js';
import type { HttpSite } from '../http/site.js';
import { accessGuard } from './guards.js';
import { stateOf } from './request-state.js';
import { sendHttpResponse } from './response-writer.js';

function viewHandler(route: AccountRoute) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.params ?? {})) if (typeof value === 'string') params[name] = value;
    route.handler(stateOf(req).exchange, params).then((response) => sendHttpResponse(res, response), next);
  };
}

/** Builds the account views router of `site`. */
export function accountViewsRouter(site: HttpSite, errorHandler: ErrorRequestHandler): Router {
  // Strict routing: `/login` and `/login/` are not the same URL here, as with Fastify and Django.
  const router = express.Router({ strict: true, caseSensitive: true });
  const notAllowedGuard = accessGuard(untypedAccess.publicAccess({ session: false }), { csrf: false }, { hidden: true });
  for (const route of accountRoutes(site)) {
    const entry = router.route(route.path);
    const guard = accessGuard(route.access, {}, { body: { limit: ACCOUNT_FORM_BODY_LIMIT, formsOnly: true }, headers: route.headers });
    const handler = viewHandler(route);
    for (const method of route.methods) {
      if (method === 'GET') entry.get(guard, handler);
      else entry.post(guard, handler);
    }
    // Everything else on this URL: 405, with no session read and nothing done.
    const notAllowed = methodNotAllowed(route);
    entry.all(notAllowedGuard, (_req: Request, res: Response) => sendHttpResponse(res, notAllowed));
  }
  if (site.accountViews) {
    const stylesheet = stylesheetResponse(site);
    router.get('/gatehouse.css', accessGuard(untypedAccess.publicAccess({ session: false })), (_req: Request, res: Response) =>
      sendHttpResponse(res, stylesheet),
    );
  }
  router.use(errorHandler);
  return router;
}
