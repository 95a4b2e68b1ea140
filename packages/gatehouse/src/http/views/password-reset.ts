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
 *   except the set-password form itself (see `showSetPassword`: its URL holds no token). The
 *   route table marks these routes (`resetPage`) so adapters put those headers on every answer.
 */
import { StaleUserError, ValidationError } from '../../core/errors.js';
import { rateLimitKey } from '../../core/rate-limit.js';
import { RESET_TOKEN, RESET_UID } from '../../core/session-keys.js';
import { hashSessionId } from '../../core/sessions.js';
import { isStorableEmailText } from '../../core/text.js';
import { addressBucket } from '../../core/throttle.js';
import { uidFromBase64, uidToBase64 } from '../../core/tokens.js';
import type { User } from '../../core/user.js';
import type { AuthExchange } from '../exchange.js';
import { field } from '../forms.js';
import type { HttpLogger } from '../logger.js';
import { requestOrigin } from '../origin.js';
import type { HttpRequest } from '../request.js';
import { type HttpResponse, redirectResponse } from '../response.js';
import type { HttpSite } from '../site.js';
import { newPasswordProblems } from './password-change.js';

const EMAIL_MAX = 254;
/** The last segment of the set-password URL (`reset/<uidb64>/set-password/`). */
export const SET_PASSWORD = 'set-password';

/**
 * Where links in mail point: `siteUrl`; in development without one, this request's origin (its
 * host is on the allow-list, by default this machine's names). Null in production without
 * `siteUrl`, which `createHttpSite` refuses anyway.
 */
export function mailLinkOrigin(site: HttpSite, request: HttpRequest): string | null {
  if (site.siteUrl) return site.siteUrl;
  if (site.gatehouse.config.production) return null;
  return requestOrigin(request, site.hostPatterns);
}

/**
 * Whether this reset request may send mail: counted per client address and per target address.
 * Runs in the background job, so a refusal changes neither the answer nor its timing.
 */
