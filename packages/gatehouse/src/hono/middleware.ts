/**
 * The gatehouse middleware, `app.use('*', gh.middleware)` before every route. For each request,
 * in this order:
 *
 * 1. reads the matched chain (route-table.ts): which route answers, which guards apply;
 * 2. refuses (400) a Host that is not allowed or a forwarded protocol that is not http(s),
 *    before anything else reads them;
 * 3. refuses (500, logged, generic) a route that declares no access: fail closed, even when the
 *    app forgot `gh.check(app)`, which finds the same routes at start-up;
 * 4. opens the request's one `AuthExchange` (session and user, unless every guard is
 *    `publicAccess({ session: false })`) and sets `c.get('user')` / `c.get('session')`;
 * 5. enforces every guard on the chain, before the body is read and before any of the app's code;
 * 6. on unsafe methods reads the body once, within the size limit (413 past it, and past 200
 *    form fields), sharing it with the app through Hono's body cache;
 * 7. checks CSRF (unsafe methods, unless a guard exempts the route);
 * 8. lets the app answer, then writes what the answer must carry (`finish`: cookies, cache
 *    headers, the object-rule safety net, a pending critical audit; and the security headers
 *    the answer does not set, respond.ts).
 *
 * Once the exchange is open, every answer gatehouse makes on the way (a denial, the CSRF page,
 * a 413) goes through the same `finish` as the app's own; the answers before it (the Host 400,
 * a malformed path, an undeclared route) are never cached and carry the security headers.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { BusyError, NotFoundError, PermissionDenied } from '../core/errors.js';
import type { AccessDeclaration } from '../http/access.js';
import { untypedAccess } from '../http/access.js';
import { ACCOUNT_FORM_BODY_LIMIT } from '../http/account-routes.js';
import { badUrlResponse, invalidResetLinkPage, isResetUrl } from '../http/bad-url.js';
import { isSafeMethod } from '../http/csrf.js';
import { errorPage, errorResponse } from '../http/errors.js';
import { AuthExchange, type ExchangeHooks, originResponse } from '../http/exchange.js';
import { matchesRoutePattern } from '../http/inventory.js';
import type { HttpLogger } from '../http/logger.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { readFields } from './body.js';
import { buildHttpRequest, type RequestSettings } from './http-request.js';
import { type GuardPart, markPart } from './parts.js';
import { type ChainPlan, planChain } from './route-table.js';
import { type SecurityHeaderList, applyFinished, responseView, toResponse } from './respond.js';
import { attachState, findState, type HonoRequestState } from './state.js';

/** What the middleware is built from. */
export interface MiddlewareSettings {
  readonly site: HttpSite;
  /** The security headers every answer carries unless it sets its own. */
  readonly security: SecurityHeaderList;
  readonly log: HttpLogger;
  readonly request: RequestSettings;
  /** Largest body read for the app's routes (the account forms have their own, smaller one). */
  readonly bodyLimit: number;
  /** Whether `gh.check(app)` ran. */
  checked(): boolean;
}

const sessionless = untypedAccess.publicAccess({ session: false });
const SERVER_ERROR = 'Something went wrong on our side. Please try again later.';

/**
 * The declaration the exchange is opened with: an object rule on the chain (the safety net
 * watches it), else the route's own; `publicAccess({ session: false })` only when every guard
 * says so, or when nothing of the app is on the chain (a plain 404 reads no session).
 */
function exchangeDeclaration(plan: ChainPlan): AccessDeclaration | undefined {
  if (plan.guards.length === 0) return plan.onlyGatehouse ? sessionless : undefined;
  const object = plan.guards.find((guard) => guard.access.kind === 'object');
  if (object) return object.access;
  if (plan.guards.every((guard) => guard.access.kind === 'public' && guard.access.session === false)) return sessionless;
  return plan.guards.find((guard) => guard.access.kind !== 'public')?.access ?? plan.guards[plan.guards.length - 1]?.access;
}

/** An answer made before any exchange existed: never cached. */
function bare(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } };
}

/** The route's own headers over an answer (the reset pages': no-store, no Referer). */
function withRouteHeaders(response: HttpResponse, plan: ChainPlan): HttpResponse {
  if (Object.keys(plan.headers).length === 0) return response;
  return { ...response, headers: { ...response.headers, ...plan.headers } };
}

/** The errors whose answer is gatehouse's whatever the app's error handler says: a denial must send people to log in. */
function isGatehouseAnswered(error: unknown): boolean {
  return error instanceof PermissionDenied || error instanceof NotFoundError || error instanceof BusyError;
}

/** A Node response's end, from `@hono/node-server`'s bindings, for work deferred until after the answer. */
function nodeWhenSent(c: Context): ExchangeHooks['whenSent'] {
  const outgoing = (c.env as { outgoing?: { once?: unknown; writableFinished?: boolean; destroyed?: boolean } } | undefined)?.outgoing;
  if (!outgoing || typeof outgoing.once !== 'function') return undefined;
  const node = outgoing as { once(event: string, listener: () => void): void; writableFinished?: boolean; destroyed?: boolean };
  return (start) => {
    if (node.writableFinished || node.destroyed) {
      start();
      return;
    }
    node.once('finish', start);
    node.once('close', start);
  };
}

