/**
 * Password reset by email (Django's `PasswordResetView` … `PasswordResetCompleteView`).
 *
 * - The request form always answers the same redirect, at once: the account lookup and the mail
 *   happen after the response has gone, so neither the answer nor its timing says whether the
 *   address exists. Mail goes only to active users with a usable password, matched without
 *   regard to case, and to the address as stored.
 * - The link's origin comes from `siteUrl` (the only source in production), or in development
 *   from the request's validated origin (an allowed Host, http/https only): a forged Host or
 *   forwarded header must not put an attacker's domain in the link that carries the token.
 * - Opening the link moves the token out of the URL and redirects to a URL without it, so it
 *   does not linger in history, logs or a Referer header. The session keeps no token, only a
 *   value bound to this session and the user's state (`PasswordResetTokens.bind`): a leaked
 *   session table gives no working link, and the value works in no other session.
 * - Setting the password ends every session of the user; the token dies with the old hash.
 * - An inactive user's link is invalid at every step (the token covers the flag).
 * - Abuse is counted (`rateLimits`): mails per target address and requests per client are
 *   counted in the background job, so the answer (always the same redirect) and its timing say
 *   nothing; a client that opens too many invalid links gets 429 with Retry-After, before any
 *   token is checked.
 * - Every confirm and set-password response, valid or not, is `no-store`, and sends no Referer
 *   except the set-password form itself (see `showSetPassword`: its URL holds no token).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StaleUserError, ValidationError } from '../../core/errors.js';
import { rateLimitKey } from '../../core/rate-limit.js';
import { hashSessionId } from '../../core/sessions.js';
import { isStorableEmailText } from '../../core/text.js';
import { addressBucket } from '../../core/throttle.js';
import { uidFromBase64, uidToBase64 } from '../../core/tokens.js';
import type { User } from '../../core/user.js';
import { publicAccess } from '../access.js';
import { type PluginContext, contextOf, stateOf } from '../context.js';
import { field } from '../forms.js';
import { markNoStore, sendPage } from '../render.js';
import { mailLinkOrigin } from '../request-origin.js';
import { passwordResetLimits } from '../reset-limits.js';
import { RESET_TOKEN, RESET_UID, dropSession, sessionData, updateSessionData } from '../session-cookie.js';
import { newPasswordProblems } from './password-change.js';
import { clientAddress } from '../client-address.js';

const EMAIL_MAX = 254;
const SET_PASSWORD = 'set-password';

/**
 * Where links in mail point: `siteUrl`, else (development only) this request's origin, its
 * protocol and allowed Host validated in request-origin.ts; null when no trustworthy origin is known.
 */
export function linkOrigin(request: FastifyRequest, context: PluginContext): string | null {
  return mailLinkOrigin(request, context);
}

/**
 * Whether this reset request may send mail: counted per client address and per target address.
 * Runs in the background job, so a refusal changes neither the answer nor its timing.
 */
async function withinResetLimits(context: PluginContext, log: FastifyRequest['log'], email: string, ip: string): Promise<boolean> {
  const limits = passwordResetLimits(context);
  if (!limits) return true;
  const address = await limits.perAddress.consume(rateLimitKey('password_reset.address', addressBucket(ip)));
  if (!address.allowed) {
    log.warn({ gatehouse: { event: 'password_reset.throttled', by: 'address', ip } }, 'password reset request throttled: too many from this client');
    return false;
  }
  // Lower-cased, as addresses are matched, so case variants share one count.
  const target = await limits.perEmail.consume(rateLimitKey('password_reset.email', email.toLowerCase()));
  if (!target.allowed) {
    log.warn({ gatehouse: { event: 'password_reset.throttled', by: 'email', ip } }, 'password reset request throttled: too many for this address');
    return false;
  }
  return true;
}

