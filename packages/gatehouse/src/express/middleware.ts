/**
 * The middleware (`app.use(gh.middleware)`, before every route), in request order:
 *
 * 1. the route check, if the app has not run `gh.check(app)` itself: while any route declares no
 *    access, every request gets a generic 500 (logged once), so a forgotten check fails closed;
 * 2. the route this request will reach, found before Express routes it (route-resolve.ts);
 * 3. the Host and forwarded-protocol check (400 for a Host the site does not answer), before any
 *    session is read;
 * 4. the request's `AuthExchange`, created here and only here: session and user loaded (not for
 *    `publicAccess({ session: false })` routes), `req.user`, `req.session`, `req.login()`,
 *    `req.logout()`, `req.csrfToken()` set, and every answer routed through `exchange.finish`;
 * 5. for a request no guard will see first (no route, or a route without a guard), the body is
 *    read and the CSRF check runs here; otherwise the route's first guard runs it, after access.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AccessDeclaration } from '../http/access.js';
import { badUrlResponse, invalidResetLinkPage, isResetUrl } from '../http/bad-url.js';
import { isSafeMethod } from '../http/csrf.js';
import { AuthExchange, finishWithoutExchange, originResponse } from '../http/exchange.js';
import type { HttpLogger } from '../http/logger.js';
import type { HttpResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { checkCsrfOnce } from './csrf-once.js';
import { markOwn } from './guard-mark.js';
import { type ExpressRequestState, attachState, findState, stateOf } from './request-state.js';
import { ExpressHttpRequest } from './request-view.js';
import { finishOnWrite, sendHttpResponse } from './response-writer.js';
import { type ResolvedRoute, plainMiddlewareMatches, resolveRoute } from './route-resolve.js';
import { type ExpressAppLike, routerOf } from './router-stack.js';

/** What the middleware needs from the adapter. */
export interface MiddlewareContext {
  readonly site: HttpSite;
  readonly log: HttpLogger;
  /** The route check of `app`: null when it passes, else the error (cached by the adapter). */
  routeProblem(app: ExpressAppLike): Error | null;
}

function isSessionFree(declaration: AccessDeclaration): boolean {
  return declaration.kind === 'public' && declaration.session === false;
}

/**
 * The declaration the exchange opens with: session-free only when every guard ahead is; the
 * object rule when there is one (the safety net in `finish` needs it); else the route's own.
 */
export function openingDeclaration(resolved: ResolvedRoute | null): AccessDeclaration | undefined {
  const guards = resolved?.guards ?? [];
  if (guards.length === 0) return undefined;
  if (guards.every((g) => isSessionFree(g.access))) return guards[0]?.access;
  const object = guards.find((g) => g.access.kind === 'object');
  if (object) return object.access;
  return [...guards].reverse().find((g) => !isSessionFree(g.access))?.access;
}

/** An answer written before there is an exchange (no session, no cookies): with the security headers. */
export function sendBare(res: Response, site: HttpSite, response: HttpResponse): void {
  sendHttpResponse(res, finishWithoutExchange(site, response));
}

const SERVER_ERROR: HttpResponse = {
  status: 500,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  cookies: [],
  body: 'Server error.',
};

function decodable(path: string): boolean {
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Prototypes (each app's `app.request`) that already carry `login`, `logout`, `csrfToken`. */
const boundPrototypes = new WeakSet<object>();

/**
 * `req.login()`, `req.logout()`, `req.csrfToken()` as methods of the app's request prototype,
 * defined once: no closures per request, and every request keeps one shape.
 */
function bindRequestMethods(req: Request): void {
  const proto = Object.getPrototypeOf(req) as Partial<Pick<Request, 'login' | 'logout' | 'csrfToken'>> | null;
  if (proto === null || boundPrototypes.has(proto)) return;
  boundPrototypes.add(proto);
  proto.login = function login(this: Request, user, options) {
    return stateOf(this).exchange.login(user, options);
  };
  proto.logout = function logout(this: Request) {
    return stateOf(this).exchange.logout();
  };
  proto.csrfToken = function csrfToken(this: Request) {
    return stateOf(this).exchange.csrfToken();
  };
}

async function handle(context: MiddlewareContext, req: Request, res: Response): Promise<boolean> {
  const { site, log } = context;
  // Mounted twice (app and router): the request already has its exchange.
  if (findState(req) !== undefined) return true;
  // Express names itself in every answer unless told not to; gatehouse's answers name no framework.
  res.removeHeader('x-powered-by');
  const app = req.app as unknown as ExpressAppLike;
  if (context.routeProblem(app) !== null) {
    sendBare(res, site, SERVER_ERROR);
    return false;
  }
  if (!decodable(req.path)) {
    // Express would match the raw path and answer 404 (or a route would get a mangled parameter):
    // a URL that is not valid percent-encoded UTF-8 is refused plainly, as Fastify's router does.
    const bare = new ExpressHttpRequest(req, null);
    sendBare(res, site, isResetUrl(site, req.path) ? invalidResetLinkPage(site) : badUrlResponse(bare, false, log, 'bad_path_encoding'));
    return false;
  }
  const resolved = resolveRoute(routerOf(app), req.method, req.path);
  const view = new ExpressHttpRequest(req, resolved?.pattern ?? null);
  const refused = originResponse(site, view, log);
  if (refused) {
    sendBare(res, site, refused);
    return false;
  }
  const exchange = await AuthExchange.open(site, view, log, openingDeclaration(resolved), {
    onSessionChange: (changed) => {
      req.user = changed.user;
      req.session = changed.session;
    },
  });
  const state: ExpressRequestState = { exchange, view, resolved, csrfChecked: false, bodyRead: false };
  attachState(req, state);
  bindRequestMethods(req);
  finishOnWrite(res, exchange, log);
  // 'close' comes after 'finish' for an answer sent in full, and alone when the client left.
  res.once('close', () => {
    void exchange.end(res.writableFinished ? { status: res.statusCode } : { aborted: true });
  });
  if (resolved !== null && resolved.guards.length > 0 && !resolved.opaque) return true;
  // No guard will run first: check here, so no handler ever runs unchecked. A request no route
  // and no plain middleware can take is a 404/405, exempt as on Fastify.
  const unanswerable = resolved === null && !isSafeMethod(req.method) && !plainMiddlewareMatches(routerOf(app), req.path);
  const exempt = unanswerable || (resolved?.guards.some((g) => g.csrfExempt) ?? false);
  const refusal = await checkCsrfOnce(req, state, exempt);
  if (refusal) {
    sendHttpResponse(res, refusal);
    return false;
  }
  return true;
}

/** The middleware; see the module comment. */
export function createMiddleware(context: MiddlewareContext): RequestHandler {
  return markOwn((req: Request, res: Response, next: NextFunction): void => {
    handle(context, req, res).then((proceed) => {
      if (proceed) next();
    }, next);
  });
}
