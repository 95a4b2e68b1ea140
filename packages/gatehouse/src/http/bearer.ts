/**
 * Bearer requests (`Authorization: Bearer gh_…`, RFC 6750) authenticated by a personal API token.
 *
 * - Such a request is authenticated by the token alone: the session cookie, if any, is not read,
 *   so it needs no CSRF token (a browser never adds this header to a cross-site request on its own)
 *   and gets no cookie back.
 * - A token is never more than its user; routes that need a session with a recent password check
 *   (`critical()`, `recentAuth`) refuse tokens outright — a token cannot prove a password.
 * - A token that does not authenticate gets 401 `invalid_token` with `WWW-Authenticate`, the same
 *   for malformed, unknown, expired, revoked or of an inactive user (the log tells them apart).
 *   Failures count against the client address in the login throttle, so a flood of guesses is
 *   refused (429) before any lookup; a good token costs no throttle write.
 */
import type { ApiTokenInfo } from '../core/api-tokens.js';
import type { User } from '../core/user.js';
import type { AccessDeclaration } from './access.js';
import type { HttpLogger } from './logger.js';
import type { HttpRequest } from './request.js';
import { type HttpResponse, jsonResponse } from './response.js';
import type { HttpSite } from './site.js';

/** The throttle key failed bearer attempts count under (per client address). */
const BEARER_ACCOUNT = '(api token)';

/** The token of a `Bearer` Authorization header; null when there is no such header. */
export function bearerCredential(request: Pick<HttpRequest, 'header'>): string | null {
  const header = request.header('authorization');
  if (header === undefined) return null;
  const match = /^bearer(?:[ \t]+(.*))?$/i.exec(header.trim());
  // Another scheme (Basic...) is the app's business: not a gatehouse credential.
  return match ? (match[1] ?? '').trim() : null;
}

/** What came of a bearer credential. */
export type BearerOutcome = { ok: true; user: User; token: ApiTokenInfo } | { ok: false; response: HttpResponse };

function refusal(status: number, code: string, message: string, extra: Record<string, string> = {}): HttpResponse {
  const response = jsonResponse(status, { error: { code, message } });
  response.headers['cache-control'] = 'no-store';
  for (const [name, value] of Object.entries(extra)) response.headers[name] = value;
  return response;
}

/** Authenticates `token` for `request`, counting failures per client address. */
export async function authenticateBearer(site: HttpSite, request: HttpRequest, log: HttpLogger, token: string): Promise<BearerOutcome> {
  const ip = request.clientAddress;
  const result = await site.gatehouse.apiTokens.authenticate(token.slice(0, 200), { ip });
  if (result.ok) return { ok: true, user: result.user, token: result.token };
  log.info({ gatehouse: { decision: 'deny', kind: 'bearer', ip, reason: result.reason } }, 'API token refused');
  const throttle = site.throttle;
  if (throttle) {
    const admission = await throttle.reserve({ username: BEARER_ACCOUNT, ip });
    if (!admission.allowed) {
      return {
        ok: false,
        response: refusal(429, 'throttled', 'Too many failed attempts. Please wait a while and try again.', {
          'retry-after': String(Math.max(1, Math.ceil(admission.retryAfterSeconds))),
        }),
      };
    }
    await admission.failed();
  }
  if (result.reason !== 'malformed') {
    await site.gatehouse.audit.record({ actor: null, action: 'token.use_denied', target: null, ip, data: { reason: result.reason } });
  }
  return {
    ok: false,
    response: refusal(401, 'invalid_token', 'The API token is invalid, expired or revoked.', { 'www-authenticate': 'Bearer error="invalid_token"' }),
  };
}

/** True when `declaration` needs what only a session has (a password check): tokens are refused. */
export function needsSession(declaration: AccessDeclaration): boolean {
  return declaration.kind === 'critical' || ('recentAuth' in declaration && declaration.recentAuth !== undefined);
}

/** The 403 for a token on a route that needs a session. */
export function tokenRefusedResponse(): HttpResponse {
  return refusal(403, 'forbidden', 'This needs a logged-in session with a recent password check; API tokens cannot do it.');
}
