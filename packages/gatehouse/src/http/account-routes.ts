/**
 * The account views as ONE table: each entry's name, path (relative to the prefix, `:param`
 * syntax), methods, access and handler. Adapters register every entry under the prefix, answer
 * the other methods with `methodNotAllowed(route)` (a GET to `logout/` must not log anyone out,
 * and should say why), and serve `${prefix}/gatehouse.css` with `stylesheetResponse`. The URLs
 * in `HttpSite.urls` name the same paths.
 */
import { type AccessDeclaration, untypedAccess } from './access.js';
import type { AuthExchange } from './exchange.js';
import { type HttpResponse, textResponse } from './response.js';
import type { HttpSite } from './site.js';
import { loginGet, loginPost, logoutPost } from './views/login.js';
import { passwordChangeDoneGet, passwordChangeGet, passwordChangePost } from './views/password-change.js';
import { SET_PASSWORD, confirmGet, resetCompleteGet, resetDoneGet, resetFormGet, resetPost, setPasswordGet, setPasswordPost } from './views/password-reset.js';
import { reauthGet, reauthPost } from './views/reauth.js';
import { sessionsGet, sessionsPost } from './views/sessions.js';

/** A method an account view answers. */
export type AccountMethod = 'GET' | 'POST' | 'DELETE';

/** The handler of an account route. */
export type AccountHandler = (exchange: AuthExchange, params: Record<string, string>) => Promise<HttpResponse>;

/** One account URL. */
export interface AccountRoute {
  /** Stable name (`login`, `password_reset_confirm`...). */
  readonly name: string;
  /** Relative to the prefix, `:param` syntax, trailing slash: `/reset/:uidb64/:token/`. */
  readonly path: string;
  readonly methods: readonly AccountMethod[];
  readonly access: AccessDeclaration;
  /**
   * Headers every answer on this URL carries, whatever it is (errors and CSRF refusals too): the
   * reset confirm pages stand for a token, so they are never cached and send no Referer.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Answers JSON only, denials and CSRF failures included (the account API): adapters call `exchange.answerJson()`. */
  readonly json?: boolean;
  /** Answers one request; the exchange has already authorized it and checked CSRF. */
  handler(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse>;
}

/** Account forms are small: anything bigger is refused (413) before it is parsed. */
export const ACCOUNT_FORM_BODY_LIMIT = 64 * 1024;

/** The methods adapters answer with 405 where an account URL does not take them. */
export const ACCOUNT_PROBED_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const RESET_PAGE_HEADERS = Object.freeze({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
const NO_HEADERS = Object.freeze({});

function byMethod(handlers: Partial<Record<AccountMethod, AccountHandler>>): AccountRoute['handler'] {
  return (exchange, params) => {
    const handler = handlers[exchange.request.method === 'HEAD' ? 'GET' : (exchange.request.method as AccountMethod)];
    if (!handler) throw new Error(`gatehouse: account route called with ${exchange.request.method}`);
    return handler(exchange, params);
  };
}

function route(
  name: string,
  path: string,
  access: AccessDeclaration,
  handlers: Partial<Record<AccountMethod, AccountHandler>>,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): AccountRoute {
  const methods = (['GET', 'POST'] as const).filter((m) => handlers[m] !== undefined);
  return Object.freeze({ name, path, methods, access, headers, handler: byMethod(handlers) });
}

const open = untypedAccess.publicAccess();
const loggedIn = untypedAccess.authenticated();

const TABLE: readonly AccountRoute[] = Object.freeze([
  route('login', '/login/', open, { GET: loginGet, POST: loginPost }),
  route('logout', '/logout/', open, { POST: logoutPost }),
  route('password_change', '/password_change/', loggedIn, { GET: passwordChangeGet, POST: passwordChangePost }),
  route('password_change_done', '/password_change/done/', loggedIn, { GET: passwordChangeDoneGet }),
  route('password_reset', '/password_reset/', open, { GET: resetFormGet, POST: resetPost }),
  route('password_reset_done', '/password_reset/done/', open, { GET: resetDoneGet }),
  route('password_reset_set', `/reset/:uidb64/${SET_PASSWORD}/`, open, { GET: setPasswordGet, POST: setPasswordPost }, RESET_PAGE_HEADERS),
  route('password_reset_confirm', '/reset/:uidb64/:token/', open, { GET: confirmGet }, RESET_PAGE_HEADERS),
  route('password_reset_complete', '/reset/done/', open, { GET: resetCompleteGet }),
  route('reauth', '/reauth/', loggedIn, { GET: reauthGet, POST: reauthPost }),
  route('sessions', '/sessions/', loggedIn, { GET: sessionsGet, POST: sessionsPost }),
]);

/** The account routes of `site` (none when the account views are not mounted). */
export function accountRoutes(site: HttpSite): readonly AccountRoute[] {
  return site.accountViews ? TABLE : [];
}

/** The `Allow` value of an account route (HEAD with GET). */
export function allowHeader(route: AccountRoute): string {
  return [...route.methods, ...(route.methods.includes('GET') ? ['HEAD'] : [])].join(', ');
}

/** The methods an adapter answers with 405 on `route`'s URL. */
export function disallowedMethods(route: AccountRoute): string[] {
  return ACCOUNT_PROBED_METHODS.filter((m) => !route.methods.includes(m as AccountMethod));
}

/** 405 for a method `route` does not take, with `Allow`. No CSRF check or session: nothing is done. */
export function methodNotAllowed(route: AccountRoute): HttpResponse {
  const allow = allowHeader(route);
  const response = textResponse(405, `Method not allowed: use ${allow}.`);
  response.headers.allow = allow;
  response.headers['cache-control'] = 'no-store';
  return response;
}

/** The default pages' stylesheet, cacheable for an hour. */
export function stylesheetResponse(site: HttpSite): HttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
    cookies: [],
    body: site.templates.asset('gatehouse.css'),
  };
}
