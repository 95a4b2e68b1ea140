/**
 * Password checks behind the login throttle (login, re-authentication, password change). The
 * throttle counts per account-and-address and per address, never per account alone, so nobody
 * can lock a victim out from elsewhere; a blocked attempt is refused before the password is even
 * checked, so guessing on while blocked learns nothing.
 */
import type { FastifyRequest } from 'fastify';
import { normalizeUsername } from '../core/user.js';
import { contextOf } from './context.js';

/** What came of an attempt. */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; blocked: false } | { ok: false; blocked: true; retryAfterSeconds: number };

/**
 * Runs `verify` unless the throttle blocks `username` from this address, and records the result.
 * `verify` returns a value on success or null on failure.
 */
export async function throttledAttempt<T>(request: FastifyRequest, username: string, verify: () => Promise<T | null>): Promise<AttemptOutcome<T>> {
  const throttle = contextOf(request).throttle;
  const key = { username: normalizeUsername(username).slice(0, 150), ip: request.ip };
  if (throttle) {
    const decision = await throttle.check(key);
    if (!decision.allowed) return { ok: false, blocked: true, retryAfterSeconds: decision.retryAfterSeconds };
  }
  const value = await verify();
  if (value === null) {
    await throttle?.recordFailure(key);
    return { ok: false, blocked: false };
  }
  await throttle?.recordSuccess(key);
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
export async function checkCurrentPassword(request: FastifyRequest, password: string): Promise<PasswordCheckOutcome> {
  const user = request.user;
  if (!user?.isAuthenticated || typeof password !== 'string' || password === '') return { ok: false, blocked: false };
  const accounts = contextOf(request).gatehouse.accounts;
  const outcome = await throttledAttempt(request, user.username, async () => ((await accounts.checkPassword(user, password)) ? true : null));
  return outcome.ok ? { ok: true } : outcome;
}
