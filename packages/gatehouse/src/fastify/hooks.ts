/**
 * The plugin's request hooks: each translates between Fastify and the request's `AuthExchange`,
 * which decides.
 *
 * - `onRequest`: the Host/protocol check (400 before any session is read), then the exchange is
 *   opened (session and user) and the route's declared access is enforced, before the body is
 *   read;
 * - `preValidation`: the CSRF check (the body is parsed by then, and nothing has run yet that
 *   could change anything);
 * - `onSend`: `exchange.finish` (pending audit, object-rule safety net, cookies, cache headers);
 * - `onResponse` / `onRequestAbort`: `exchange.end`, the backstop for a pending audit, and the
 *   start of work deferred until after the response.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessDeclaration } from '../http/access.js';
import { AuthExchange, originResponse } from '../http/exchange.js';
import type { HttpResponse } from '../http/response.js';
import { exchangeOf, kRouteHeaders, setExchange, siteOf } from './context.js';
import { FastifyHttpRequest } from './http-request.js';
import { sendResponse } from './reply.js';

type RouteConfig = { access?: AccessDeclaration; csrf?: boolean; [kRouteHeaders]?: Readonly<Record<string, string>> } | undefined;

function routeConfig(request: FastifyRequest): RouteConfig {
  return request.routeOptions.config as RouteConfig;
}

/** onRequest: origin check, exchange, route guard. */
export async function requestHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const site = siteOf(request);
  const view = new FastifyHttpRequest(request);
  const refused = originResponse(site, view, request.log);
  if (refused) return sendResponse(reply, refused);
  const config = routeConfig(request);
  const declaration = config?.access;
  const exchange = await AuthExchange.open(site, view, request.log, declaration, {
    onSessionChange(changed) {
      request.user = changed.user;
      request.session = changed.session;
    },
    whenSent(start) {
      const raw = reply.raw;
      if (raw.writableFinished || raw.destroyed) {
        start();
        return;
      }
      raw.once('finish', start);
      raw.once('close', start);
    },
  });
  setExchange(request, exchange);
  const headers = config?.[kRouteHeaders];
  if (headers) {
    // The account route's own headers go on every answer it gives (refusals and errors too).
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    if (headers['cache-control'] === 'no-store') exchange.noStore();
  }
  if (declaration && declaration.kind !== 'public') {
    const denied = await exchange.authorize(declaration);
    if (denied) return sendResponse(reply, denied);
  }
  return undefined;
}

/** preValidation: the CSRF check. */
export async function csrfHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const exchange = exchangeOf(request);
  if (!exchange) return undefined;
  const refused = await exchange.checkCsrf(request.is404 || routeConfig(request)?.csrf === false);
  return refused ? sendResponse(reply, refused) : undefined;
}

function headerValue(reply: FastifyReply, name: string): string | undefined {
  const value = reply.getHeader(name);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** onSend: what the exchange adds to the answer. */
export async function responseHook(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const exchange = exchangeOf(request);
  if (!exchange) return payload;
  const before: HttpResponse = { status: reply.statusCode, headers: {}, cookies: [], body: null };
  const cacheControl = headerValue(reply, 'cache-control');
  const vary = headerValue(reply, 'vary');
  if (cacheControl !== undefined) before.headers['cache-control'] = cacheControl;
  if (vary !== undefined) before.headers.vary = vary;
  const after = await exchange.finish(before);
  if (after.status !== before.status) reply.code(after.status);
  for (const [name, value] of Object.entries(after.headers)) if (before.headers[name] !== value) reply.header(name, value);
  for (const cookie of after.cookies) reply.header('set-cookie', cookie);
  return after.body === null ? payload : after.body;
}

/** onResponse: the last chance for a pending audit (replies that skipped `onSend`). Never throws. */
export async function endHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await exchangeOf(request)?.end({ status: reply.statusCode });
}

/** onRequestAbort: the client left before any answer. Never throws. */
export async function abortHook(request: FastifyRequest): Promise<void> {
  await exchangeOf(request)?.end({ aborted: true });
}
