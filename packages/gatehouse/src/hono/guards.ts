/**
 * Route access for Hono: `access(declaration)` and Django's guards, each a middleware that
 * enforces its declaration AND declares it — the handler carries a mark (parts.ts) that the
 * route check and the inventory read, so a route protected only by a guard counts as declared.
 *
 * ```ts
 * app.get('/invoices/', access(permission('billing.view_invoice')), listInvoices);
 * app.use('/admin/*', staffMemberRequired());
 * ```
 *
 * The gatehouse middleware finds every guard on a request's matched chain and enforces them all
 * before any of the app's code runs (as Fastify's route guard is the first hook), before the
 * body is read; the guard itself then only lets the request on. A guard the middleware did not
 * see (it cannot happen with the middleware first) enforces its declaration itself.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Gatehouse } from '../core/gatehouse.js';
import type { AccessDeclaration, AccessTest, PublicDeclaration, RestrictedDeclaration } from '../http/access.js';
import { isAccessDeclaration, untypedAccess } from '../http/access.js';
import type { AuthorizeOptions, UserTest } from '../http/authorize.js';
import type { RegisteredPermission } from '../http/types.js';
import { type GuardOrigin, type GuardPart, markPart } from './parts.js';
import { toResponse } from './respond.js';
import { stateOf } from './state.js';
import type { AuthenticatedEnv, GatehouseEnv } from './types.js';

/** A guard: a Hono middleware that carries the declaration it enforces. */
export type Guard<E extends GatehouseEnv | AuthenticatedEnv = GatehouseEnv> = MiddlewareHandler<E> & { readonly access: AccessDeclaration };

/** Options of `access`. */
export interface AccessMiddlewareOptions {
  /**
   * `false` exempts the route from the CSRF check (Django's `csrf_exempt`), for endpoints that
   * authenticate otherwise (signed webhooks). Shown in the route inventory.
   */
  csrf?: boolean;
}

/** Options of `userPassesTest` and the guards built on it. */
export interface GuardOptions {
  /**
   * Refuse anonymous users with 403 too, instead of sending them to log in (Django's
   * `raise_exception`), for endpoints no browser should be redirected from.
   */
  raiseException?: boolean;
  /** Write every decision to the audit log. */
  audit?: boolean;
  /** Names the test in logs when it fails with a plain `false`. */
  name?: string;
}

interface GuardSpec {
  access: AccessDeclaration;
  options?: AuthorizeOptions;
  origin: GuardOrigin;
  csrfExempt?: boolean;
  accountView?: string | null;
  headers?: Readonly<Record<string, string>>;
  hidden?: boolean;
  json?: boolean;
}

/** Makes a guard middleware for `spec` (also used by the account views). */
export function makeGuard<E extends GatehouseEnv | AuthenticatedEnv>(spec: GuardSpec): Guard<E> {
  const part: GuardPart = {
    role: 'guard',
    access: spec.access,
    options: spec.options ?? {},
    origin: spec.origin,
    csrfExempt: spec.csrfExempt ?? false,
    accountView: spec.accountView ?? null,
    headers: spec.headers ?? {},
    hidden: spec.hidden ?? false,
    json: spec.json ?? false,
  };
  const guard = async (c: Context, next: () => Promise<void>): Promise<Response | undefined> => {
    const state = stateOf(c);
    if (!state.enforced.includes(part)) {
      // Not enforced by the middleware (another route's guard, reached by a fall-through): here.
      state.enforced.push(part);
      const denial = await state.exchange.authorize(part.access, part.options);
      // The middleware finishes whatever answer comes back (cookies, headers, the pending audit).
      if (denial) return toResponse(denial);
    }
    await next();
    return undefined;
  };
  markPart(guard, part);
  return Object.assign(guard, { access: spec.access }) as unknown as Guard<E>;
}

/**
 * The route's access declaration, enforced: `app.get('/x/', access(authenticated()), handler)`.
 * Every route needs one (or a guard, or an entry in `allowUndeclaredRoutes`); `gh.check(app)`
 * fails naming each route without.
 */
