/**
 * The error handler: gatehouse's errors mapped to HTTP, client errors answered plainly, and never
 * a stack trace or an internal message to the client.
 *
 * - `PermissionDenied` → the denial path (login for anonymous users, else 403), reason logged;
 * - `NotFoundError` → 404, `ValidationError` → 400, `DuplicateError` → 409;
 * - `BusyError` (e.g. the password-hash queue is full) → 503 with `Retry-After`, answered at once;
 * - Fastify's own 4xx (malformed or oversized bodies, bad content types, schema validation) keep
 *   their status with a short message;
 * - anything else → 500 with a generic message; the error itself goes to the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BusyError, DuplicateError, NotFoundError, PermissionDenied, ValidationError } from '../core/errors.js';
import { contextOf } from './context.js';
import { deny, wantsJson } from './denials.js';
import { baseContext, markNoStore } from './render.js';

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

/** Messages for Fastify's own client errors, in plain words. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted here.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its Content-Length.',
  FST_ERR_BAD_URL: 'The URL is malformed.',
  FST_ERR_VALIDATION: 'The request is not valid.',
};

/** True when the client asks for HTML (a browser) rather than JSON. */
function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.toLowerCase().includes('text/html') && !wantsJson(request);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Sends a short error response, HTML for browsers and JSON otherwise. */
export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply {
  markNoStore(request);
  const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request error');
  if (prefersHtml(request)) {
    try {
      const html = contextOf(request).templates.page('error.html', { ...baseContext(request, title), message, status });
      return reply.code(status).type('text/html; charset=utf-8').send(html);
    } catch (error) {
      request.log.error({ err: error }, 'gatehouse: rendering error.html failed');
      return reply.code(status).type('text/html; charset=utf-8').send(`<!doctype html><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
    }
  }
  return reply.code(status).send({ error: title.toLowerCase().replace(/ /g, '_'), message });
}

/** The plugin's error handler (installed unless the plugin option `errorHandler` is false). */
export async function gatehouseErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (error instanceof PermissionDenied) {
    const loggedIn = request.user?.isAuthenticated === true;
    return deny(request, reply, { kind: loggedIn ? 'forbidden' : 'login', reason: error.reason });
  }
  if (error instanceof NotFoundError) return sendError(request, reply, 404, 'Not found.');
  if (error instanceof ValidationError) return sendError(request, reply, 400, error.errors.map((e) => e.message).join(' '));
  if (error instanceof DuplicateError) return sendError(request, reply, 409, 'That value is already taken.');
  if (error instanceof BusyError) {
    // Load shedding, not a fault: a warning, and a prompt answer the client can retry.
    request.log.warn({ code: error.code, route: request.routeOptions.url }, 'gatehouse: busy, request refused');
    reply.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
    return sendError(request, reply, 503, 'The server is busy right now. Please try again in a moment.');
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (error as FastifyError).code;
    const known = code ? FASTIFY_MESSAGES[code] : undefined;
    request.log.info({ err: error }, 'client error');
    return sendError(request, reply, status, known ?? ((error as FastifyError).validation ? FASTIFY_MESSAGES.FST_ERR_VALIDATION! : error.message || 'The request could not be handled.'));
  }
  request.log.error({ err: error }, 'request failed');
  return sendError(request, reply, 500, 'Something went wrong on our side. Please try again later.');
}

const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** 405 with `Allow` when the path exists for other methods (Django's `require_http_methods`), else 404. */
export async function notFoundHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = request.url.split('?')[0] ?? '/';
  const allowed = PROBED_METHODS.filter((method) => method !== request.method && request.server.findRoute({ method, url: path }) !== null);
  if (allowed.length > 0) {
    reply.header('Allow', allowed.join(', '));
    return sendError(request, reply, 405, `This URL does not accept ${request.method}.`);
  }
  return sendError(request, reply, 404, 'There is nothing at this address.');
}
