/**
 * The error and not-found handlers, for `app.onError(gh.onError)` and `app.notFound(gh.notFound)`:
 *
 * - errors as the HTTP layer maps them (`PermissionDenied` → login or 403, `NotFoundError` → 404,
 *   `BusyError` → 503 with `Retry-After`, client errors with their 4xx, anything else a generic
 *   500 with the error in the log), never a stack trace;
 * - not found: 405 with `Allow` when the path exists for other methods, else 404, page or JSON.
 *
 * The 405 needs the app's router, which a handler cannot reach from its context: `gh.check(app)`
 * hands it over. Without it every unknown method is a plain 404.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import { errorResponse, notFoundResponse } from '../http/errors.js';
import type { HttpLogger } from '../http/logger.js';
import type { HttpRequest } from '../http/request.js';
import { buildHttpRequest, type RequestSettings } from './http-request.js';
import { roleOf } from './route-table.js';
import { type SecurityHeaderList, toResponse } from './respond.js';
import { findState } from './state.js';

/** The part of a Hono app the not-found handler probes. */
export interface ProbedRouter {
  match(method: string, path: string): [unknown[], unknown?];
}

/** What the handlers are built from. */
export interface ErrorSettings {
  /** The security headers (added here only when the middleware did not run: it adds them otherwise). */
  readonly security: SecurityHeaderList;
  readonly log: HttpLogger;
  readonly request: RequestSettings;
  /** The app's router, once `gh.check(app)` ran. */
  router(): ProbedRouter | null;
}

const PROBED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The routes a router match gives (Hono stores `[handler, route]` as each match's payload). */
function matchedRoutesOf(result: [unknown[], unknown?]): RouterRoute[] {
  return result[0].map((entry) => (entry as [[unknown, RouterRoute]])[0][1]);
}

/** The methods the app answers at `path` besides `method` (HEAD with GET). */
function otherMethods(router: ProbedRouter, method: string, path: string): string[] {
  const allowed: string[] = [];
  for (const probe of PROBED_METHODS) {
    if (probe === method || (method === 'HEAD' && probe === 'GET')) continue;
    try {
      if (matchedRoutesOf(router.match(probe, path)).some((route) => roleOf(route) === 'handler')) allowed.push(probe);
    } catch {
      // A router that cannot answer for this path: no 405, a plain 404.
    }
  }
  if (allowed.includes('GET')) allowed.splice(allowed.indexOf('GET') + 1, 0, 'HEAD');
  return allowed;
}

/** Builds `onError` and `notFound`. */
export function createErrorHandlers(settings: ErrorSettings): { onError: ErrorHandler; notFound: NotFoundHandler } {
  const { log, security } = settings;
  const requestOf = (c: Context): HttpRequest => findState(c)?.exchange.request ?? buildHttpRequest(c, null, { ...settings.request, remoteAddress: () => '' });

  const onError: ErrorHandler = async (error, c) => {
    const state = findState(c);
    if (state) state.errorHandled = true;
    const response = await errorResponse(state?.exchange ?? null, requestOf(c), error, log);
    // Before the middleware (an app middleware registered ahead of it failed): the headers it would have added.
    return toResponse(response, state ? [] : security);
  };

  const notFound: NotFoundHandler = (c) => {
    const state = findState(c);
    const request = requestOf(c);
    const router = settings.router();
    // The path as Hono routes it (decoded), not as received.
    const allowed = router ? otherMethods(router, request.method, c.req.path) : [];
    return toResponse(notFoundResponse(state?.exchange ?? null, request, allowed), state ? [] : security);
  };
  return { onError, notFound };
}
