/**
 * Login and logout (Django's `LoginView`, `LogoutView`).
 *
 * Login answers a wrong password, an unknown username and an inactive account with the same
 * message and the same work (the backend hashes even for unknown users), so the form cannot be
 * used to find accounts. Success rotates the session id and the CSRF secret and follows `next`
 * only when it is safe. Logout is POST only: a GET (an image tag, a prefetch) must not end a
 * session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SessionRevokedError } from '../../core/sessions.js';
import { publicAccess } from '../access.js';
import { contextOf } from '../context.js';
import { field, safeNext } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { markNoStore, sendPage } from '../render.js';
import { clientAddress } from '../client-address.js';

/** Django's message, shown for every kind of failure. */
export const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

const USERNAME_MAX = 150;

interface LoginFormState {
  username: string;
  errors: string[];
  fieldErrors: Record<string, string[]>;
}

function showLogin(request: FastifyRequest, reply: FastifyReply, form: LoginFormState, status = 200): FastifyReply {
  return sendPage(request, reply, 'registration/login.html', 'Log in', { form, next: safeNext(request) ?? '' }, status);
}

async function loginPost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const gatehouse = context.gatehouse;
  const rawUsername = field(request, 'username', 1000);
  const password = field(request, 'password', gatehouse.config.maxPasswordLength + 1);
  const form: LoginFormState = { username: rawUsername.slice(0, USERNAME_MAX), errors: [], fieldErrors: {} };
  if (rawUsername === '') form.fieldErrors.username = ['This field is required.'];
  if (password === '') form.fieldErrors.password = ['This field is required.'];
  if (Object.keys(form.fieldErrors).length > 0) return showLogin(request, reply, form);

  const outcome = await throttledAttempt(request, rawUsername, () => gatehouse.authenticate({ username: rawUsername, password }));
  if (!outcome.ok) {
    await gatehouse.audit.record({
      actor: null,
      action: outcome.blocked ? 'auth.login_throttled' : 'auth.login_failed',
      target: rawUsername.slice(0, USERNAME_MAX),
      ip: clientAddress(request),
    });
    if (outcome.blocked) {
      reply.header('Retry-After', String(Math.max(1, Math.ceil(outcome.retryAfterSeconds))));
      return showLogin(request, reply, { ...form, errors: [TOO_MANY_ATTEMPTS] }, 429);
    }
    return showLogin(request, reply, { ...form, errors: [INVALID_LOGIN] });
  }
  try {
    await request.login(outcome.value);
  } catch (error) {
    // The password was right for credentials revoked while it was being checked (password
    // change, reset, deactivation): no session was made; `Gatehouse.login` audited it.
    if (error instanceof SessionRevokedError) return showLogin(request, reply, { ...form, errors: [INVALID_LOGIN] });
    throw error;
  }
  return reply.redirect(safeNext(request) ?? gatehouse.config.loginRedirectUrl, 302);
}

async function logoutPost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const wasLoggedIn = request.user.isAuthenticated;
  await request.logout();
  // Nothing of the session may outlive it in this browser: no cached page, no stored data.
  markNoStore(request);
  reply.header('Clear-Site-Data', '"cache", "cookies", "storage"');
  const next = safeNext(request);
  if (next) return reply.redirect(next, 302);
  if (context.loggedOutPage) return sendPage(request, reply, 'registration/logged_out.html', 'Logged out', { wasLoggedIn });
  return reply.redirect(context.gatehouse.config.logoutRedirectUrl, 302);
}

/** Registers `login/` and `logout/` on an instance already prefixed with the account prefix. */
export function registerLoginViews(fastify: FastifyInstance, bodyLimit: number): void {
  const config = { access: publicAccess() };
  fastify.get('/login/', { config }, async (request, reply) => showLogin(request, reply, { username: '', errors: [], fieldErrors: {} }));
  fastify.post('/login/', { config, bodyLimit }, loginPost);
  fastify.post('/logout/', { config, bodyLimit }, logoutPost);
}
