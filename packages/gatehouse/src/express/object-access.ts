/**
 * Object-level checks on an Express request: `await authorizeObject(req, rule, order)` after
 * loading the object, `await ruleFilter(req, rule)` for lists. A route declared
 * `access(objectRule(rule))` must call one of them before answering with success; otherwise its
 * answer is replaced by a 500 (logged), so forgetting the check fails closed. A refusal throws
 * `PermissionDenied` (or `NotFoundError`), which Express 5 hands to `gh.errorHandler` from an
 * async handler: the login redirect, 403 or 404.
 */
import type { Request } from 'express';
import { authorizeObject as authorizeExchangeObject, ruleFilter as exchangeRuleFilter } from '../http/object-access.js';
import type { ObjectRule, RuleWhere } from '../http/rules.js';
import { stateOf } from './request-state.js';

/** Returns `object` when `req.user` passes `rule` for it; otherwise throws (403, login, or 404). */
export function authorizeObject<T, DB, TB extends keyof DB, P extends string>(
  req: Request,
  rule: ObjectRule<T, DB, TB, P>,
  object: T | null | undefined,
): Promise<T> {
  return authorizeExchangeObject(stateOf(req).exchange, rule, object);
}

/** The where-clause limiting a list to what `req.user` may see under `rule`. */
export function ruleFilter<T, DB, TB extends keyof DB, P extends string>(req: Request, rule: ObjectRule<T, DB, TB, P>): Promise<RuleWhere<DB, TB>> {
  return exchangeRuleFilter(stateOf(req).exchange, rule);
}
