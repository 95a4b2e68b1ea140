/**
 * How the route walk (route-walk.ts, route-resolve.ts) recognises gatehouse's guards among an
 * app's handlers: each guard function carries a mark with the declaration it enforces. A route
 * whose first handler carries one is declared; the mark also says whether the route opted out of
 * CSRF checks and whether it is one of gatehouse's own 405 answers (left out of the inventory).
 */
import type { AccessDeclaration } from '../http/access.js';

const kGuard = Symbol('gatehouse.express.guard');

/** What a guard declares. */
export interface GuardMark {
  readonly access: AccessDeclaration;
  /** The route takes unsafe methods without a CSRF token (`access(decl, { csrf: false })`). */
  readonly csrfExempt: boolean;
  /** One of gatehouse's own 405 routes: declared, but not listed. */
  readonly hidden: boolean;
  /** `access`: declared with `access(...)`; `guard`: by a guard such as `loginRequired()`. */
  readonly declaredBy: 'config' | 'guard';
}

/** Marks `fn` as a guard enforcing `mark.access`. */
export function markGuard<F extends object>(fn: F, mark: GuardMark): F & { readonly access: AccessDeclaration } {
  return Object.assign(fn, { access: mark.access, [kGuard]: Object.freeze({ ...mark }) });
}

/** The mark of `fn` when it is a gatehouse guard, else undefined. */
export function guardMark(fn: unknown): GuardMark | undefined {
  if (typeof fn !== 'function') return undefined;
  return (fn as { [kGuard]?: GuardMark })[kGuard];
}

const kOwn = Symbol('gatehouse.express.own');

/** Marks one of gatehouse's own handlers (the middleware, the not-found handler). */
export function markOwn<F extends object>(fn: F): F {
  return Object.assign(fn, { [kOwn]: true as const });
}

/** True for gatehouse's own handlers: they answer nothing an app handler would. */
export function isOwn(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [kOwn]?: boolean })[kOwn] === true;
}
