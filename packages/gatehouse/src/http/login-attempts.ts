/**
 * Password checks behind the login throttle (login, re-authentication, password change, and apps'
 * own re-checks through `checkCurrentPassword`). The throttle counts per account-and-address and
 * per address, never per account alone, so nobody can lock a victim out from elsewhere.
 *
 * Every attempt is reserved (counted) before its password is verified, so a burst of concurrent
 * guesses is admitted at most the limit, however many are in flight; a blocked attempt is refused
 * before the password is even checked, so guessing on while blocked learns nothing.
 */
import { BusyError } from '../core/errors.js';
import { type AnyUser, normalizeUsername } from '../core/user.js';
import type { HttpLogger } from './logger.js';
import type { HttpRequest } from './request.js';
import type { HttpSite } from './site.js';

/** What a throttled attempt needs of the exchange. */
export interface AttemptSubject {
  readonly site: HttpSite;
  readonly request: Pick<HttpRequest, 'clientAddress'>;
  readonly log: HttpLogger;
}

/** What came of an attempt. */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; blocked: false } | { ok: false; blocked: true; retryAfterSeconds: number };

/**
 * Reserves an attempt for `username` from this address, runs `verify` only if the throttle admits
 * it, and settles the reservation with the result. `verify` returns a value on success or null on
 * failure. If `verify` throws `BusyError` (the hash queue is full, nothing was verified) the
 * reservation is given back and the error goes on to the error handler (503); any other error
 * keeps the reservation counted, since a password may have been checked.
 */
export async function throttledAttempt<T>(exchange: AttemptSubject, username: string, verify: () => Promise<T | null>): Promise<AttemptOutcome<T>> {
  const throttle = exchange.site.throttle;
  if (!throttle) {
    const value = await verify();
    return value === null ? { ok: false, blocked: false } : { ok: true, value };
  }
  const key = { username: normalizeUsername(username).slice(0, 150), ip: exchange.request.clientAddress };
  const admission = await throttle.reserve(key);
  if (!admission.allowed) return { ok: false, blocked: true, retryAfterSeconds: admission.retryAfterSeconds };
  let value: T | null;
  try {
    value = await verify();
  } catch (error) {
    // Settling must not hide the error; a give-back that fails leaves the point counted (safe).
    await (error instanceof BusyError ? admission.release() : admission.failed()).catch((settleError: unknown) => {
      exchange.log.warn({ err: settleError }, 'gatehouse: could not settle a login throttle reservation');
    });
    throw error;
  }
  if (value === null) {
    await admission.failed();
    return { ok: false, blocked: false };
  }
  await admission.succeeded();
  return { ok: true, value };
}

/** The message shown while blocked: the same whether or not the account exists. */
export const TOO_MANY_ATTEMPTS = 'Too many failed attempts. Please wait a while and try again.';

/** What `checkCurrentPassword` found. */
export type PasswordCheckOutcome = { ok: true } | { ok: false; blocked: false } | { ok: false; blocked: true; retryAfterSeconds: number };

/**
 * Checks the logged-in user's password again, behind the login throttle — for app views that ask
 * for it before a sensitive change (Django's advice for changing an email address). Anonymous
 * requests always fail.
 */
export async function checkCurrentPassword(exchange: AttemptSubject & { readonly user: AnyUser }, password: string): Promise<PasswordCheckOutcome> {
  const user = exchange.user;
  if (!user?.isAuthenticated || typeof password !== 'string' || password === '') return { ok: false, blocked: false };
  const accounts = exchange.site.gatehouse.accounts;
  const outcome = await throttledAttempt(exchange, user.username, async () => ((await accounts.checkPassword(user, password)) ? true : null));
  return outcome.ok ? { ok: true } : outcome;
}
