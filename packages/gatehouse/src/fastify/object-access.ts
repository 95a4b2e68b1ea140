/**
 * Object-level checks inside handlers: `authorizeObject(request, rule, order)` after loading the
 * object, `ruleFilter(request, rule)` for lists. A route declared `objectRule(rule)` must call
 * one of them before answering with success; the plugin refuses (500, logged) a success that
 * skipped the check, so forgetting it fails closed.
 */
import type { FastifyRequest } from 'fastify';
import { NotFoundError, PermissionDenied } from '../core/errors.js';
import { contextOf, stateOf } from './context.js';
import type { ObjectRule, PermissionChecker, RuleWhere } from './rules.js';

function checker<P extends string>(request: FastifyRequest): PermissionChecker<P> {
  return contextOf(request).gatehouse as unknown as PermissionChecker<P>;
}

/**
 * Returns `object` when `request.user` passes `rule` for it; otherwise throws `PermissionDenied`
 * (403, or the login redirect for anonymous users). A missing object (null/undefined) is a 404
 * only for users the rule lets see every object; everyone else gets the same 403 as for someone
 * else's object, so ids cannot be probed for existence.
 */
export async function authorizeObject<T, DB, TB extends keyof DB, P extends string>(
  request: FastifyRequest,
  rule: ObjectRule<T, DB, TB, P>,
  object: T | null | undefined,
): Promise<T> {
  stateOf(request).objectChecked = true;
  const gatehouse = checker<P>(request);
  if (object === null || object === undefined) {
    if (await rule.grantsAll(gatehouse, request.user)) throw new NotFoundError('object', 'Not found.');
    throw new PermissionDenied(`rule ${rule.name}: no such object`);
  }
  if (!(await rule.can(gatehouse, request.user, object))) throw new PermissionDenied(`rule ${rule.name} refused`);
  return object;
}

/** The where-clause limiting a list to what `request.user` may see under `rule`. */
export async function ruleFilter<T, DB, TB extends keyof DB, P extends string>(
  request: FastifyRequest,
  rule: ObjectRule<T, DB, TB, P>,
): Promise<RuleWhere<DB, TB>> {
  stateOf(request).objectChecked = true;
  return rule.filter(checker<P>(request), request.user);
}
