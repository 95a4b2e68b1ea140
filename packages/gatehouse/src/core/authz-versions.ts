/**
 * The authorization versions a `User` snapshot was read with. The session lookup reads them in
 * the same query as the user row (`SessionStore.getWithUser`) and stamps them on the snapshot
 * here; `Authorization` validates its per-process cache against them. A user loaded any other
 * way carries no stamp and is checked against the database, as before.
 */
/** A user's authorization version and the global one, as read together with the user row. */
export interface AuthzVersions {
  /** `auth_user.authz_version`: bumped by anything that changes what this user may do. */
  readonly user: number;
  /** The one-row global version: bumped by anything that changes what a group grants. */
  readonly global: number;
}

/**
 * Where a store that reads the versions with the user row puts them: a hidden (non-enumerable)
 * property of the frozen snapshot (`toUser(record, versions)`), read on every permission check,
 * cheaper than a WeakMap lookup on a new object.
 */
export const AUTHZ_VERSIONS: unique symbol = Symbol('gatehouse.authzVersions');

// For snapshots stamped after the fact (an adapter's getWithUser that returns the versions
// beside the user): keyed by the frozen snapshot itself, so the stamp lives exactly as long.
// Typed as `object`, not `User`: user.ts reads AUTHZ_VERSIONS from here, and this file must not
// import user.ts back (no import cycles); any frozen user snapshot is such an object.
const stamps = new WeakMap<object, AuthzVersions>();

/** Records the versions `user` was read with (called by the session load). */
export function stampAuthzVersions(user: object, versions: AuthzVersions): void {
  const own = (user as { [AUTHZ_VERSIONS]?: AuthzVersions })[AUTHZ_VERSIONS];
  if (own && own.user === versions.user && own.global === versions.global) return;
  stamps.set(user, versions);
}

/** The versions `user` was read with, or undefined when it was not read with them. */
export function authzVersionsOf(user: object): AuthzVersions | undefined {
  return (user as { [AUTHZ_VERSIONS]?: AuthzVersions })[AUTHZ_VERSIONS] ?? stamps.get(user);
}
