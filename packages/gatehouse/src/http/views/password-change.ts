/**
 * Password change for a logged-in user (Django's `PasswordChangeView`): the old password again
 * (throttled like a login, so a stolen session cannot guess it quickly), the new one twice, the
 * validators. On success every session of the user ends (a thief's included) and this one
 * continues under a new id (Django's `update_session_auth_hash`, plus rotation).
 */
import { StaleUserError, ValidationError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { withNext } from '../denials.js';
import type { AuthExchange } from '../exchange.js';
import { field } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { type HttpResponse, redirectResponse } from '../response.js';
import type { HttpSite } from '../site.js';

interface ChangeForm {
  errors: string[];
  fieldErrors: Record<string, string[]>;
}

function showForm(exchange: AuthExchange, form: ChangeForm, status = 200): HttpResponse {
  return exchange.page('registration/password_change_form.html', 'Password change', { form }, status);
}

/** Checks two new-password fields and the validators; the problems by field. */
export function newPasswordProblems(site: HttpSite, user: User | null, first: string, second: string): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (first === '') problems.new_password1 = ['This field is required.'];
  if (second === '') problems.new_password2 = ['This field is required.'];
  if (first && second && first !== second) problems.new_password2 = ['The two password fields didn’t match.'];
  if (Object.keys(problems).length > 0) return problems;
  const found = site.gatehouse.accounts.passwordProblems(first, user ?? undefined).map((p) => p.message);
  if (found.length > 0) problems.new_password2 = found;
  return problems;
}

/** GET: the form. */
export async function passwordChangeGet(exchange: AuthExchange): Promise<HttpResponse> {
  return showForm(exchange, { errors: [], fieldErrors: {} });
}

/** GET: done. */
export async function passwordChangeDoneGet(exchange: AuthExchange): Promise<HttpResponse> {
  return exchange.page('registration/password_change_done.html', 'Password changed');
}

/** POST: old password behind the throttle, the new one validated, every other session ended. */
export async function passwordChangePost(exchange: AuthExchange): Promise<HttpResponse> {
  const site = exchange.site;
  const gatehouse = site.gatehouse;
  const request = exchange.request;
  const user = exchange.user as User; // the route's access declaration guarantees it
  const maxLength = gatehouse.config.maxPasswordLength + 1;
  const oldPassword = field(request, 'old_password', maxLength);
  const first = field(request, 'new_password1', maxLength);
  const second = field(request, 'new_password2', maxLength);

  if (oldPassword === '') return showForm(exchange, { errors: [], fieldErrors: { old_password: ['This field is required.'] } });
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await gatehouse.accounts.checkPassword(user, oldPassword)) ? true : null));
  if (!outcome.ok) {
    if (outcome.blocked) {
      const response = showForm(exchange, { errors: [TOO_MANY_ATTEMPTS], fieldErrors: {} }, 429);
      response.headers['retry-after'] = String(Math.max(1, Math.ceil(outcome.retryAfterSeconds)));
      return response;
    }
    return showForm(exchange, { errors: [], fieldErrors: { old_password: ['Your old password was entered incorrectly. Please enter it again.'] } });
  }
  const problems = newPasswordProblems(site, user, first, second);
  if (Object.keys(problems).length > 0) return showForm(exchange, { errors: [], fieldErrors: problems });

  let updated: User;
  try {
    // Ends every session of the user, this one included; a fresh one replaces it below.
    // Only while the account is as this session knew it: of two changes racing with the same
    // old password, one lands; the other session was ended by it and is sent to log in again.
    updated = await gatehouse.accounts.setPassword(user, first, {
      reason: 'auth.password_change',
      actor: user.username,
      ip: request.clientAddress,
      ifUnchanged: true,
    });
  } catch (error) {
    if (error instanceof ValidationError) return showForm(exchange, { errors: [], fieldErrors: { new_password2: error.errors.map((e) => e.message) } });
    if (error instanceof StaleUserError) {
      exchange.dropSession();
      return redirectResponse(withNext(site.loginUrl, request.url));
    }
    throw error;
  }
  // Typing the old password is a password check: the session continues, stepped up.
  await exchange.reauthenticated(updated);
  return redirectResponse(site.urls.passwordChangeDone);
}
