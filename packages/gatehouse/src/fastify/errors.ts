/**
 * The error and not-found handlers: Fastify's own client errors translated to plain messages,
 * then the HTTP layer's `errorResponse` / `notFoundResponse` decide the answer.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HttpClientError, errorResponse, notFoundResponse } from '../http/errors.js';
import { exchangeOf } from './context.js';
import { FastifyHttpRequest } from './http-request.js';
import { sendResponse } from './reply.js';

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

/** A Fastify 4xx as the HTTP layer's client error (its message in plain words); others as they are. */
function translate(error: FastifyError | Error): unknown {
  const status = (error as FastifyError).statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return error;
  const code = (error as FastifyError).code;
  const known = code ? FASTIFY_MESSAGES[code] : undefined;
  const message = known ?? ((error as FastifyError).validation ? 'The request is not valid.' : error.message || 'The request could not be handled.');
  return Object.assign(new HttpClientError(status, message), { cause: error });
}

/** The plugin's error handler (installed unless the plugin option `errorHandler` is false). */
export async function gatehouseErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const exchange = exchangeOf(request);
  const response = await errorResponse(exchange, exchange?.request ?? new FastifyHttpRequest(request), translate(error), request.log);
  return sendResponse(reply, response);
}

const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** 405 with `Allow` when the path exists for other methods (Django's `require_http_methods`), else 404. */
export async function notFoundHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = request.url.split('?')[0] ?? '/';
  const allowed = PROBED_METHODS.filter((method) => method !== request.method && request.server.findRoute({ method, url: path }) !== null);
  const exchange = exchangeOf(request);
  return sendResponse(reply, notFoundResponse(exchange, exchange?.request ?? new FastifyHttpRequest(request), allowed));
}
