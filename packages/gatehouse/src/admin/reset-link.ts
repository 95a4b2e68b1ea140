/**
 * Mails a user a link to set their password, from the admin: the account views' reset link (a
 * stateless token over the user's current state, so it dies with the next password change or
 * login), with a text saying an administrator sent it.
 */
import { uidToBase64 } from '../core/tokens.js';
import type { User } from '../core/user.js';
import { mailLinkOrigin } from '../http/views/password-reset.js';
import type { AdminRequest } from './context.js';

/** Why no link could be sent, or null when one was. */
export type ResetLinkProblem = 'no_mailer' | 'no_email' | 'no_views' | 'no_origin';

/** What to tell the admin for each problem. */
export const RESET_LINK_PROBLEMS: Readonly<Record<ResetLinkProblem, string>> = {
  no_mailer: 'No mailer is configured, so no link can be sent.',
  no_email: 'The user has no email address to send a link to.',
  no_views: 'The account views are not mounted, so there is no page to set a password on.',
  no_origin: 'The site URL is not configured, so the link would have no address.',
};

/** Whether a link could go to `user` (checked before anything is created or changed). */
export function resetLinkProblem(request: AdminRequest, user: Pick<User, 'email'>): ResetLinkProblem | null {
  if (!request.site.mailer) return 'no_mailer';
  if (!request.site.accountViews) return 'no_views';
  if (user.email === '') return 'no_email';
  if (mailLinkOrigin(request.site, request.exchange.request) === null) return 'no_origin';
  return null;
}

/** Sends the link now (the admin waits for the mail server: it wants to know it went). */
export async function sendResetLink(request: AdminRequest, user: User, welcome: boolean): Promise<void> {
  const site = request.site;
  const origin = mailLinkOrigin(site, request.exchange.request)!;
  const url = `${origin}${site.urls.resetBase}${uidToBase64(user.id)}/${site.gatehouse.resetTokens.make(user)}/`;
  const minutes = Math.round(site.gatehouse.config.passwordResetTimeout / 60);
  const text = [
    `Hello ${user.username},`,
    '',
    welcome
      ? `An account was created for you on ${site.siteName}. Choose your password here:`
      : `An administrator of ${site.siteName} sent you this link to set a new password:`,
    '',
    url,
    '',
    `The link works once and expires in ${minutes} minutes.`,
    '',
    `— ${site.siteName}`,
    '',
  ].join('\n');
  await site.mailer!.send({
    from: site.gatehouse.config.defaultFromEmail,
    to: [user.email],
    subject: welcome ? `Your account on ${site.siteName}` : `Set your password on ${site.siteName}`,
    text,
  });
  await site.gatehouse.audit.record({ ...request.by(), action: 'admin.password_link_sent', target: user.username, data: { welcome } });
}
