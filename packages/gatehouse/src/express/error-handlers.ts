/**
 * The error and not-found handlers, last in the app: `app.use(gh.notFoundHandler)` then
 * `app.use(gh.errorHandler)`. Both answer through the HTTP layer (errors.ts there): a
 * `PermissionDenied` thrown by a handler becomes the login redirect or 403, `NotFoundError` 404,
 * `BusyError` 503 with `Retry-After`, body errors 400/413, anything else a generic 500 (logged),
 * never a stack trace. A URL the router cannot decode (`%E0%A4%A` in a parameter) gets the
 * invalid-link page under the reset prefix, else a plain 400. 404 becomes 405 with `Allow` when
 * the URL answers other methods.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { badUrlResponse, invalidResetLinkPage, isResetUrl } from '../http/bad-url.js';
import { errorResponse, notFoundResponse } from '../http/errors.js';
import type { HttpLogger } from '../http/logger.js';
import { requestPath } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { markOwn } from './guard-mark.js';
import { sendBare } from './middleware.js';
import { findState } from './request-state.js';
import { ExpressHttpRequest } from './request-view.js';
import { sendHttpResponse } from './response-writer.js';
import { allowedMethods } from './route-resolve.js';
import { type ExpressAppLike, routerOf } from './router-stack.js';

/** The methods a 405's `Allow` may list (as the Fastify adapter probes them). */
const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The router's error for a parameter it could not percent-decode. */
function isBadUrl(error: unknown): boolean {
  return error instanceof URIError && (error as { status?: unknown }).status === 400;
}

function send(res: Response, site: HttpSite, withExchange: boolean, response: HttpResponse): void {
  // Without an exchange (the middleware never ran for it) nothing adds the security headers.
  if (withExchange) sendHttpResponse(res, response);
  else sendBare(res, site, response);
}

/** gatehouse's error handler (Express calls it with four arguments). */
export function createErrorHandler(site: HttpSite, log: HttpLogger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const state = findState(req);
    const view = state?.view ?? new ExpressHttpRequest(req, null);
    let answer: Promise<HttpResponse>;
    if (isBadUrl(error)) {
      answer = Promise.resolve(isResetUrl(site, requestPath(view)) ? invalidResetLinkPage(site) : badUrlResponse(view, false, log, 'bad_param_encoding'));
    } else {
      answer = errorResponse(state?.exchange ?? null, view, error, log);
    }
    answer.then(
      (response) => send(res, site, state !== undefined, response),
      (failure: unknown) => {
        log.error({ err: failure }, 'gatehouse: answering an error failed');
        send(res, site, state !== undefined, {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          cookies: [],
          body: 'Server error.',
        });
      },
    );
  };
}

/** gatehouse's not-found handler: 405 with `Allow` when the URL takes other methods, else 404. */
export function createNotFoundHandler(site: HttpSite): RequestHandler {
  return markOwn((req: Request, res: Response): void => {
    const state = findState(req);
    const view = state?.view ?? new ExpressHttpRequest(req, null);
    const path = requestPath(view);
    const allowed = allowedMethods(routerOf(req.app as unknown as ExpressAppLike), path, PROBED_METHODS).filter((m) => m !== req.method.toUpperCase());
    send(res, site, state !== undefined, notFoundResponse(state?.exchange ?? null, view, allowed));
  });
}
