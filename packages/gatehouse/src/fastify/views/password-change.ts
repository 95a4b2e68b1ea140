/**
 * Password change for a logged-in user (Django's `PasswordChangeView`): the old password again
 * (throttled like a login, so a stolen session cannot guess it quickly), the new one twice, the
 * validators. On success every session of the user ends — a thief's included — and this one
 * continues under a new id (Django's `update_session_auth_hash`, plus rotation).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StaleUserError, ValidationError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { authenticated } from '../access.js';
import { contextOf, stateOf } from '../context.js';
import { field } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { sendPage } from '../render.js';
import { withNext } from '../denials.js';
import { REAUTH_AT, dropSession, replaceSession, requestMeta } from '../session-cookie.js';
import { clientAddress } from '../client-address.js';

interface ChangeForm {
  errors: string[];
  fieldErrors: Record<string, string[]>;
}

function showForm(request: FastifyRequest, reply: FastifyReply, form: ChangeForm, status = 200): FastifyReply {
  return sendPage(request, reply, 'registration/password_change_form.html', 'Password change', { form }, status);
}

/** Checks two new-password fields and the validators; the problems by field. */
export function newPasswordProblems(request: FastifyRequest, user: User | null, first: string, second: string): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (first === '') problems.new_password1 = ['This field is required.'];
  if (second === '') problems.new_password2 = ['This field is required.'];
  if (first && second && first !== second) problems.new_password2 = ['The two password fields didn’t match.'];
  if (Object.keys(problems).length > 0) return problems;
  const accounts = contextOf(request).gatehouse.accounts;
  const found = accounts.passwordProblems(first, user ?? undefined).map((p) => p.message);
  if (found.length > 0) problems.new_password2 = found;
  return problems;
}

async function changePost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const gatehouse = context.gatehouse;
  const user = request.user as User; // the route's access declaration guarantees it
  const maxLength = gatehouse.config.maxPasswordLength + 1;
  const oldPassword = field(request, 'old_password', maxLength);
  const first = field(request, 'new_password1', maxLength);
  const second = field(request, 'new_password2', maxLength);

  if (oldPassword === '') return showForm(request, reply, { errors: [], fieldErrors: { old_password: ['This field is required.'] } });
  const outcome = await throttledAttempt(request, user.username, async () => ((await gatehouse.accounts.checkPassword(user, oldPassword)) ? true : null));
  if (!outcome.ok) {
    if (outcome.blocked) {
      reply.header('Retry-After', String(Math.max(1, Math.ceil(outcome.retryAfterSeconds))));
      return showForm(request, reply, { errors: [TOO_MANY_ATTEMPTS], fieldErrors: {} }, 429);
    }
    return showForm(request, reply, { errors: [], fieldErrors: { old_password: ['Your old password was entered incorrectly. Please enter it again.'] } });
  }
  const problems = newPasswordProblems(request, user, first, second);
  if (Object.keys(problems).length > 0) return showForm(request, reply, { errors: [], fieldErrors: problems });

  let updated: User;
  try {
    // Ends every session of the user, this one included; a fresh one replaces it below.
    // Only while the account is as this session knew it: of two changes racing with the same
    // old password, one lands; the other session was ended by it and is sent to log in again.
    updated = await gatehouse.accounts.setPassword(user, first, { reason: 'auth.password_change', actor: user.username, ip: clientAddress(request), ifUnchanged: true });
  } catch (error) {
    if (error instanceof ValidationError) return showForm(request, reply, { errors: [], fieldErrors: { new_password2: error.errors.map((e) => e.message) } });
    if (error instanceof StaleUserError) {
      dropSession(request);
      return reply.redirect(withNext(gatehouse.config.loginUrl, request.url), 302);
    }
    throw error;
  }
  const current = stateOf(request).session;
  const data = { ...(current?.record.data ?? {}), [REAUTH_AT]: gatehouse.clock.now() };
  const session = await gatehouse.sessions.rotate(current, updated, { meta: requestMeta(request), data, keepExpiry: true });
  replaceSession(request, session);
  return reply.redirect(context.urls.passwordChangeDone, 302);
}

/** Registers `password_change/` and `password_change/done/`. */
export function registerPasswordChangeViews(fastify: FastifyInstance, bodyLimit: number): void {
  const config = { access: authenticated() };
  fastify.get('/password_change/', { config }, async (request, reply) => showForm(request, reply, { errors: [], fieldErrors: {} }));
  fastify.post('/password_change/', { config, bodyLimit }, changePost);
  fastify.get('/password_change/done/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_change_done.html', 'Password changed'));
}
