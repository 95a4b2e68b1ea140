/**
 * Re-authentication: a logged-in user types the password again before a sensitive action
 * (routes declared with `recentAuth`). Throttled like a login; success is the core's step-up
 * (`reauthAt` now, a new session id), as any step up in privilege should be.
 */
import type { User } from '../../core/user.js';
import type { AuthExchange } from '../exchange.js';
import { field, safeNext } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { type HttpResponse, redirectResponse } from '../response.js';

function showForm(exchange: AuthExchange, errors: string[], status = 200): HttpResponse {
  return exchange.page(
    'registration/reauth.html',
    'Confirm your password',
    { form: { errors, fieldErrors: {} }, next: safeNext(exchange.site, exchange.request) ?? '' },
    status,
  );
}

/** GET: the form. */
export async function reauthGet(exchange: AuthExchange): Promise<HttpResponse> {
  return showForm(exchange, []);
}

/** POST: checks the password behind the throttle, then steps the session up. */
export async function reauthPost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User; // guaranteed by the route's access declaration
  const ip = exchange.request.clientAddress;
  const password = field(exchange.request, 'password', gatehouse.config.maxPasswordLength + 1);
  if (password === '') return showForm(exchange, ['Enter your password.']);
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await gatehouse.accounts.checkPassword(user, password)) ? true : null));
  if (!outcome.ok) {
    await gatehouse.audit.record({ actor: user.username, action: outcome.blocked ? 'auth.reauth_throttled' : 'auth.reauth_failed', target: user.username, ip });
    if (outcome.blocked) {
      const response = showForm(exchange, [TOO_MANY_ATTEMPTS], 429);
      response.headers['retry-after'] = String(Math.max(1, Math.ceil(outcome.retryAfterSeconds)));
      return response;
    }
    return showForm(exchange, ['Your password was entered incorrectly. Please enter it again.']);
  }
  await exchange.reauthenticated(user);
  await gatehouse.audit.record({ actor: user.username, action: 'auth.reauth', target: user.username, ip });
  return redirectResponse(safeNext(exchange.site, exchange.request) ?? gatehouse.config.loginRedirectUrl);
}
