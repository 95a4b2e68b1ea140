/**
 * The authorization versions a `User` snapshot was read with. The session lookup reads them in
 * the same query as the user row (`SessionStore.getWithUser`) and stamps them on the snapshot
 * here; `Authorization` validates its per-process cache against them. A user loaded any other
 * way carries no stamp and is checked against the database, as before.
 */
import type { User } from './user.js';

/** A user's authorization version and the global one, as read together with the user row. */
export interface AuthzVersions {
  /** `auth_user.authz_version`: bumped by anything that changes what this user may do. */
  readonly user: number;
  /** The one-row global version: bumped by anything that changes what a group grants. */
  readonly global: number;
}

// Keyed by the frozen snapshot itself: the stamp lives exactly as long as the snapshot.
const stamps = new WeakMap<User, AuthzVersions>();

/** Records the versions `user` was read with (called by the session load). */
export function stampAuthzVersions(user: User, versions: AuthzVersions): void {
  stamps.set(user, versions);
}

/** The versions `user` was read with, or undefined when it was not read with them. */
export function authzVersionsOf(user: User): AuthzVersions | undefined {
  return stamps.get(user);
}
