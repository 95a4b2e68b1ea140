/**
 * Access classes as data, the seed's workflow: every route says who may call it, in its route
 * options (`config: { access: permission('billing.view_invoice') }` in Fastify). Being data, a
 * declaration can be enforced (authorize.ts), listed (inventory.ts) and rendered as a roles × routes matrix
 * without running anything.
 *
 * - `publicAccess()`: anyone.
 * - `authenticated()`: any logged-in, active user.
 * - `staffOnly()`: active staff (Django's `is_staff`), for internal tools.
 * - `permission(...perms)`: every listed permission (Django's `permission_required`).
 * - `critical(perm)`: staff AND the permission, and every decision (allow and deny) audited, so
 *   an accidental staff flag or a stray grant alone never unlocks a dangerous action.
 * - `objectRule(rule)`: logged in at the route; the handler then checks the loaded object with
 *   `authorizeObject`, and the plugin refuses a success response that skipped it.
 * - `recentAuth(decl, maxAge?)`: additionally a password re-check within `maxAge` seconds.
 *
 * The builders are typed by the app's permission names: through `accessFor(gatehouse)`, or, for
 * the free functions, once the app registers its gatehouse type (see `GatehouseTypes`).
 */
import type { Gatehouse } from '../core/gatehouse.js';
import type { AnyUser } from '../core/user.js';
import { type AnyObjectRule, type ObjectRule, type ObjectRuleSpec, defineRule as defineRuleUntyped } from './rules.js';
import type { RegisteredPermission } from './types.js';

/** Seconds a password re-check counts for, or `true` for the configured `reauthMaxAge`. */
export type RecentAuth = number | true;

/**
 * A custom predicate for `userPassesTest`-style declarations. Its second argument is the
 * framework's own request (a Fastify request, an Express request, a Hono context): each adapter
 * passes what its apps know, so this layer leaves it open.
 */
// biome-ignore lint/suspicious/noExplicitAny: the native request of whichever framework serves the route
export type AccessTest = (user: AnyUser, request: any) => boolean | Promise<boolean>;

/** The access classes. */
export type AccessKind = 'public' | 'authenticated' | 'staff' | 'permission' | 'critical' | 'object' | 'test';

/** One route's access declaration. Build it with the functions below rather than by hand. */
export type AccessDeclaration =
  | { readonly kind: 'public'; readonly session?: false }
  | { readonly kind: 'authenticated'; readonly recentAuth?: RecentAuth }
  | { readonly kind: 'staff'; readonly recentAuth?: RecentAuth }
  | { readonly kind: 'permission'; readonly permissions: readonly string[]; readonly recentAuth?: RecentAuth }
  | { readonly kind: 'critical'; readonly permissions: readonly string[]; readonly recentAuth?: RecentAuth }
  | { readonly kind: 'object'; readonly rule: AnyObjectRule; readonly recentAuth?: RecentAuth }
  | { readonly kind: 'test'; readonly name: string; readonly test: AccessTest; readonly recentAuth?: RecentAuth };

/** Declarations that may carry a recent-authentication requirement: every class that needs a logged-in user. */
export type RestrictedDeclaration = Exclude<AccessDeclaration, { kind: 'public' }>;

/** The public declaration. */
export type PublicDeclaration = Extract<AccessDeclaration, { kind: 'public' }>;

/** Options of `publicAccess`. */
export interface PublicAccessOptions {
  /** false: do not read the session for this route (see `publicAccess`). Default true. */
  session?: boolean;
}

/** Options shared by the restricted classes. */
export interface AccessOptions {
  /** Also require a password re-check within this many seconds (`true`: `reauthMaxAge`). */
  recentAuth?: RecentAuth;
}

function withOptions<D extends RestrictedDeclaration>(declaration: D, options: AccessOptions | undefined): D {
  const out = options?.recentAuth !== undefined ? { ...declaration, recentAuth: checkRecentAuth(options.recentAuth) } : declaration;
  return Object.freeze(out);
}

function checkRecentAuth(value: RecentAuth): RecentAuth {
  if (value !== true && (!Number.isInteger(value) || value <= 0)) {
    throw new TypeError(`recentAuth must be true or a positive whole number of seconds, got ${String(value)}.`);
  }
  return value;
}

function checkPermissions(perms: readonly string[], what: string): readonly string[] {
  if (perms.length === 0) throw new TypeError(`${what} needs at least one permission.`);
  for (const p of perms) {
    if (typeof p !== 'string' || !/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(p)) {
      throw new TypeError(`${what}: "${String(p)}" is not a permission name (app_label.codename).`);
    }
  }
  return Object.freeze([...new Set(perms)]);
}

