/**
 * The JSON account API as ONE table, like the account views: each endpoint's method, path
 * (relative to the API prefix, `/api/auth` by default), access, handler and the schemas the
 * OpenAPI document is generated from (openapi.ts). Adapters register it with the same code as
 * the account views (`apiRoutes()` groups the endpoints by path, with 405s for other methods).
 *
 * Every endpoint answers JSON (denials and CSRF failures included, whatever the Accept header),
 * takes a cookie session (CSRF checked on unsafe methods) or a bearer token (no cookie, no CSRF),
 * and is never cached.
 */
import { type AccessDeclaration, untypedAccess } from '../access.js';
import type { AccountMethod, AccountRoute } from '../account-routes.js';
import type { AuthExchange } from '../exchange.js';
import type { HttpResponse } from '../response.js';
import { csrfGet, emailPost, loginPost, logoutPost, reauthPost, sessionGet } from './account.js';
import { otherSessionsDelete, sessionDelete, sessionsGet, tokenDelete, tokensGet, tokensPost } from './devices.js';
import type { ApiErrorCode } from './errors.js';
import { passwordChangePost, passwordResetConfirmPost, passwordResetPost } from './passwords.js';
import { type JsonSchema, schemas } from './schemas.js';

/** A method the API answers. */
export type ApiMethod = 'GET' | 'POST' | 'DELETE';