async function sendResetMails(context: PluginContext, log: FastifyRequest['log'], email: string, origin: string, ip: string): Promise<void> {
  const mailer = context.mailer;
  if (!mailer) return;
  if (!(await withinResetLimits(context, log, email, ip))) return;
  const users = await context.gatehouse.accounts.usersForPasswordReset(email);
  for (const user of users) {
    const uid = uidToBase64(user.id);
    const token = context.gatehouse.resetTokens.make(user);
    const url = new URL(origin);
    const values = {
      siteName: context.siteName,
      domain: url.host,
      protocol: url.protocol.replace(':', ''),
      username: user.username,
      email: user.email,
      uid,
      token,
      resetUrl: `${origin}${context.urls.resetBase}${uid}/${token}/`,
      timeoutMinutes: Math.round(context.gatehouse.config.passwordResetTimeout / 60),
    };
    await mailer.send({
      from: context.gatehouse.config.defaultFromEmail,
      to: [user.email],
      subject: context.templates.subject('registration/password_reset_subject.txt', values),
      text: context.templates.textBody('registration/password_reset_email.txt', values),
    });
    log.info({ gatehouse: { event: 'password_reset.mail_sent', userId: user.id } }, 'password reset mail sent');
  }
}

async function resetPost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const email = field(request, 'email', EMAIL_MAX + 1).trim();
  // Malformed input gets the same answer; there is simply nothing to look up.
  // NUL, lone surrogates and control characters are never in a stored address (and PostgreSQL
  // would refuse the lookup): treated as malformed, with the same answer.
  if (email.length > 0 && email.length <= EMAIL_MAX && isStorableEmailText(email) && /^[^\s@]+@[^\s@]+$/.test(email)) {
    const origin = linkOrigin(request, context);
    if (origin === null) {
      request.log.error(
        { gatehouse: { event: 'password_reset.no_site_url', host: request.host } },
        'password reset mail not sent: set the plugin option siteUrl (or list this host in allowedHosts)',
      );
    } else {
      const log = request.log;
      const ip = clientAddress(request);
      context.tasks.afterResponse(reply, 'password reset mail', () => sendResetMails(context, log, email, origin, ip));
    }
  }
  return reply.redirect(context.urls.passwordResetDone, 302);
}

async function userFor(request: FastifyRequest, uidb64: string): Promise<User | null> {
  const id = uidFromBase64(uidb64);
  return id === null ? null : contextOf(request).gatehouse.stores.users.getById(id);
}

function invalidLink(request: FastifyRequest, reply: FastifyReply, status = 200): FastifyReply {
  return sendPage(request, reply, 'registration/password_reset_confirm.html', 'Password reset unsuccessful', { validlink: false, form: { errors: [], fieldErrors: {} } }, status);
}

/**
 * onRequest of every confirm and set-password route: the URL (or the session) stands for a
 * token, so nothing from these pages may be cached or leak through a Referer header, whatever
 * the outcome (valid, invalid, redirect, error).
 */
async function resetPageHeaders(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  markNoStore(request);
  reply.header('Cache-Control', 'no-store');
  reply.header('Referrer-Policy', 'no-referrer');
}

/** The stored form of this request's session id, to bind the pending reset to. */
function sessionKey(request: FastifyRequest): string | null {
  const session = stateOf(request).session;
  return session ? hashSessionId(session.id) : null;
}

interface ResetParams {
  uidb64: string;
  token: string;
}

