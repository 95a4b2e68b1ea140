/**
 * What a token-authenticated request may do beyond what its user may: nothing. A personal API
 * token may be limited to a subset of its user's permissions; the snapshot of the user read for
 * that request carries the subset here, and every permission check intersects with it. A token
 * can therefore never exceed its user (losing a role takes effect on the token's next request,
 * through the same version-stamped lookup as sessions), nor its own list.
 */
import type { AnyUser, User } from './user.js';

// Keyed by the frozen snapshot, which lives as long as the request that read it.
const scopes = new WeakMap<User, ReadonlySet<string>>();

/** Limits what `user` (a snapshot read for one token request) may do to `permissions`. */
export function limitToScope(user: User, permissions: readonly string[]): void {
  scopes.set(user, new Set(permissions));
}

/** The subset `user` is limited to, or undefined when it is not limited (sessions, most tokens). */
export function scopeOf(user: AnyUser): ReadonlySet<string> | undefined {
  return user.isAuthenticated ? scopes.get(user) : undefined;
}
