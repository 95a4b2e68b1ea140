/**
 * The JSON account API's password side: change (old password behind the throttle; every other
 * session ends), reset request (202 whatever the address; the mail goes after the answer, within
 * the same per-address and per-client limits as the HTML form) and reset confirm with the uid and
 * token from the mail (invalid links counted per client, as on the HTML pages).
 */
import { addressBucket } from '../../core/throttle.js';
import { StaleUserError, ValidationError } from '../../core/errors.js';
import { rateLimitKey } from '../../core/rate-limit.js';
import { isStorableEmailText } from '../../core/text.js';
import { uidFromBase64 } from '../../core/tokens.js';
import type { User } from '../../core/user.js';
import type { AuthExchange } from '../exchange.js';
import { throttledAttempt } from '../login-attempts.js';
import type { HttpResponse } from '../response.js';
import { mailLinkOrigin, sendResetMails } from '../views/password-reset.js';
import { BodyReader } from './body.js';
import { apiError, apiJson, noContent, throttled, validationFailed } from './errors.js';

const EMAIL_MAX = 254;

function passwordProblems(exchange: AuthExchange, user: User | undefined, password: string): string[] {
  return exchange.site.gatehouse.accounts.passwordProblems(password, user).map((p) => p.message);
}

/** POST password/change: `{ oldPassword, newPassword }` → 204; every other session ends. */
export async function passwordChangePost(exchange: AuthExchange): Promise<HttpResponse> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  const max = gatehouse.config.maxPasswordLength;
  const body = new BodyReader(exchange.request);
  const oldPassword = body.string('oldPassword', max);
  const newPassword = body.string('newPassword', max);
  if (!body.ok) return validationFailed(body.problems);
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await gatehouse.accounts.checkPassword(user, oldPassword)) ? true : null));
  if (!outcome.ok)
    return outcome.blocked ? throttled(outcome.retryAfterSeconds) : validationFailed({ oldPassword: ['Your old password was entered incorrectly.'] });
  const problems = passwordProblems(exchange, user, newPassword);
  if (problems.length > 0) return validationFailed({ newPassword: problems });
  let updated: User;
  try {
    updated = await gatehouse.accounts.setPassword(user, newPassword, {
      reason: 'auth.password_change',
      actor: user.username,
      ip: exchange.request.clientAddress,
      ifUnchanged: true,
    });
  } catch (error) {
    if (error instanceof ValidationError) return validationFailed({ newPassword: error.errors.map((e) => e.message) });
    if (error instanceof StaleUserError) {
      // Another change landed first and ended this session with the rest.
      exchange.dropSession();
      return apiError(401, 'not_authenticated', 'Your session ended: the password was changed elsewhere. Log in again.');
    }
    throw error;
  }
  // Typing the old password is a password check: this session goes on, stepped up.
  await exchange.reauthenticated(updated);
  return noContent();
}

/** POST password/reset: `{ email }` → 202 always, whether or not an account has it. */
export async function passwordResetPost(exchange: AuthExchange): Promise<HttpResponse> {
  const site = exchange.site;
  const body = new BodyReader(exchange.request);
  const email = body.string('email', EMAIL_MAX).trim();
  if (!body.ok) return validationFailed(body.problems);
  if (isStorableEmailText(email) && /^[^\s@]+@[^\s@]+$/.test(email)) {
    const origin = mailLinkOrigin(site, exchange.request);
    if (origin === null) {
      exchange.log.error({ gatehouse: { event: 'password_reset.no_site_url' } }, 'password reset mail not sent: set the option siteUrl');
    } else {
      const log = exchange.log;
      const ip = exchange.request.clientAddress;
      exchange.afterResponse('password reset mail', () => sendResetMails(site, log, email, origin, ip));
    }
  }
  return apiJson(202, { detail: 'If an account has this address, a reset link is on its way.' });
}

/** POST password/reset/confirm: `{ uid, token, newPassword }` → 204, or 400 `invalid_token`. */
export async function passwordResetConfirmPost(exchange: AuthExchange): Promise<HttpResponse> {
  const site = exchange.site;
  const gatehouse = site.gatehouse;
  const ip = exchange.request.clientAddress;
  const body = new BodyReader(exchange.request);
  const uid = body.string('uid', 64);
  const token = body.string('token', 128);
  const newPassword = body.string('newPassword', gatehouse.config.maxPasswordLength);
  if (!body.ok) return validationFailed(body.problems);
  const limits = site.resetLimits;
  const id = uidFromBase64(uid);
  const user = id === null ? null : await gatehouse.stores.users.getById(id);
  if (!user || !gatehouse.resetTokens.check(user, token)) {
    if (limits) {
      // Counted only when wrong, like the HTML link: guessing tokens is what is being limited.
      const decision = await limits.invalidLinksPerAddress.consume(rateLimitKey('password_reset.invalid_link', addressBucket(ip)));
      if (!decision.allowed)
        return apiError(429, 'throttled', 'Too many invalid reset links from this client. Please wait and try again.', {
          retryAfter: decision.retryAfterSeconds,
        });
    }
    return apiError(400, 'invalid_token', 'The password reset link was invalid, possibly because it has already been used or has expired.');
  }
  const problems = passwordProblems(exchange, user, newPassword);
  if (problems.length > 0) return validationFailed({ newPassword: problems });
  try {
    // Compare-and-set on the account's state: of two confirms racing with one link, one lands.
    await gatehouse.accounts.setPassword(user, newPassword, { reason: 'auth.password_reset', actor: user.username, ip, ifUnchanged: true });
  } catch (error) {
    if (error instanceof StaleUserError)
      return apiError(400, 'invalid_token', 'The password reset link was invalid, possibly because it has already been used or has expired.');
    if (error instanceof ValidationError) return validationFailed({ newPassword: error.errors.map((e) => e.message) });
    throw error;
  }
  return noContent();
}
