/**
 * Login and logout (Django's `LoginView`, `LogoutView`).
 *
 * Login answers a wrong password, an unknown username and an inactive account with the same
 * message and the same work (the backend hashes even for unknown users), so the form cannot be
 * used to find accounts. Success rotates the session id and the CSRF secret and follows `next`
 * only when it is safe. Logout is POST only: a GET (an image tag, a prefetch) must not end a
 * session.
 */
import { SessionRevokedError } from '../../core/sessions.js';
import type { AuthExchange } from '../exchange.js';
import { field, safeNext } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { type HttpResponse, redirectResponse } from '../response.js';

/** Django's message, shown for every kind of failure. */
export const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

const USERNAME_MAX = 150;

interface LoginFormState {
  username: string;
  errors: string[];
  fieldErrors: Record<string, string[]>;
}

function showLogin(exchange: AuthExchange, form: LoginFormState, status = 200): HttpResponse {
  return exchange.page('registration/login.html', 'Log in', { form, next: safeNext(exchange.site, exchange.request) ?? '' }, status);
}

/** GET: the empty form. */
export async function loginGet(exchange: AuthExchange): Promise<HttpResponse> {
  return showLogin(exchange, { username: '', errors: [], fieldErrors: {} });
}

/** POST: checks the credentials behind the throttle, logs in, follows a safe `next`. */
export async function loginPost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const request = exchange.request;
  const rawUsername = field(request, 'username', 1000);
  const password = field(request, 'password', gatehouse.config.maxPasswordLength + 1);
  const form: LoginFormState = { username: rawUsername.slice(0, USERNAME_MAX), errors: [], fieldErrors: {} };
  if (rawUsername === '') form.fieldErrors.username = ['This field is required.'];
  if (password === '') form.fieldErrors.password = ['This field is required.'];
  if (Object.keys(form.fieldErrors).length > 0) return showLogin(exchange, form);

  const outcome = await throttledAttempt(exchange, rawUsername, () => gatehouse.authenticate({ username: rawUsername, password }));
  if (!outcome.ok) {
    await gatehouse.audit.record({
      actor: null,
      action: outcome.blocked ? 'auth.login_throttled' : 'auth.login_failed',
      target: rawUsername.slice(0, USERNAME_MAX),
      ip: request.clientAddress,
    });
    if (outcome.blocked) {
      const response = showLogin(exchange, { ...form, errors: [TOO_MANY_ATTEMPTS] }, 429);
      response.headers['retry-after'] = String(Math.max(1, Math.ceil(outcome.retryAfterSeconds)));
      return response;
    }
    return showLogin(exchange, { ...form, errors: [INVALID_LOGIN] });
  }
  try {
    await exchange.login(outcome.value);
  } catch (error) {
    // The password was right for credentials revoked while it was being checked (password
    // change, reset, deactivation): no session was made; `Gatehouse.login` audited it.
    if (error instanceof SessionRevokedError) return showLogin(exchange, { ...form, errors: [INVALID_LOGIN] });
    throw error;
  }
  return redirectResponse(safeNext(exchange.site, request) ?? gatehouse.config.loginRedirectUrl);
}

/** POST: ends the session; nothing of it may outlive it in this browser. */
export async function logoutPost(exchange: AuthExchange): Promise<HttpResponse> {
  const site = exchange.site;
  const wasLoggedIn = exchange.user.isAuthenticated;
  await exchange.logout();
  // Nothing of the session may outlive it in this browser: no cached page, no stored data.
  exchange.noStore();
  const next = safeNext(site, exchange.request);
  let response: HttpResponse;
  if (next) response = redirectResponse(next);
  else if (site.loggedOutPage) response = exchange.page('registration/logged_out.html', 'Logged out', { wasLoggedIn });
  else response = redirectResponse(site.logoutRedirectUrl);
  response.headers['clear-site-data'] = '"cache", "cookies", "storage"';
  return response;
}
