/**
 * What a handler does with the request's auth, given its Hono context: log in and out, a CSRF
 * token for a form, and the object-level checks. Each goes through the request's one
 * `AuthExchange`, so the cookies they change are written when the middleware finishes the answer.
 */
import type { Context } from 'hono';
import type { User } from '../core/user.js';
import { authorizeObject as authorizeObjectFor, ruleFilter as ruleFilterFor } from '../http/object-access.js';
import type { ObjectRule, RuleWhere } from '../http/rules.js';
import type { LoginOptions } from '../http/types.js';
import { exchangeOf } from './state.js';

/**
 * Logs `user` in: a new session id (the old one is deleted, so a planted id is worthless), a new
 * CSRF secret, last login and an audit entry; the cookie goes out with the answer. `user` must
 * be the snapshot that was authenticated: throws `SessionRevokedError` when its credentials moved
 * on meanwhile (the request's session and cookies are then left untouched).
 */
export async function login(c: Context, user: User, options?: LoginOptions): Promise<void> {
  await exchangeOf(c).login(user, options);
}

/** Ends the session (if any) and clears the cookie. */
export async function logout(c: Context): Promise<void> {
  await exchangeOf(c).logout();
}

/** A CSRF token for a form (`csrfmiddlewaretoken`) or a script (`X-CSRFToken`), masked anew on each call. */
export function csrfToken(c: Context): string {
  return exchangeOf(c).csrfToken();
}

/**
 * Returns `object` when the request's user passes `rule` for it; otherwise throws
 * `PermissionDenied` (403, or the login redirect for anonymous users). A missing object is a 404
 * only for users the rule lets see every object; everyone else gets the same 403, so ids cannot
 * be probed. A route declared `objectRule(rule)` must call this (or `ruleFilter`) before a
 * success: the middleware answers 500 to a success that skipped it.
 */
export async function authorizeObject<T, DB, TB extends keyof DB, P extends string>(
  c: Context,
  rule: ObjectRule<T, DB, TB, P>,
  object: T | null | undefined,
): Promise<T> {
  return authorizeObjectFor(exchangeOf(c), rule, object);
}

/** The where-clause limiting a list to what the request's user may see under `rule`. */
export async function ruleFilter<T, DB, TB extends keyof DB, P extends string>(c: Context, rule: ObjectRule<T, DB, TB, P>): Promise<RuleWhere<DB, TB>> {
  return ruleFilterFor(exchangeOf(c), rule);
}
