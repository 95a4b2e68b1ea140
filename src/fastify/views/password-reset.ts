/**
 * Password reset by email (Django's `PasswordResetView` … `PasswordResetCompleteView`).
 *
 * - The request form always answers the same redirect, at once: the account lookup and the mail
 *   happen after the response has gone, so neither the answer nor its timing says whether the
 *   address exists. Mail goes only to active users with a usable password, matched without
 *   regard to case, and to the address as stored.
 * - The link's host comes from `siteUrl`, or from the Host header only when it is an allowed
 *   host (or, in development, a loopback one): a forged Host header must not put an attacker's
 *   domain in the link that carries the token.
 * - Opening the link moves the token from the URL into the session and redirects to a URL
 *   without it, so it does not linger in history, logs or a Referer header.
 * - Setting the password ends every session of the user; the token dies with the old hash.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../core/errors.js';
import { uidFromBase64, uidToBase64 } from '../../core/tokens.js';
import type { User } from '../../core/user.js';
import { publicAccess } from '../access.js';
import { type PluginContext, contextOf, stateOf } from '../context.js';
import { field } from '../forms.js';
import { sendPage } from '../render.js';
import { mailLinkOrigin } from '../request-origin.js';
import { RESET_TOKEN, RESET_UID, dropSession, sessionData, updateSessionData } from '../session-cookie.js';
import { newPasswordProblems } from './password-change.js';

const EMAIL_MAX = 254;
const SET_PASSWORD = 'set-password';

/**
 * Where links in mail point: `siteUrl`, else (development only) this request's origin, its
 * protocol and allowed Host validated in request-origin.ts; null when no trustworthy origin is known.
 */
export function linkOrigin(request: FastifyRequest, context: PluginContext): string | null {
  return mailLinkOrigin(request, context);
}

async function sendResetMails(context: PluginContext, log: FastifyRequest['log'], email: string, origin: string): Promise<void> {
  const mailer = context.mailer;
  if (!mailer) return;
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
  if (email.length > 0 && email.length <= EMAIL_MAX && /^[^\s@]+@[^\s@]+$/.test(email)) {
    const origin = linkOrigin(request, context);
    if (origin === null) {
      request.log.error(
        { gatehouse: { event: 'password_reset.no_site_url', host: request.host } },
        'password reset mail not sent: set the plugin option siteUrl (or list this host in allowedHosts)',
      );
    } else {
      const log = request.log;
      context.tasks.afterResponse(reply, 'password reset mail', () => sendResetMails(context, log, email, origin));
    }
  }
  return reply.redirect(context.urls.passwordResetDone, 302);
}

async function userFor(request: FastifyRequest, uidb64: string): Promise<User | null> {
  const id = uidFromBase64(uidb64);
  return id === null ? null : contextOf(request).gatehouse.stores.users.getById(id);
}

function invalidLink(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(request, reply, 'registration/password_reset_confirm.html', 'Password reset unsuccessful', { validlink: false, form: { errors: [], fieldErrors: {} } });
}

interface ResetParams {
  uidb64: string;
  token: string;
}

async function confirmGet(request: FastifyRequest<{ Params: ResetParams }>, reply: FastifyReply): Promise<FastifyReply> {
  const context = contextOf(request);
  // The URL holds a token: no Referer from this page at all.
  reply.header('Referrer-Policy', 'no-referrer');
  const { uidb64, token } = request.params;
  const user = await userFor(request, uidb64);
  if (!user || !context.gatehouse.resetTokens.check(user, token)) return invalidLink(request, reply);
  await updateSessionData(request, { [RESET_UID]: user.id, [RESET_TOKEN]: token });
  return reply.redirect(`${context.urls.resetBase}${uidb64}/${SET_PASSWORD}/`, 302);
}

/** The user whose valid token this session holds for `uidb64`, or null. */
async function pendingReset(request: FastifyRequest<{ Params: { uidb64: string } }>): Promise<User | null> {
  const data = sessionData(request);
  const token = data[RESET_TOKEN];
  const user = await userFor(request, request.params.uidb64);
  if (!user || data[RESET_UID] !== user.id || typeof token !== 'string') return null;
  return contextOf(request).gatehouse.resetTokens.check(user, token) ? user : null;
}

function showSetPassword(request: FastifyRequest, reply: FastifyReply, fieldErrors: Record<string, string[]>): FastifyReply {
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
    await gatehouse.accounts.setPassword(user, first, { reason: 'auth.password_reset', actor: user.username, ip: request.ip });
  } catch (error) {
    if (error instanceof ValidationError) return showSetPassword(request, reply, { new_password2: error.errors.map((e) => e.message) });
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
  fastify.get('/password_reset/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_form.html', 'Password reset', { form: { errors: [], fieldErrors: {} } }));
  fastify.post('/password_reset/', { config, bodyLimit }, resetPost);
  fastify.get('/password_reset/done/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_done.html', 'Password reset sent'));
  fastify.get<{ Params: { uidb64: string } }>(`/reset/:uidb64/${SET_PASSWORD}/`, { config }, async (request, reply) =>
    (await pendingReset(request)) ? showSetPassword(request, reply, {}) : invalidLink(request, reply),
  );
  fastify.post<{ Params: { uidb64: string } }>(`/reset/:uidb64/${SET_PASSWORD}/`, { config, bodyLimit }, setPasswordPost);
  fastify.get<{ Params: ResetParams }>('/reset/:uidb64/:token/', { config }, confirmGet);
  fastify.get('/reset/done/', { config }, async (request, reply) => sendPage(request, reply, 'registration/password_reset_complete.html', 'Password reset complete'));
}
