/**
 * Object-level checks inside handlers, on the Fastify request: `authorizeObject(request, rule,
 * order)` after loading the object, `ruleFilter(request, rule)` for lists (the HTTP layer's
 * checks, on the request's exchange). A route declared `objectRule(rule)` must call one of them
 * before answering with success, or the plugin answers 500 instead.
 */
import type { FastifyRequest } from 'fastify';
import { authorizeObject as authorizeObjectOf, ruleFilter as ruleFilterOf } from '../http/object-access.js';
import type { ObjectRule, RuleWhere } from '../http/rules.js';
import { requireExchange } from './context.js';

/**
 * Returns `object` when `request.user` passes `rule` for it; otherwise throws `PermissionDenied`
 * (403, or the login redirect for anonymous users). A missing object is a 404 only for users the
 * rule lets see every object; everyone else gets the same 403, so ids cannot be probed.
 */
export function authorizeObject<T, DB, TB extends keyof DB, P extends string>(
  request: FastifyRequest,
  rule: ObjectRule<T, DB, TB, P>,
  object: T | null | undefined,
): Promise<T> {
  return authorizeObjectOf(requireExchange(request), rule, object);
}

/** The where-clause limiting a list to what `request.user` may see under `rule`. */
export function ruleFilter<T, DB, TB extends keyof DB, P extends string>(request: FastifyRequest, rule: ObjectRule<T, DB, TB, P>): Promise<RuleWhere<DB, TB>> {
  return ruleFilterOf(requireExchange(request), rule);
}