export function access(declaration: PublicDeclaration, options?: AccessMiddlewareOptions): Guard<GatehouseEnv>;
export function access(declaration: RestrictedDeclaration, options?: AccessMiddlewareOptions): Guard<AuthenticatedEnv>;
export function access(declaration: AccessDeclaration, options?: AccessMiddlewareOptions): Guard<GatehouseEnv>;
export function access(declaration: AccessDeclaration, options: AccessMiddlewareOptions = {}): Guard<GatehouseEnv> | Guard<AuthenticatedEnv> {
  if (!isAccessDeclaration(declaration)) {
    throw new TypeError('access() needs an access declaration: build it with publicAccess(), authenticated(), permission(...) and so on.');
  }
  if (options.csrf !== undefined && typeof options.csrf !== 'boolean') throw new TypeError('access(): csrf must be true or false.');
  return makeGuard({ access: declaration, origin: 'access', csrfExempt: options.csrf === false });
}

/**
 * Django's `user_passes_test`: lets the request through when `test(user, c)` passes. A plain
 * `false` sends anonymous users to log in and refuses logged-in ones with 403.
 */
export function userPassesTest(test: (user: Parameters<UserTest>[0], c: Context) => ReturnType<UserTest>, options: GuardOptions = {}): Guard<GatehouseEnv> {
  const name = options.name ?? 'userPassesTest';
  const declared: AccessTest = async (user, c) => (await test(user, c as Context)) === true;
  return makeGuard({
    access: { kind: 'test', name, test: declared },
    options: {
      test: test as UserTest,
      name,
      ...(options.audit !== undefined ? { audit: options.audit } : {}),
      raiseException: options.raiseException ?? false,
    },
    origin: 'guard',
  });
}

/** Django's `login_required`: any logged-in, active user. */
export function loginRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard<AuthenticatedEnv> {
  return makeGuard({ access: untypedAccess.authenticated(), options: { raiseException: options.raiseException ?? false }, origin: 'guard' });
}

/** Django's `staff_member_required`: active staff (403, not a login loop, for other users). */
export function staffMemberRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard<AuthenticatedEnv> {
  return makeGuard({ access: untypedAccess.staffOnly(), options: { raiseException: options.raiseException ?? false }, origin: 'guard' });
}

/** Django's `permission_required(perm | perms, raise_exception=...)`: every listed permission. */
export function permissionRequired(
  perm: RegisteredPermission | readonly RegisteredPermission[],
  options: Pick<GuardOptions, 'raiseException'> = {},
): Guard<AuthenticatedEnv> {
  const perms = typeof perm === 'string' ? [perm] : [...perm];
  const declaration = untypedAccess.permissions(perms as [string, ...string[]]);
  return makeGuard({ access: declaration, options: { raiseException: options.raiseException ?? false }, origin: 'guard' });
}

/** A password re-check within `maxAge` seconds (default `reauthMaxAge`); logged in implied. */
export function recentAuthRequired(maxAge?: number): Guard<AuthenticatedEnv> {
  return makeGuard({ access: untypedAccess.authenticated({ recentAuth: maxAge ?? true }), origin: 'guard' });
}

/** The guards typed by a gatehouse's permission names. */
export interface TypedGuards<P extends string> {
  loginRequired: typeof loginRequired;
  staffMemberRequired: typeof staffMemberRequired;
  userPassesTest: typeof userPassesTest;
  recentAuthRequired: typeof recentAuthRequired;
  permissionRequired(perm: P | readonly P[], options?: Pick<GuardOptions, 'raiseException'>): Guard<AuthenticatedEnv>;
}

/** `const { permissionRequired } = guardsFor(gatehouse)`: a misspelt permission fails `tsc`. */
export function guardsFor<P extends string>(_gatehouse: Gatehouse<P>): TypedGuards<P> {
  return {
    loginRequired,
    staffMemberRequired,
    userPassesTest,
    recentAuthRequired,
    permissionRequired: (perm, options) => permissionRequired(perm as RegisteredPermission | readonly RegisteredPermission[], options),
  };
}
