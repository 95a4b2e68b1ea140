/**
 * Errors as responses: gatehouse's errors mapped to HTTP, client errors answered plainly, and
 * never a stack trace or an internal message to the client.
 *
 * - `PermissionDenied` → the denial path (login for anonymous users, else 403), reason logged;
 * - `NotFoundError` → 404, `ValidationError` → 400, `DuplicateError` → 409;
 * - `BusyError` (e.g. the password-hash queue is full) → 503 with `Retry-After`, answered at once;
 * - client errors the adapter recognised (`HttpClientError`, or any error with a 4xx
 *   `statusCode`: bodies too large, malformed, too many fields) keep their status with a short
 *   message;
 * - anything else → 500 with a generic message; the error itself goes to the log.
 */
import { BusyError, DuplicateError, NotFoundError, PermissionDenied, ValidationError } from '../core/errors.js';
import type { AuthExchange } from './exchange.js';
import type { HttpLogger } from './logger.js';
import { acceptsHtml } from './negotiate.js';
import { baseContext, escapeHtml } from './render.js';
import type { HttpRequest } from './request.js';
import { type HttpResponse, jsonResponse } from './response.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not logged in',
  403: 'Access denied',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request too large',
  414: 'URL too long',
  415: 'Unsupported content type',
  429: 'Too many requests',
  500: 'Server error',
  503: 'Busy',
};

/** A client error an adapter recognised, with the message to show (in plain words). */
export class HttpClientError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpClientError';
  }
}

/**
 * A short error response: the error page for browsers (`Accept` with text/html), JSON otherwise.
 * `exchange` null: no route state (the page then carries no form).
 */
export function errorPage(exchange: AuthExchange | null, request: HttpRequest, status: number, message: string, log?: HttpLogger): HttpResponse {
  exchange?.noStore();
  const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request error');
  let response: HttpResponse;
  if (acceptsHtml(request)) {
    let html: string;
    try {
      if (!exchange) throw new Error('no exchange');
      html = exchange.site.templates.page('error.html', { ...baseContext(exchange.site, title, exchange.user, exchange.csrfToken()), message, status });
    } catch (error) {
      if (exchange) (log ?? exchange.log).error({ err: error }, 'gatehouse: rendering error.html failed');
      html = `<!doctype html><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`;
    }
    response = { status, headers: { 'content-type': 'text/html; charset=utf-8' }, cookies: [], body: html };
  } else {
    response = jsonResponse(status, { error: title.toLowerCase().replace(/ /g, '_'), message });
  }
  if (!exchange) response.headers['cache-control'] = 'no-store';
  return response;
}

/** The response for `error`; see the module comment. */
export async function errorResponse(exchange: AuthExchange | null, request: HttpRequest, error: unknown, log?: HttpLogger): Promise<HttpResponse> {
  const logger = log ?? exchange?.log;
  if (error instanceof PermissionDenied && exchange) {
    const loggedIn = exchange.user.isAuthenticated;
    return exchange.deny({ kind: loggedIn ? 'forbidden' : 'login', reason: error.reason });
  }
  if (error instanceof PermissionDenied) return errorPage(exchange, request, 403, 'You do not have permission to do this.', log);
  if (error instanceof NotFoundError) return errorPage(exchange, request, 404, 'Not found.', log);
  if (error instanceof ValidationError) return errorPage(exchange, request, 400, error.errors.map((e) => e.message).join(' '), log);
  if (error instanceof DuplicateError) return errorPage(exchange, request, 409, 'That value is already taken.', log);
  if (error instanceof BusyError) {
    // Load shedding, not a fault: a warning, and a prompt answer the client can retry.
    logger?.warn({ code: error.code, route: request.route }, 'gatehouse: busy, request refused');
    const response = errorPage(exchange, request, 503, 'The server is busy right now. Please try again in a moment.', log);
    response.headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    return response;
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    logger?.info({ err: error }, 'client error');
    const message = error instanceof Error && error.message ? error.message : 'The request could not be handled.';
    return errorPage(exchange, request, status, message, log);
  }
  logger?.error({ err: error }, 'request failed');
  return errorPage(exchange, request, 500, 'Something went wrong on our side. Please try again later.', log);
}

/**
 * 405 with `Allow` when the URL exists for other methods (Django's `require_http_methods`), else
 * 404, as a page or JSON.
 */
export function notFoundResponse(exchange: AuthExchange | null, request: HttpRequest, allowedMethods: readonly string[] = []): HttpResponse {
  if (allowedMethods.length > 0) {
    const response = errorPage(exchange, request, 405, `This URL does not accept ${request.method}.`);
    response.headers.allow = allowedMethods.join(', ');
    return response;
  }
  return errorPage(exchange, request, 404, 'There is nothing at this address.');
}
