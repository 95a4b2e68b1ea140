/**
 * Guards: route middleware that decides access, and declares it. `access(declaration)` enforces
 * a declaration (`app.get('/invoices/', access(permission('billing.view_invoice')), handler)`);
 * Django's guards are built on the same primitive, `userPassesTest`, with the same names as the
 * Fastify adapter's: `loginRequired`, `permissionRequired`, `staffMemberRequired`,
 * `recentAuthRequired`. Each carries its declaration (guard-mark.ts), so the start-up check counts
 * the route as declared and the inventory lists it.
 *
 * A guard must be the route's first handler (or be mounted with `router.use(guard)` before the
 * routes it protects): then nothing of the app runs for a refused request. After letting a
 * request through, the first guard of the request reads the body and runs the CSRF check, so an
 * anonymous POST to a protected route is sent to log in rather than told its form expired, as on
 * Fastify; and a refused caller never makes the server parse its body.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Gatehouse } from '../core/gatehouse.js';
import { type AccessDeclaration, isAccessDeclaration, untypedAccess } from '../http/access.js';
import type { AuthorizeOptions, UserTest } from '../http/authorize.js';
import type { AuthExchange } from '../http/exchange.js';
import type { HttpResponse } from '../http/response.js';
import type { RegisteredPermission } from '../http/types.js';
import { type GuardMark, markGuard } from './guard-mark.js';
import { checkCsrfOnce } from './csrf-once.js';
import type { BodyRules } from './request-body.js';
import { type ExpressRequestState, stateOf } from './request-state.js';
import { sendHttpResponse } from './response-writer.js';

/** A guard: Express middleware carrying the declaration it enforces. */
export interface Guard extends RequestHandler {
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

/** Options of `access`. */
export interface AccessGuardOptions {
  /**
   * `false` exempts the route from CSRF checks (Django's `csrf_exempt`), for endpoints that
   * authenticate otherwise (signed webhooks); gatehouse then leaves the body unread. Listed in the
   * inventory.
   */
  csrf?: boolean;
}

/** Internal settings of a guard (the account views' own routes). */
export interface GuardSettings {
  /** How the route takes bodies (the account forms: 64 KiB, forms and JSON only). */
  body?: BodyRules;
  /** Leave the route out of the inventory (gatehouse's own 405 answers). */
  hidden?: boolean;
  /** Headers every answer of the route carries, denials and CSRF refusals included. */
  headers?: Readonly<Record<string, string>>;
}

/** Lets the request through (true) or answers it (false) once access and CSRF are settled. */
async function admit(
  req: Request,
  res: Response,
  decide: (exchange: AuthExchange) => Promise<HttpResponse | null>,
  mark: GuardMark,
  settings: GuardSettings,
): Promise<boolean> {
  const state = stateOf(req);
  for (const [name, value] of Object.entries(settings.headers ?? {})) res.setHeader(name, value);
  const denial = await decide(state.exchange);
  if (denial) {
    sendHttpResponse(res, denial);
    return false;
  }
  if (state.csrfChecked) return true;
  const refusal = await checkCsrfOnce(req, state, csrfExemptFor(state, mark), settings.body);
  if (refusal) {
    sendHttpResponse(res, refusal);
    return false;
  }
  return true;
}

function csrfExemptFor(state: ExpressRequestState, mark: GuardMark): boolean {
  // The route's exemption is on its own guard, which may come after a router-level one.
  return mark.csrfExempt || (state.resolved?.guards.some((g) => g.csrfExempt) ?? false);
}

/** Builds a guard from its declaration and how it decides. */
export function makeGuard(
  access: AccessDeclaration,
  decide: (exchange: AuthExchange) => Promise<HttpResponse | null>,
  declaredBy: GuardMark['declaredBy'],
  csrfExempt = false,
  settings: GuardSettings = {},
): Guard {
  const mark: GuardMark = { access, csrfExempt, hidden: settings.hidden ?? false, declaredBy };
  const guard = (req: Request, res: Response, next: NextFunction): void => {
    admit(req, res, decide, mark, settings).then((proceed) => {
      if (proceed) next();
    }, next);
  };
  return markGuard(guard, mark);
}

/** `access` with gatehouse's own settings (the account views' body rules, headers, hidden 405s). */
export function accessGuard(declaration: AccessDeclaration, options: AccessGuardOptions = {}, settings: GuardSettings = {}): Guard {
  if (!isAccessDeclaration(declaration)) {
    throw new TypeError('access() needs a declaration: publicAccess(), authenticated(), permission(...) and so on.');
  }
  return makeGuard(declaration, (exchange) => exchange.authorize(declaration), 'config', options.csrf === false, settings);
}

/**
 * The route's access declaration, enforced: `app.post('/payouts/:id/approve/',
 * access(critical('billing.approve_payout')), handler)`. Critical routes audit every decision.
 */
export function access(declaration: AccessDeclaration, options: AccessGuardOptions = {}): Guard {
  return accessGuard(declaration, options);
}

function authorizeOptions(options: GuardOptions): AuthorizeOptions {
  return {
    ...(options.raiseException !== undefined ? { raiseException: options.raiseException } : {}),
    ...(options.audit !== undefined ? { audit: options.audit } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  };
}

/**
 * Django's `user_passes_test`: lets the request through when `test(user, req)` passes. A plain
 * `false` sends anonymous users to log in and refuses logged-in ones with 403; a test may return
 * its own denial (`{ kind: 'reauth', reason }`).
 */
export function userPassesTest(test: UserTest, options: GuardOptions = {}): Guard {
  const name = options.name ?? 'userPassesTest';
  const declaration = untypedAccess.passesTest(name, async (user, native) => (await test(user, native)) === true);
  return makeGuard(declaration, (exchange) => exchange.authorize(declaration, { ...authorizeOptions({ ...options, name }), test }), 'guard');
}

function declaredGuard(declaration: AccessDeclaration, options: Pick<GuardOptions, 'raiseException'>): Guard {
  return makeGuard(declaration, (exchange) => exchange.authorize(declaration, authorizeOptions(options)), 'guard');
}

/** Django's `login_required`: any logged-in, active user. */
export function loginRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return declaredGuard(untypedAccess.authenticated(), options);
}

/** Django's `staff_member_required`: active staff (403, not a login loop, for other users). */
export function staffMemberRequired(options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  return declaredGuard(untypedAccess.staffOnly(), options);
}

/** Django's `permission_required(perm | perms, raise_exception=...)`: every listed permission. */
export function permissionRequired(perm: RegisteredPermission | readonly RegisteredPermission[], options: Pick<GuardOptions, 'raiseException'> = {}): Guard {
  const perms = typeof perm === 'string' ? [perm] : [...perm];
  return declaredGuard(untypedAccess.permissions(perms as [string, ...string[]]), options);
}

/** A password re-check within `maxAge` seconds (default `reauthMaxAge`); logged in implied. */
export function recentAuthRequired(maxAge?: number): Guard {
  return declaredGuard(untypedAccess.authenticated({ recentAuth: maxAge ?? true }), {});
}

/** The guards typed by a gatehouse's permission names. */
export interface TypedGuards<P extends string> {
  access: typeof access;
  loginRequired: typeof loginRequired;
  staffMemberRequired: typeof staffMemberRequired;
  userPassesTest: typeof userPassesTest;
  recentAuthRequired: typeof recentAuthRequired;
  permissionRequired(perm: P | readonly P[], options?: Pick<GuardOptions, 'raiseException'>): Guard;
}

/** `const { permissionRequired } = guardsFor(gatehouse)`: a misspelt permission fails `tsc`. */
export function guardsFor<P extends string>(_gatehouse: Gatehouse<P>): TypedGuards<P> {
  return {
    access,
    loginRequired,
    staffMemberRequired,
    userPassesTest,
    recentAuthRequired,
    permissionRequired: (perm, options) => permissionRequired(perm as RegisteredPermission | readonly RegisteredPermission[], options),
  };
}