async function confirmGet(request: FastifyRequest<{ Params: ResetParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const tokens = context.gatehouse.resetTokens;
  const { uidb64, token } = request.params;
  // Counted before the token is checked (and given back when it was valid), so a burst of
  // concurrent guesses is limited as surely as a slow series.
  const limits = passwordResetLimits(context);
  const guessKey = rateLimitKey('password_reset.invalid_link', addressBucket(clientAddress(request)));
  if (limits) {
    const decision = await limits.invalidLinksPerAddress.consume(guessKey);
    if (!decision.allowed) {
      request.log.warn({ gatehouse: { event: 'password_reset.link_throttled', ip: clientAddress(request) } }, 'password reset link throttled: too many invalid links from this client');
      reply.header('Retry-After', String(decision.retryAfterSeconds));
      return invalidLink(request, reply, 429);
    }
  }
  const user = await userFor(request, uidb64);
  if (!user || !tokens.check(user, token)) return invalidLink(request, reply);
  await limits?.invalidLinksPerAddress.refund(guessKey);
  // The session must exist (and have its final id) before the pending reset is bound to it.
  await updateSessionData(request, { [RESET_UID]: user.id, [RESET_TOKEN]: undefined });
  const key = sessionKey(request);
  const bound = key === null ? null : tokens.bind(user, token, key);
  if (bound === null) return invalidLink(request, reply);
  await updateSessionData(request, { [RESET_TOKEN]: bound });
  return reply.redirect(`${context.urls.resetBase}${uidb64}/${SET_PASSWORD}/`, 302);
}

/** The user whose pending reset this session holds for `uidb64` (still valid, still active), or null. */
async function pendingReset(request: FastifyRequest<{ Params: { uidb64: string } }>): Promise<User | null> {
  const data = sessionData(request);
  const bound = data[RESET_TOKEN];
  const key = sessionKey(request);
  if (key === null || typeof bound !== 'string') return null;
  const user = await userFor(request, request.params.uidb64);
  if (!user || data[RESET_UID] !== user.id) return null;
  return contextOf(request).gatehouse.resetTokens.checkBound(user, bound, key) ? user : null;
}

function showSetPassword(request: FastifyRequest, reply: FastifyReply, fieldErrors: Record<string, string[]>): FastifyReply {
  // The one exception to `no-referrer`: this page's form posts back, and under `no-referrer`
  // browsers send `Origin: null` with the post, which the CSRF check rightly refuses. Its URL
  // holds no token (only the user id), so the site-wide `same-origin` leaks nothing.
  reply.header('Referrer-Policy', 'same-origin');
  return sendPage(request, reply, 'registration/password_reset_confirm.html', 'Enter new password', { validlink: true, form: { errors: [], fieldErrors } });
}

async function setPasswordPost(request: FastifyRequest<{ Params: { uidb64: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  const gatehouse = context.gatehouse;
  const user = await pendingReset(request);
  if (!user) return invalidLink(request, reply);
  const maxLength = gatehouse.config.maxPasswordLength + 1;
  const first = field(request, 'new_password1', maxLength);
  const second = field(request, 'new_password2', maxLength);
  const problems = newPasswordProblems(request, user, first, second);
  if (Object.keys(problems).length > 0) return showSetPassword(request, reply, problems);
  try {
    // Ends every session of the user; the new hash also kills the token.
    // Only while the account is as the link was checked against: of several browsers posting
    // the same link at once, one sets the password and the others get the invalid-link page.
    await gatehouse.accounts.setPassword(user, first, { reason: 'auth.password_reset', actor: user.username, ip: clientAddress(request), ifUnchanged: true });
  } catch (error) {
    if (error instanceof ValidationError) return showSetPassword(request, reply, { new_password2: error.errors.map((e) => e.message) });
    if (error instanceof StaleUserError) return invalidLink(request, reply);
    throw error;
  }
  const session = stateOf(request).session;
  if (session && session.user && session.user.id !== user.id) {
    // Someone else's logged-in session carried the token: keep it, forget the token.
    await updateSessionData(request, { [RESET_UID]: undefined, [RESET_TOKEN]: undefined });
  } else {
    if (session) await gatehouse.sessions.end(session.id);
    dropSession(request);
  }
  return reply.redirect(context.urls.passwordResetComplete, 302);
}

/** Registers the reset views. */
export function registerPasswordResetViews(fastify: FastifyInstance, bodyLimit: number): void {
  const config = { access: publicAccess() };
  const onRequest = resetPageHeaders;
  fastify.get('/password_reset/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_form.html', 'Password reset', { form: { errors: [], fieldErrors: {} } }));
  fastify.post('/password_reset/', { config, bodyLimit }, resetPost);
  fastify.get('/password_reset/done/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_done.html', 'Password reset sent'));
  fastify.get<{ Params: { uidb64: string } }>(`/reset/:uidb64/${SET_PASSWORD}/`, { config, onRequest }, async (request, reply) =>
    (await pendingReset(request)) ? showSetPassword(request, reply, {}) : invalidLink(request, reply),
  );
  fastify.post<{ Params: { uidb64: string } }>(`/reset/:uidb64/${SET_PASSWORD}/`, { config, bodyLimit, onRequest }, setPasswordPost);
  fastify.get<{ Params: ResetParams }>('/reset/:uidb64/:token/', { config, onRequest }, confirmGet);
  fastify.get('/reset/done/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_complete.html', 'Password reset complete'));
}
