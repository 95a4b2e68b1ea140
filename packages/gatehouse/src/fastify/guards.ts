/**
 * Guards: hooks that let a request through or refuse it, usable as a route's `onRequest` or
 * `preHandler`. One primitive, `userPassesTest`, and Django's guards built on it:
 * `loginRequired`, `permissionRequired`, `staffMemberRequired`, `recentAuthRequired`. Each runs
 * the request's `AuthExchange.authorize` (which decides and builds the refusal) and carries the
 * declaration it enforces, so a route protected only by one of these still counts as declared
 * and shows in the route inventory.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../core/gatehouse.js';
import { type AccessDeclaration, type AccessTest, untypedAccess } from '../http/access.js';
import type { AuthorizeOptions, TestOutcome, UserTest as HttpUserTest } from '../http/authorize.js';
import type { RegisteredPermission } from '../http/types.js';
import type { AnyUser } from '../core/user.js';
import { requireExchange } from './context.js';
import { sendResponse } from './reply.js';

export type { TestOutcome } from '../http/authorize.js';

/** What `userPassesTest` runs. */
export type UserTest = (user: AnyUser, request: FastifyRequest) => TestOutcome | Promise<TestOutcome>;

/** A guard hook. `access` is the declaration it enforces, for the inventory. */
export interface Guard {
  (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  readonly access: AccessDeclaration;
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

const kGuard = Symbol('gatehouse.guard');

/** The declaration a guard enforces, if `fn` is one. */
export function guardAccess(fn: unknown): AccessDeclaration | undefined {
  return typeof fn === 'function' && (fn as { [kGuard]?: boolean })[kGuard] ? (fn as Guard).access : undefined;
}

function makeGuard(access: AccessDeclaration, options: AuthorizeOptions): Guard {
  const settled: AuthorizeOptions = { ...options, audit: options.audit ?? false };
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const refused = await requireExchange(request).authorize(access, settled);
    return refused ? sendResponse(reply, refused) : undefined;
  };
  return Object.assign(guard, { access, [kGuard]: true as const });
}

/**
 * Django's `user_passes_test`: lets the request through when `test` passes. A plain `false`
 * sends anonymous users to log in and refuses logged-in ones with 403 (Django's mixin
 * behaviour: no redirect loop for users who are already logged in).
 */
export function userPassesTest(test: UserTest, options: GuardOptions = {}): Guard {
  const name = options.name ?? 'userPassesTest';
  const declared: AccessTest = async (user, request) => (await test(user, request)) === true;
  return makeGuard({ kind: 'test', name, test: declared }, { ...options, name, test: test as HttpUserTest });
}

/** Django's `login_required`: any logged-in, active user. */
export function loginRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return makeGuard({ kind: 'authenticated' }, options);
}

/** Django's `staff_member_required`: active staff (403, not a login loop, for other users). */
export function staffMemberRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return makeGuard({ kind: 'staff' }, options);
}

/** Django's `permission_required(perm | perms, raise_exception=...)`: every listed permission. */
export function permissionRequired(perm: RegisteredPermission | readonly RegisteredPermission[], options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  const perms = typeof perm === 'string' ? [perm] : [...perm];
  return makeGuard(untypedAccess.permissions(perms as [string, ...string[]]), options);
}

/** A password re-check within `maxAge` seconds (default `reauthMaxAge`); logged in implied. */
export function recentAuthRequired(maxAge?: number): Guard {
  return makeGuard(untypedAccess.authenticated({ recentAuth: maxAge ?? true }), {});
}

/** The guards typed by a gatehouse's permission names. */
export interface TypedGuards<P extends string> {
  loginRequired: typeof loginRequired;
  staffMemberRequired: typeof staffMemberRequired;
  userPassesTest: typeof userPassesTest;
  recentAuthRequired: typeof recentAuthRequired;
  permissionRequired(perm: P | readonly P[], options?: Pick<GuardOptions, 'raiseException'>): Guard;
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