/**
 * A path that is not valid percent-encoded UTF-8 (`/%zz`, `/%E0%A4%A`): Hono routes it as it is
 * (no route matches, or a parameter keeps the raw text), where Fastify's router refuses it. The
 * same answer as there: under the reset links the invalid-link page (a link mangled by a mail
 * client), elsewhere a plain 400 that does not echo the path.
 */
function malformedUrlResponse(site: HttpSite, request: HttpRequest, log: HttpLogger): HttpResponse | null {
  const path = request.url.split('?')[0] ?? '';
  if (!path.includes('%')) return null;
  try {
    decodeURIComponent(path);
    return null;
  } catch {
    if (isResetUrl(site, path)) return invalidResetLinkPage(site);
    return badUrlResponse(request, false, log, 'GATEHOUSE_MALFORMED_PATH');
  }
}

/** Builds the middleware. */
export function createMiddleware(settings: MiddlewareSettings): MiddlewareHandler {
  const { site, log, security } = settings;
  let warnedUnchecked = false;

  const middleware = async (c: Context, next: () => Promise<void>): Promise<Response | undefined> => {
    // Registered twice (or a second gatehouse on the same app): one exchange per request.
    if (findState(c)) {
      await next();
      return undefined;
    }
    const plan = planChain(matchedRoutes(c));
    let request: HttpRequest;
    try {
      request = buildHttpRequest(c, plan.route, settings.request);
    } catch (error) {
      // No client address: refuse rather than count this client under a made-up one.
      log.error({ err: error }, 'gatehouse: request refused');
      return toResponse(bare(errorPage(null, buildHttpRequest(c, plan.route, { ...settings.request, remoteAddress: () => '' }), 500, SERVER_ERROR)), security);
    }

    const refused = originResponse(site, request, log);
    if (refused) return toResponse(bare(refused), security);
    const malformed = malformedUrlResponse(site, request, log);
    if (malformed) return toResponse(malformed, security);

    if (!settings.checked() && !warnedUnchecked) {
      warnedUnchecked = true;
      log.error(
        {},
        'gatehouse: gh.check(app) was not called at start-up; routes without access are refused (500) as they are requested instead of failing the start.',
      );
    }
    // HEAD is answered by the GET route (Hono dispatches it so): it is allowed as the GET is.
    const routeMethod = request.method === 'HEAD' ? 'GET' : request.method;
    if (plan.hasHandler && plan.guards.length === 0 && !site.allowUndeclaredRoutes.some((p) => matchesRoutePattern(p, routeMethod, plan.route ?? ''))) {
      log.error(
        { gatehouse: { route: `${request.method} ${plan.route}` } },
        'gatehouse: this route declares no access; refused. Give it access(...) (publicAccess() for open routes) or list it in allowUndeclaredRoutes.',
      );
      return toResponse(bare(errorPage(null, request, 500, SERVER_ERROR)), security);
    }

    let exchange: AuthExchange;
    try {
      const whenSent = nodeWhenSent(c);
      exchange = await AuthExchange.open(site, request, log, exchangeDeclaration(plan), {
        onSessionChange: (changed) => {
          c.set('user', changed.user);
          c.set('session', changed.session);
        },
        ...(whenSent ? { whenSent } : {}),
      });
    } catch (error) {
      return toResponse(bare(await errorResponse(null, request, error, log)), security);
    }
    // The plan's own list (made for this request): once the loop below passes, all of it is enforced.
    const state: HonoRequestState = { exchange, plan, enforced: plan.guards as GuardPart[], errorHandled: false };
    if (plan.guards.some((g) => g.json)) exchange.answerJson();
    attachState(c, state);

    let early: HttpResponse | null = null;
    try {
      for (const guard of plan.guards) {
        early = await exchange.authorize(guard.access, guard.options);
        if (early) break;
      }
      if (!early && !isSafeMethod(request.method) && !plan.onlyGatehouse) {
        request.body = plan.accountView ? await readFields(c, ACCOUNT_FORM_BODY_LIMIT, { onlyKnownTypes: true }) : await readFields(c, settings.bodyLimit);
      }
      // Nothing of the app on the chain: a plain 404, nothing to protect.
      early ??= await exchange.checkCsrf(plan.csrfExempt || plan.onlyGatehouse);
    } catch (error) {
      early = await errorResponse(exchange, request, error, log);
    }
    if (early) {
      const finished = withRouteHeaders(await exchange.finish(early), plan);
      void exchange.end({ status: finished.status });
      return toResponse(finished, security);
    }

    try {
      await next();
    } catch (error) {
      // Hono hands Errors to the app's error handler; anything else thrown lands here.
      c.res = undefined;
      c.res = toResponse(await errorResponse(exchange, request, error, log), security);
    }
    if (c.error && !state.errorHandled && isGatehouseAnswered(c.error)) {
      c.res = undefined;
      c.res = toResponse(await errorResponse(exchange, request, c.error, log), security);
    }
    const before = responseView(c.res);
    const finished = withRouteHeaders(await exchange.finish(before), plan);
    applyFinished(c, before, finished, security);
    void exchange.end({ status: finished.status });
    return undefined;
  };
  return markPart(middleware, { role: 'middleware' });
}
