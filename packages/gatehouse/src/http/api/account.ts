/**
 * The JSON account API's login side: the CSRF token for a cookie session, login, logout, the
 * current session, re-authentication and the email change. The same mechanisms as the HTML
 * views (exchange.ts, login-attempts.ts): the same throttle, the same session rotation, the same
 * audit entries — only the answers are JSON.
 */
import { ValidationError } from '../../core/errors.js';
import { REAUTH_AT } from '../../core/session-keys.js';
import { SessionRevokedError } from '../../core/sessions.js';
import { type User, publicUser } from '../../core/user.js';
import type { AuthExchange } from '../exchange.js';
import { throttledAttempt } from '../login-attempts.js';
import type { HttpResponse } from '../response.js';
import { BodyReader } from './body.js';
import { apiError, apiJson, noContent, throttled, validationFailed } from './errors.js';

const USERNAME_MAX = 1000;
const EMAIL_MAX = 254;

/** The same answer for an unknown user, a wrong password and an inactive account. */
function invalidCredentials(): HttpResponse {
  return apiError(400, 'invalid_credentials', 'Please enter a correct username and password.');
}

function iso(ms: number | null | undefined): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** GET csrf: a masked token for this browser's CSRF cookie (set with this answer if new). */
export async function csrfGet(exchange: AuthExchange): Promise<HttpResponse> {
  return apiJson(200, { csrfToken: exchange.csrfToken() });
}

/** POST login: `{ username, password }` → 200 `{ user, csrfToken }` and the session cookie. */
export async function loginPost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const body = new BodyReader(exchange.request);
  const username = body.string('username', USERNAME_MAX);
  const password = body.string('password', gatehouse.config.maxPasswordLength);
  if (!body.ok) return validationFailed(body.problems);
  const outcome = await throttledAttempt(exchange, username, () => gatehouse.authenticate({ username, password }));
  if (!outcome.ok) {
    await gatehouse.audit.record({
      actor: null,
      action: outcome.blocked ? 'auth.login_throttled' : 'auth.login_failed',
      target: username.slice(0, 150),
      ip: exchange.request.clientAddress,
    });
    return outcome.blocked ? throttled(outcome.retryAfterSeconds) : invalidCredentials();
  }
  try {
    await exchange.login(outcome.value, { backend: 'model' });
  } catch (error) {
    // Credentials revoked while the password was being checked: no session was made.
    if (error instanceof SessionRevokedError) return invalidCredentials();
    throw error;
  }
  // The CSRF secret was replaced at login: the client needs the new token for its next POST.
  // The session's user: the snapshot with this login's time recorded.
  return apiJson(200, { user: publicUser(exchange.user), csrfToken: exchange.csrfToken() });
}

/** POST logout: ends the session (if any) → 204. */
export async function logoutPost(exchange: AuthExchange): Promise<HttpResponse> {
  await exchange.logout();
  exchange.noStore();
  return noContent();
}

/** GET session: who is logged in, what they may do, until when. */
export async function sessionGet(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User; // the route requires a logged-in user
  const [permissions, groups] = await Promise.all([gatehouse.authz.getAllPermissions(user), gatehouse.stores.groups.groupsOfUser(user.id)]);
  const token = exchange.apiToken;
  return apiJson(200, {
    user: publicUser(user),
    permissions: [...permissions].sort(),
    groups: groups.map((g) => g.name).sort(),
    authenticatedBy: token ? 'token' : 'session',
    expiresAt: token ? iso(token.expiresAt) : iso(exchange.session?.record.expiresAt),
    passwordCheckedAt: token ? null : iso(exchange.session?.record.data[REAUTH_AT] as number | undefined),
    ...(token ? { token: { id: token.id, name: token.name, permissions: token.permissions } } : {}),
  });
}

/** POST reauth: `{ password }` → 204, the session stepped up (a new id, `passwordCheckedAt` now). */
export async function reauthPost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  const ip = exchange.request.clientAddress;
  const body = new BodyReader(exchange.request);
  const password = body.string('password', gatehouse.config.maxPasswordLength);
  if (!body.ok) return validationFailed(body.problems);
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await gatehouse.accounts.checkPassword(user, password)) ? true : null));
  if (!outcome.ok) {
    await gatehouse.audit.record({ actor: user.username, action: outcome.blocked ? 'auth.reauth_throttled' : 'auth.reauth_failed', target: user.username, ip });
    return outcome.blocked ? throttled(outcome.retryAfterSeconds) : invalidCredentials();
  }
  await exchange.reauthenticated(user);
  await gatehouse.audit.record({ actor: user.username, action: 'auth.reauth', target: user.username, ip });
  return noContent();
}

/** POST email: `{ password, email }` → 204; the current password first, behind the throttle. */
export async function emailPost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  const body = new BodyReader(exchange.request);
  const password = body.string('password', gatehouse.config.maxPasswordLength);
  const email = body.string('email', EMAIL_MAX).trim();
  if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email)) body.problems.email = ['Enter a valid email address.'];
  if (!body.ok) return validationFailed(body.problems);
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await gatehouse.accounts.checkPassword(user, password)) ? true : null));
  if (!outcome.ok) return outcome.blocked ? throttled(outcome.retryAfterSeconds) : validationFailed({ password: ['Your password was entered incorrectly.'] });
  try {
    await gatehouse.accounts.setEmail(user, email, { actor: user.username, ip: exchange.request.clientAddress });
  } catch (error) {
    if (error instanceof ValidationError) return validationFailed({ email: error.errors.map((e) => e.message) });
    // A taken address says so only as a generic problem: the API must not confirm who uses it.
    if (error instanceof Error && 'field' in error && (error as { field: unknown }).field === 'email')
      return validationFailed({ email: ['This address cannot be used.'] });
    throw error;
  }
  return noContent();
}
