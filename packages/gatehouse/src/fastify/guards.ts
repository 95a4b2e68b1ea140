/**
 * Guards: hooks that let a request through or refuse it (via denials.ts). One primitive,
 * `userPassesTest`, and Django's guards built on it, usable as a route's `onRequest` or
 * `preHandler` — `loginRequired`, `permissionRequired`, `staffMemberRequired`,
 * `recentAuthRequired`. Each carries the access declaration it enforces, so a route protected
 * only by one of these still counts as declared and shows in the route inventory.
 *
 * The route-level declarations (`config: { access }`) compile to the same primitive
 * (`guardFor`), attached by the plugin as the route's first `onRequest` hook: before the body is
 * parsed or validated, before any of the app's own hooks, so a refused request costs little and
 * learns nothing about the route.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../core/gatehouse.js';
import type { AnyUser } from '../core/user.js';
import { type AccessDeclaration, type AccessTest, type RecentAuth, untypedAccess } from './access.js';
import { contextOf, stateOf } from './context.js';
import { type Denial, auditDecision, deny } from './denials.js';
import { markAuditPending } from './pending-audit.js';
import { REAUTH_AT } from './session-cookie.js';
import type { RegisteredPermission } from './types.js';

/** A test's verdict: pass, fail (login for anonymous users, else 403), or a specific denial. */
export type TestOutcome = boolean | Denial;

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

function makeGuard(access: AccessDeclaration, test: UserTest, options: GuardOptions): Guard {
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const user = request.user;
    if (!user) throw new Error('gatehouse: request.user is not set; register the gatehouse plugin before this route.');
    const outcome = await test(user, request);
    if (outcome === true) {
      if (options.audit) {
        // Before the CSRF check the decision is not final: pending-audit.ts writes it, once.
        if (stateOf(request).csrfChecked) await auditDecision(request, true, '');
        else markAuditPending(request);
      }
      return undefined;
    }
    let denial: Denial;
    if (outcome === false) {
      const reason = `failed ${options.name ?? 'test'}`;
      denial = { kind: user.isAuthenticated ? 'forbidden' : 'login', reason: user.isAuthenticated ? reason : 'not logged in' };
    } else {
      denial = outcome;
    }
    if (denial.kind === 'login' && options.raiseException) denial = { kind: 'forbidden', reason: denial.reason };
    return deny(request, reply, denial, { audit: options.audit ?? false });
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
  return makeGuard({ kind: 'test', name, test: declared }, test, { ...options, name });
}

const notLoggedIn: Denial = { kind: 'login', reason: 'not logged in' };

/** Seconds since the session's last password check, or null if there was none. */
function secondsSincePasswordCheck(request: FastifyRequest): number | null {
  const at = stateOf(request).session?.record.data[REAUTH_AT];
  if (typeof at !== 'number' || !Number.isFinite(at)) return null;
  return (contextOf(request).gatehouse.clock.now() - at) / 1000;
}

function recentAuthOutcome(request: FastifyRequest, recentAuth: RecentAuth | undefined): TestOutcome {
  if (recentAuth === undefined) return true;
  const maxAge = recentAuth === true ? contextOf(request).gatehouse.config.reauthMaxAge : recentAuth;
  const age = secondsSincePasswordCheck(request);
  if (age !== null && age >= 0 && age <= maxAge) return true;
  return { kind: 'reauth', reason: age === null ? 'no password check in this session' : `password checked ${Math.floor(age)}s ago, more than ${maxAge}s` };
}

async function missingPermissions(request: FastifyRequest, user: AnyUser, perms: readonly string[]): Promise<string[]> {
  const gatehouse = contextOf(request).gatehouse;
  const missing: string[] = [];
  for (const perm of perms) if (!(await gatehouse.hasPerm(user, perm))) missing.push(perm);
  return missing;
}

/** The test a declaration stands for. */
function testFor(access: AccessDeclaration): UserTest {
  return async (user, request) => {
    if (access.kind === 'public') return true;
    if (!user.isAuthenticated || !user.isActive) return notLoggedIn;
    switch (access.kind) {
      case 'staff':
        if (!user.isStaff) return { kind: 'forbidden', reason: 'not staff' };
        break;
      case 'permission': {
        const missing = await missingPermissions(request, user, access.permissions);
        if (missing.length > 0) return { kind: 'forbidden', reason: `missing permission ${missing.join(', ')}` };
        break;
      }
      case 'critical': {
        // Both gates, so a stray staff flag or a stray grant alone never opens a critical route.
        if (!user.isStaff) return { kind: 'forbidden', reason: `critical route needs staff (and ${access.permissions.join(', ')})` };
        const missing = await missingPermissions(request, user, access.permissions);
        if (missing.length > 0) return { kind: 'forbidden', reason: `missing permission ${missing.join(', ')}` };
        break;
      }
      case 'test':
        if (!(await access.test(user, request))) return { kind: 'forbidden', reason: `failed test ${access.name}` };
        break;
      case 'authenticated':
      case 'object':
        break;
    }
    return recentAuthOutcome(request, access.recentAuth);
  };
}

/** The guard enforcing a route's declaration (critical routes audit every decision). */
export function guardFor(access: AccessDeclaration): Guard {
  return makeGuard(access, testFor(access), { audit: access.kind === 'critical', name: access.kind });
}

/** Django's `login_required`: any logged-in, active user. */
export function loginRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return makeGuard({ kind: 'authenticated' }, testFor({ kind: 'authenticated' }), options);
}

/** Django's `staff_member_required`: active staff (403, not a login loop, for other users). */
export function staffMemberRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return makeGuard({ kind: 'staff' }, testFor({ kind: 'staff' }), options);
}

/** Django's `permission_required(perm | perms, raise_exception=...)`: every listed permission. */
export function permissionRequired(perm: RegisteredPermission | readonly RegisteredPermission[], options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  const perms = typeof perm === 'string' ? [perm] : [...perm];
  const access = untypedAccess.permissions(perms as [string, ...string[]]);
  return makeGuard(access, testFor(access), options);
}

/** A password re-check within `maxAge` seconds (default `reauthMaxAge`); logged in implied. */
export function recentAuthRequired(maxAge?: number): Guard {
  const access = untypedAccess.authenticated({ recentAuth: maxAge ?? true });
  return makeGuard(access, testFor(access), {});
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
