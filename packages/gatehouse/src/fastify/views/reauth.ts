/**
 * Re-authentication: a logged-in user types the password again before a sensitive action
 * (routes declared with `recentAuth`). Throttled like a login; success records the time in the
 * session and gives it a new id, as any step up in privilege should.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../core/user.js';
import { authenticated } from '../access.js';
import { contextOf, stateOf } from '../context.js';
import { field, safeNext } from '../forms.js';
import { TOO_MANY_ATTEMPTS, throttledAttempt } from '../login-attempts.js';
import { sendPage } from '../render.js';
import { REAUTH_AT, replaceSession, requestMeta } from '../session-cookie.js';
import { clientAddress } from '../client-address.js';

function showForm(request: FastifyRequest, reply: FastifyReply, errors: string[], status = 200): FastifyReply {
  return sendPage(request, reply, 'registration/reauth.html', 'Confirm your password', { form: { errors, fieldErrors: {} }, next: safeNext(request) ?? '' }, status);
}

async function reauthPost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const gatehouse = contextOf(request).gatehouse;
  const user = request.user as User; // guaranteed by the route's access declaration
  const password = field(request, 'password', gatehouse.config.maxPasswordLength + 1);
  if (password === '') return showForm(request, reply, ['Enter your password.']);
  const outcome = await throttledAttempt(request, user.username, async () => ((await gatehouse.accounts.checkPassword(user, password)) ? true : null));
  if (!outcome.ok) {
    await gatehouse.audit.record({ actor: user.username, action: outcome.blocked ? 'auth.reauth_throttled' : 'auth.reauth_failed', target: user.username, ip: clientAddress(request) });
    if (outcome.blocked) {
      reply.header('Retry-After', String(Math.max(1, Math.ceil(outcome.retryAfterSeconds))));
      return showForm(request, reply, [TOO_MANY_ATTEMPTS], 429);
    }
    return showForm(request, reply, ['Your password was entered incorrectly. Please enter it again.']);
  }
  const current = stateOf(request).session;
  const data = { ...(current?.record.data ?? {}), [REAUTH_AT]: gatehouse.clock.now() };
  replaceSession(request, await gatehouse.sessions.rotate(current, user, { meta: requestMeta(request), data, keepExpiry: true }));
  await gatehouse.audit.record({ actor: user.username, action: 'auth.reauth', target: user.username, ip: clientAddress(request) });
  return reply.redirect(safeNext(request) ?? gatehouse.config.loginRedirectUrl, 302);
}

/** Registers `reauth/`. */
export function registerReauthViews(fastify: FastifyInstance, bodyLimit: number): void {
  const config = { access: authenticated() };
  fastify.get('/reauth/', { config }, async (request, reply) => showForm(request, reply, []));
  fastify.post('/reauth/', { config, bodyLimit }, reauthPost);
}