/** The access builders, typed by a permission-name union `P`. */
export interface AccessBuilders<P extends string> {
  /**
   * Anyone, logged in or not. `{ session: false }`: the route never reads `request.user` or
   * `request.session` (a health check, a static file), so a request to it costs no session
   * query even when it carries a session cookie; `request.user` is the anonymous user there.
   */
  publicAccess(options?: PublicAccessOptions): PublicDeclaration;
  /** Any logged-in, active user (Django's `login_required`). */
  authenticated(options?: AccessOptions): RestrictedDeclaration;
  /** Active staff users only (Django's `staff_member_required`, but 403 rather than a login loop). */
  staffOnly(options?: AccessOptions): RestrictedDeclaration;
  /** Users holding every listed permission (Django's `permission_required`). */
  permission(...perms: [P, ...P[]]): RestrictedDeclaration;
  /** As `permission`, with options. */
  permissions(perms: readonly [P, ...P[]], options?: AccessOptions): RestrictedDeclaration;
  /** Staff AND the permission(s), every decision audited. */
  critical(perm: P | readonly [P, ...P[]], options?: AccessOptions): RestrictedDeclaration;
  /** Logged in here; the handler checks the object with `authorizeObject(request, rule, object)`. */
  objectRule<T, DB, TB extends keyof DB>(rule: ObjectRule<T, DB, TB, P>, options?: AccessOptions): RestrictedDeclaration;
  /** A custom predicate; `name` is what logs and the inventory show. */
  passesTest(name: string, test: AccessTest, options?: AccessOptions): RestrictedDeclaration;
  /** Adds a password re-check within `maxAge` seconds (default `reauthMaxAge`) to a declaration. */
  recentAuth(declaration: AccessDeclaration, maxAge?: number): RestrictedDeclaration;
  /** Defines an object rule whose `grantedBy` permissions are checked against `P`. */
  defineRule<T, DB = unknown, TB extends keyof DB = keyof DB>(spec: ObjectRuleSpec<T, DB, TB, P>): ObjectRule<T, DB, TB, P>;
}

function builders<P extends string>(): AccessBuilders<P> {
  return {
    publicAccess: (options) => {
      if (options?.session !== undefined && typeof options.session !== 'boolean') throw new TypeError('publicAccess(): session must be true or false.');
      return Object.freeze(options?.session === false ? { kind: 'public' as const, session: false as const } : { kind: 'public' as const });
    },
    authenticated: (options) => withOptions({ kind: 'authenticated' }, options),
    staffOnly: (options) => withOptions({ kind: 'staff' }, options),
    permission: (...perms) => withOptions({ kind: 'permission', permissions: checkPermissions(perms, 'permission()') }, undefined),
    permissions: (perms, options) => withOptions({ kind: 'permission', permissions: checkPermissions(perms, 'permissions()') }, options),
    critical: (perm, options) =>
      withOptions({ kind: 'critical', permissions: checkPermissions(typeof perm === 'string' ? [perm] : perm, 'critical()') }, options),
    objectRule: (rule, options) => {
      if (!rule || typeof rule.can !== 'function') throw new TypeError('objectRule() needs a rule made by defineRule().');
      return withOptions({ kind: 'object', rule: rule as unknown as AnyObjectRule }, options);
    },
    passesTest: (name, test, options) => {
      if (typeof test !== 'function') throw new TypeError('passesTest() needs a test function.');
      return withOptions({ kind: 'test', name, test }, options);
    },
    recentAuth: (declaration, maxAge) => {
      if (declaration.kind === 'public') throw new TypeError('recentAuth() cannot apply to public access: there is nobody to re-authenticate.');
      return withOptions(declaration, { recentAuth: maxAge ?? true });
    },
    defineRule: (spec) => defineRuleUntyped(spec),
  };
}

const registered = builders<RegisteredPermission>();

/** Builders over plain strings, for code that builds declarations from already-checked names. */
export const untypedAccess: AccessBuilders<string> = builders<string>();

/**
 * The access builders typed by this gatehouse's permission names:
 * `const { permission, critical } = accessFor(gatehouse)`; a misspelt permission fails `tsc`.
 */
export function accessFor<P extends string>(_gatehouse: Gatehouse<P>): AccessBuilders<P> {
  return builders<P>();
}

/** Anyone, logged in or not. */
export const publicAccess: AccessBuilders<RegisteredPermission>['publicAccess'] = registered.publicAccess;
/** Any logged-in, active user. */
export const authenticated: AccessBuilders<RegisteredPermission>['authenticated'] = registered.authenticated;
/** Active staff users only. */
export const staffOnly: AccessBuilders<RegisteredPermission>['staffOnly'] = registered.staffOnly;
/** Users holding every listed permission. */
export const permission: AccessBuilders<RegisteredPermission>['permission'] = registered.permission;
/** Users holding every listed permission, with options. */
export const permissions: AccessBuilders<RegisteredPermission>['permissions'] = registered.permissions;
/** Staff AND the permission(s), audited. */
export const critical: AccessBuilders<RegisteredPermission>['critical'] = registered.critical;
/** Logged in; the handler checks the object. */
export const objectRule: AccessBuilders<RegisteredPermission>['objectRule'] = registered.objectRule;
/** A custom predicate. */
export const passesTest: AccessBuilders<RegisteredPermission>['passesTest'] = registered.passesTest;
/** Adds a recent password re-check to a declaration. */
export const recentAuth: AccessBuilders<RegisteredPermission>['recentAuth'] = registered.recentAuth;
/** Defines an object rule (typed by the registered permission names). */
export const defineRule: AccessBuilders<RegisteredPermission>['defineRule'] = registered.defineRule;

/** The permissions a declaration requires, for the inventory. */
export function declaredPermissions(declaration: AccessDeclaration): readonly string[] {
  if (declaration.kind === 'permission' || declaration.kind === 'critical') return declaration.permissions;
  if (declaration.kind === 'object') return declaration.rule.grantedBy as readonly string[];
  return [];
}

/** True for values that look like a declaration (route config arrives untyped from JS apps). */
export function isAccessDeclaration(value: unknown): value is AccessDeclaration {
  if (!value || typeof value !== 'object') return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    kind === 'public' || kind === 'authenticated' || kind === 'staff' || kind === 'permission' || kind === 'critical' || kind === 'object' || kind === 'test'
  );
}