/** One endpoint: a method on a path. */
export interface ApiEndpoint {
  readonly name: string;
  readonly method: ApiMethod;
  /** Relative to the API prefix, `:param` syntax: `/sessions/:id`. */
  readonly path: string;
  readonly access: AccessDeclaration;
  /** Bearer tokens may not call it: it needs a session with a recent password check. */
  readonly sessionOnly?: boolean;
  readonly summary: string;
  readonly request?: JsonSchema;
  /** Success status and body schema (none for 204). */
  readonly success: { status: number; description: string; schema?: JsonSchema };
  /** The error codes it may answer with, besides the common ones. */
  readonly errors: readonly ApiErrorCode[];
  handler(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse>;
}

const open = untypedAccess.publicAccess();
const loggedIn = untypedAccess.authenticated();
const recentlyChecked = untypedAccess.authenticated({ recentAuth: true });

/** Every endpoint, in the order the docs list them. */
export const API_ENDPOINTS: readonly ApiEndpoint[] = [
  {
    name: 'csrf',
    method: 'GET',
    path: '/csrf',
    access: open,
    summary: 'A CSRF token for the cookie session (send it back as the X-CSRFToken header)',
    success: { status: 200, description: 'The token', schema: schemas.csrf },
    errors: [],
    handler: csrfGet,
  },
  {
    name: 'login',
    method: 'POST',
    path: '/login',
    access: open,
    summary: 'Log in with a username and password; sets the session cookie',
    request: schemas.login,
    success: { status: 200, description: 'Logged in: the user and the new CSRF token', schema: schemas.loginResult },
    errors: ['invalid_credentials', 'throttled', 'validation_failed', 'csrf_failed'],
    handler: loginPost,
  },
  {
    name: 'logout',
    method: 'POST',
    path: '/logout',
    access: open,
    summary: 'End the session',
    success: { status: 204, description: 'Logged out' },
    errors: ['csrf_failed'],
    handler: logoutPost,
  },
  {
    name: 'session',
    method: 'GET',
    path: '/session',
    access: loggedIn,
    summary: 'Who is logged in, their groups and effective permissions, the session expiry and last password check',
    success: { status: 200, description: 'The session', schema: schemas.session },
    errors: ['not_authenticated'],
    handler: sessionGet,
  },
  {
    name: 'password_change',
    method: 'POST',
    path: '/password/change',
    access: loggedIn,
    sessionOnly: true,
    summary: 'Change the password (other sessions end; this one goes on)',
    request: schemas.passwordChange,
    success: { status: 204, description: 'Changed' },
    errors: ['not_authenticated', 'validation_failed', 'throttled', 'csrf_failed', 'forbidden'],
    handler: passwordChangePost,
  },
  {
    name: 'password_reset',
    method: 'POST',
    path: '/password/reset',
    access: open,
    summary: 'Mail a reset link if an account has this address (202 either way)',
    request: schemas.passwordReset,
    success: { status: 202, description: 'Accepted', schema: schemas.detail },
    errors: ['validation_failed', 'csrf_failed'],
    handler: passwordResetPost,
  },
  {
    name: 'password_reset_confirm',
    method: 'POST',
    path: '/password/reset/confirm',
    access: open,
    summary: 'Set a new password with the uid and token from the reset mail',
    request: schemas.passwordResetConfirm,
    success: { status: 204, description: 'Password set; every session and API token of the account ended' },
    errors: ['invalid_token', 'validation_failed', 'throttled', 'csrf_failed'],
    handler: passwordResetConfirmPost,
  },
  {
    name: 'reauth',
    method: 'POST',
    path: '/reauth',
    access: loggedIn,
    sessionOnly: true,
    summary: 'Confirm the password again before a sensitive action',
    request: schemas.reauth,
    success: { status: 204, description: 'Confirmed' },
    errors: ['not_authenticated', 'invalid_credentials', 'throttled', 'validation_failed', 'csrf_failed', 'forbidden'],
    handler: reauthPost,
  },
  {
    name: 'email',
    method: 'POST',
    path: '/email',
    access: loggedIn,
    sessionOnly: true,
    summary: 'Change the email address (the current password is required)',
    request: schemas.emailChange,
    success: { status: 204, description: 'Changed' },
    errors: ['not_authenticated', 'validation_failed', 'throttled', 'csrf_failed', 'forbidden'],
    handler: emailPost,
  },
  {
    name: 'sessions',
    method: 'GET',
    path: '/sessions',
    access: loggedIn,
    summary: "The user's live sessions, newest first, the current one marked",
    success: { status: 200, description: 'Sessions', schema: schemas.sessions },
    errors: ['not_authenticated'],
    handler: sessionsGet,
  },
  {
    name: 'sessions_end_others',
    method: 'DELETE',
    path: '/sessions',
    access: loggedIn,
    sessionOnly: true,
    summary: 'Log out everywhere else',
    success: { status: 200, description: 'How many sessions ended', schema: schemas.ended },
    errors: ['not_authenticated', 'csrf_failed', 'forbidden'],
    handler: otherSessionsDelete,
  },
  {
    name: 'session_end',
    method: 'DELETE',
    path: '/sessions/:id',
    access: loggedIn,
    summary: "End one of the user's sessions (ending the current one logs out)",
    success: { status: 204, description: 'Ended' },
    errors: ['not_authenticated', 'not_found', 'csrf_failed'],
    handler: sessionDelete,
  },
  {
    name: 'tokens',
    method: 'GET',
    path: '/tokens',
    access: loggedIn,
    summary: "The user's personal API tokens (never the secrets)",
    success: { status: 200, description: 'Tokens', schema: schemas.tokens },
    errors: ['not_authenticated'],
    handler: tokensGet,
  },
  {
    name: 'token_create',
    method: 'POST',
    path: '/tokens',
    access: recentlyChecked,
    sessionOnly: true,
    summary: 'Create a personal API token (needs a recent password check); the secret is shown once',
    request: schemas.tokenCreate,
    success: { status: 201, description: 'Created: the token, shown this once', schema: schemas.tokenCreated },
    errors: ['not_authenticated', 'reauth_required', 'validation_failed', 'csrf_failed', 'forbidden'],
    handler: tokensPost,
  },
  {
    name: 'token_revoke',
    method: 'DELETE',
    path: '/tokens/:id',
    access: loggedIn,
    summary: "Revoke one of the user's tokens",
    success: { status: 204, description: 'Revoked' },
    errors: ['not_authenticated', 'not_found', 'csrf_failed'],
    handler: tokenDelete,
  },
];

/**
 * The endpoints grouped by path as account-route entries, so adapters register the API with the
 * same code as the account views. A path's access is its least demanding method's; a method
 * that asks more (a recent password check, a session) is checked again in its handler.
 */
export function apiRoutes(endpoints: readonly ApiEndpoint[] = API_ENDPOINTS): readonly AccountRoute[] {
  const byPath = new Map<string, ApiEndpoint[]>();
  for (const endpoint of endpoints) {
    const list = byPath.get(endpoint.path);
    if (list) list.push(endpoint);
    else byPath.set(endpoint.path, [endpoint]);
  }
  return [...byPath.entries()].map(([path, list]) => {
    const first = list[0] as ApiEndpoint;
    const route: AccountRoute = {
      name: `api_${first.name}`,
      path,
      methods: list.map((e) => e.method) as unknown as readonly AccountMethod[],
      access: first.access,
      headers: Object.freeze({ 'cache-control': 'no-store' }),
      json: true,
      handler: async (exchange, params) => {
        const endpoint = list.find((e) => e.method === exchange.request.method) ?? first;
        if (endpoint.sessionOnly && exchange.apiToken) return exchange.tokenRefused();
        if (endpoint.access !== first.access) {
          const refused = await exchange.authorize(endpoint.access);
          if (refused) return refused;
        }
        return endpoint.handler(exchange, params);
      },
    };
    return route;
  });
}
