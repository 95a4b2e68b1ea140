/** Writes an `HttpResponse` with Fastify's reply. */
import type { FastifyReply } from 'fastify';
import type { HttpResponse } from '../http/response.js';

/** Sends `response` (status, headers, cookies, body) on `reply`. */
export function sendResponse(reply: FastifyReply, response: HttpResponse): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  for (const cookie of response.cookies) reply.header('set-cookie', cookie);
  // A redirect has no body (and so no content type), as Fastify's own `reply.redirect` sends it.
  return response.body === null ? reply.send() : reply.send(response.body);
}