async function withinResetLimits(site: HttpSite, log: HttpLogger, email: string, ip: string): Promise<boolean> {
  const limits = site.resetLimits;
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

/** Sends the reset mails for `email` (within the reset limits); run after the response. */
export async function sendResetMails(site: HttpSite, log: HttpLogger, email: string, origin: string, ip: string): Promise<void> {
  const mailer = site.mailer;
  if (!mailer) return;
  if (!(await withinResetLimits(site, log, email, ip))) return;
  const users = await site.gatehouse.accounts.usersForPasswordReset(email);
  for (const user of users) {
    const uid = uidToBase64(user.id);
    const token = site.gatehouse.resetTokens.make(user);
    const url = new URL(origin);
    const values = {
      siteName: site.siteName,
      domain: url.host,
      protocol: url.protocol.replace(':', ''),
      username: user.username,
      email: user.email,
      uid,
      token,
      resetUrl: `${origin}${site.urls.resetBase}${uid}/${token}/`,
      timeoutMinutes: Math.round(site.gatehouse.config.passwordResetTimeout / 60),
    };
    await mailer.send({
      from: site.gatehouse.config.defaultFromEmail,
      to: [user.email],
      subject: site.templates.subject('registration/password_reset_subject.txt', values),
      text: site.templates.textBody('registration/password_reset_email.txt', values),
    });
    log.info({ gatehouse: { event: 'password_reset.mail_sent', userId: user.id } }, 'password reset mail sent');
  }
}

/** GET: the request form. */
export async function resetFormGet(exchange: AuthExchange): Promise<HttpResponse> {
  return exchange.page('registration/password_reset_form.html', 'Password reset', { form: { errors: [], fieldErrors: {} } });
}

/** GET: "check your mail". */
export async function resetDoneGet(exchange: AuthExchange): Promise<HttpResponse> {
  return exchange.page('registration/password_reset_done.html', 'Password reset sent');
}

/** GET: "your password has been set". */
export async function resetCompleteGet(exchange: AuthExchange): Promise<HttpResponse> {
  return exchange.page('registration/password_reset_complete.html', 'Password reset complete');
}

/** POST: the same redirect whatever the address; the mail goes out after the response. */
export async function resetPost(exchange: AuthExchange): Promise<HttpResponse> {
  const site = exchange.site;
  const request = exchange.request;
  const email = field(request, 'email', EMAIL_MAX + 1).trim();
  // Malformed input gets the same answer; there is simply nothing to look up.
  // NUL, lone surrogates and control characters are never in a stored address (and PostgreSQL
  // would refuse the lookup): treated as malformed, with the same answer.
  if (email.length > 0 && email.length <= EMAIL_MAX && isStorableEmailText(email) && /^[^\s@]+@[^\s@]+$/.test(email)) {
    const origin = mailLinkOrigin(site, request);
    if (origin === null) {
      exchange.log.error(
        { gatehouse: { event: 'password_reset.no_site_url', host: request.host } },
        'password reset mail not sent: set the option siteUrl (or list this host in allowedHosts)',
      );
    } else {
      const log = exchange.log;
      const ip = request.clientAddress;
      exchange.afterResponse('password reset mail', () => sendResetMails(site, log, email, origin, ip));
    }
  }
  return redirectResponse(site.urls.passwordResetDone);
}

async function userFor(site: HttpSite, uidb64: string): Promise<User | null> {
  const id = uidFromBase64(uidb64);
  return id === null ? null : site.gatehouse.stores.users.getById(id);
}

function invalidLink(exchange: AuthExchange, status = 200): HttpResponse {
  return exchange.page(
    'registration/password_reset_confirm.html',
    'Password reset unsuccessful',
    { validlink: false, form: { errors: [], fieldErrors: {} } },
    status,
  );
}

/** The stored form of this request's session id, to bind the pending reset to. */
function sessionKey(exchange: AuthExchange): string | null {
  const session = exchange.session;
  return session ? hashSessionId(session.id) : null;
}

/** GET `reset/<uidb64>/<token>/`: checks the link, moves the token into the session, redirects. */
export async function confirmGet(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  const site = exchange.site;
  const tokens = site.gatehouse.resetTokens;
  const uidb64 = params.uidb64 ?? '';
  const token = params.token ?? '';
  // Counted before the token is checked (and given back when it was valid), so a burst of
  // concurrent guesses is limited as surely as a slow series.
  const limits = site.resetLimits;
  const ip = exchange.request.clientAddress;
  const guessKey = rateLimitKey('password_reset.invalid_link', addressBucket(ip));
  if (limits) {
    const decision = await limits.invalidLinksPerAddress.consume(guessKey);
    if (!decision.allowed) {
      exchange.log.warn(
        { gatehouse: { event: 'password_reset.link_throttled', ip } },
        'password reset link throttled: too many invalid links from this client',
      );
      const response = invalidLink(exchange, 429);
      response.headers['retry-after'] = String(decision.retryAfterSeconds);
      return response;
    }
  }
  const user = await userFor(site, uidb64);
  if (!user || !tokens.check(user, token)) return invalidLink(exchange);
  await limits?.invalidLinksPerAddress.refund(guessKey);
  // The session must exist (and have its final id) before the pending reset is bound to it.
  await exchange.updateSessionData({ [RESET_UID]: user.id, [RESET_TOKEN]: undefined });
  const key = sessionKey(exchange);
  const bound = key === null ? null : tokens.bind(user, token, key);
  if (bound === null) return invalidLink(exchange);
  await exchange.updateSessionData({ [RESET_TOKEN]: bound });
  return redirectResponse(`${site.urls.resetBase}${uidb64}/${SET_PASSWORD}/`);
}

/** The user whose pending reset this session holds for `uidb64` (still valid, still active), or null. */
async function pendingReset(exchange: AuthExchange, uidb64: string): Promise<User | null> {
  const data = exchange.sessionData();
  const bound = data[RESET_TOKEN];
  const key = sessionKey(exchange);
  if (key === null || typeof bound !== 'string') return null;
  const user = await userFor(exchange.site, uidb64);
  if (!user || data[RESET_UID] !== user.id) return null;
  return exchange.site.gatehouse.resetTokens.checkBound(user, bound, key) ? user : null;
}

function showSetPassword(exchange: AuthExchange, fieldErrors: Record<string, string[]>): HttpResponse {
  const response = exchange.page('registration/password_reset_confirm.html', 'Enter new password', { validlink: true, form: { errors: [], fieldErrors } });
  // The one exception to `no-referrer`: this page's form posts back, and under `no-referrer`
  // browsers send `Origin: null` with the post, which the CSRF check rightly refuses. Its URL
  // holds no token (only the user id), so the site-wide `same-origin` leaks nothing.
  response.headers['referrer-policy'] = 'same-origin';
  return response;
}

/** GET `reset/<uidb64>/set-password/`: the form, when this session holds a valid pending reset. */
export async function setPasswordGet(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  return (await pendingReset(exchange, params.uidb64 ?? '')) ? showSetPassword(exchange, {}) : invalidLink(exchange);
}

/** POST `reset/<uidb64>/set-password/`: sets the password, ends every session of the user. */
export async function setPasswordPost(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  const site = exchange.site;
  const gatehouse = site.gatehouse;
  const user = await pendingReset(exchange, params.uidb64 ?? '');
  if (!user) return invalidLink(exchange);
  const maxLength = gatehouse.config.maxPasswordLength + 1;
  const first = field(exchange.request, 'new_password1', maxLength);
  const second = field(exchange.request, 'new_password2', maxLength);
  const problems = newPasswordProblems(site, user, first, second);
  if (Object.keys(problems).length > 0) return showSetPassword(exchange, problems);
  try {
    // Ends every session of the user; the new hash also kills the token.
    // Only while the account is as the link was checked against: of several browsers posting
    // the same link at once, one sets the password and the others get the invalid-link page.
    await gatehouse.accounts.setPassword(user, first, {
      reason: 'auth.password_reset',
      actor: user.username,
      ip: exchange.request.clientAddress,
      ifUnchanged: true,
    });
  } catch (error) {
    if (error instanceof ValidationError) return showSetPassword(exchange, { new_password2: error.errors.map((e) => e.message) });
    if (error instanceof StaleUserError) return invalidLink(exchange);
    throw error;
  }
  const session = exchange.session;
  if (session?.user && session.user.id !== user.id) {
    // Someone else's logged-in session carried the token: keep it, forget the token.
    await exchange.updateSessionData({ [RESET_UID]: undefined, [RESET_TOKEN]: undefined });
  } else {
    if (session) await gatehouse.sessions.end(session.id);
    exchange.dropSession();
  }
  return redirectResponse(site.urls.passwordResetComplete);
}
