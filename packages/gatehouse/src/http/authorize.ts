/**
 * What an access declaration means for one user: the one decision procedure behind every route
 * declaration and every guard. It says yes (null) or returns the `Denial`; the exchange turns a
 * denial into the negotiated response (denials.ts) and writes the audit.
 */
import type { AnyUser } from '../core/user.js';
import type { AccessDeclaration, RecentAuth } from './access.js';
import type { HttpSite } from './site.js';

/** Why a request is refused. `reason` is for logs only. */
export interface Denial {
  kind: 'login' | 'forbidden' | 'reauth';
  reason: string;
}

/** A test's verdict: pass, fail (login for anonymous users, else 403), or a specific denial. */
export type TestOutcome = boolean | Denial;

/**
 * What `userPassesTest` runs. The second argument is the framework's own request.
 */
// biome-ignore lint/suspicious/noExplicitAny: the native request of whichever framework serves the route
export type UserTest = (user: AnyUser, request: any) => TestOutcome | Promise<TestOutcome>;

/** How `AuthExchange.authorize` runs a declaration. */
export interface AuthorizeOptions {
  /** Run this test instead of the declaration's own meaning (`userPassesTest`). */
  test?: UserTest;
  /** Write every decision to the audit log (default: critical declarations only). */
  audit?: boolean;
  /** Refuse anonymous users with 403 too, instead of sending them to log in. */
  raiseException?: boolean;
  /** Names the test in logs when it fails with a plain `false`. */
  name?: string;
}

/** What the decision needs to know about the request. */
export interface AuthorizeSubject {
  readonly site: HttpSite;
  readonly user: AnyUser;
  /** The session's `reauthAt` value (epoch ms), whatever is stored there. */
  readonly reauthAt: unknown;
  /** The framework's request, for custom tests. */
  readonly native: unknown;
}

const notLoggedIn: Denial = { kind: 'login', reason: 'not logged in' };

function recentAuthOutcome(subject: AuthorizeSubject, recentAuth: RecentAuth | undefined): TestOutcome {
  if (recentAuth === undefined) return true;
  const gatehouse = subject.site.gatehouse;
  const maxAge = recentAuth === true ? gatehouse.config.reauthMaxAge : recentAuth;
  const at = subject.reauthAt;
  const age = typeof at === 'number' && Number.isFinite(at) ? (gatehouse.clock.now() - at) / 1000 : null;
  if (age !== null && age >= 0 && age <= maxAge) return true;
  return { kind: 'reauth', reason: age === null ? 'no password check in this session' : `password checked ${Math.floor(age)}s ago, more than ${maxAge}s` };
}

async function missingPermissions(subject: AuthorizeSubject, perms: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const perm of perms) if (!(await subject.site.gatehouse.hasPerm(subject.user, perm))) missing.push(perm);
  return missing;
}

/** The verdict of `declaration` for the subject's user. */
export async function declarationOutcome(subject: AuthorizeSubject, declaration: AccessDeclaration): Promise<TestOutcome> {
  if (declaration.kind === 'public') return true;
  const user = subject.user;
  if (!user.isAuthenticated || !user.isActive) return notLoggedIn;
  switch (declaration.kind) {
    case 'staff':
      if (!user.isStaff) return { kind: 'forbidden', reason: 'not staff' };
      break;
    case 'permission': {
      const missing = await missingPermissions(subject, declaration.permissions);
      if (missing.length > 0) return { kind: 'forbidden', reason: `missing permission ${missing.join(', ')}` };
      break;
    }
    case 'critical': {
      // Both gates, so a stray staff flag or a stray grant alone never opens a critical route.
      if (!user.isStaff) return { kind: 'forbidden', reason: `critical route needs staff (and ${declaration.permissions.join(', ')})` };
      const missing = await missingPermissions(subject, declaration.permissions);
      if (missing.length > 0) return { kind: 'forbidden', reason: `missing permission ${missing.join(', ')}` };
      break;
    }
    case 'test':
      if (!(await declaration.test(user, subject.native))) return { kind: 'forbidden', reason: `failed test ${declaration.name}` };
      break;
    case 'authenticated':
    case 'object':
      break;
  }
  return recentAuthOutcome(subject, declaration.recentAuth);
}

/** The denial a verdict stands for (null: allowed). */
export function outcomeDenial(outcome: TestOutcome, user: AnyUser, options: Pick<AuthorizeOptions, 'name' | 'raiseException'>): Denial | null {
  if (outcome === true) return null;
  let denial: Denial;
  if (outcome === false) {
    const reason = `failed ${options.name ?? 'test'}`;
    denial = { kind: user.isAuthenticated ? 'forbidden' : 'login', reason: user.isAuthenticated ? reason : 'not logged in' };
  } else {
    denial = outcome;
  }
  if (denial.kind === 'login' && options.raiseException) denial = { kind: 'forbidden', reason: denial.reason };
  return denial;
}
