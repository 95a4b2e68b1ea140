/**
 * Object-level checks inside handlers: `authorizeObject(exchange, rule, order)` after loading the
 * object, `ruleFilter(exchange, rule)` for lists. A route declared `objectRule(rule)` must call
 * one of them before answering with success; `finish` refuses (500, logged) a success that
 * skipped the check, so forgetting it fails closed. Adapters expose both on their own request.
 */
import { NotFoundError, PermissionDenied } from '../core/errors.js';
import type { AnyUser } from '../core/user.js';
import type { ObjectRule, PermissionChecker, RuleWhere } from './rules.js';
import type { HttpSite } from './site.js';

/** What the object checks need of the exchange. */
export interface ObjectAccessSubject {
  readonly site: HttpSite;
  readonly user: AnyUser;
  markObjectChecked(): void;
}

function checker<P extends string>(subject: ObjectAccessSubject): PermissionChecker<P> {
  return subject.site.gatehouse as unknown as PermissionChecker<P>;
}

/**
 * Returns `object` when the user passes `rule` for it; otherwise throws `PermissionDenied` (403,
 * or the login redirect for anonymous users). A missing object (null/undefined) is a 404 only
 * for users the rule lets see every object; everyone else gets the same 403 as for someone
 * else's object, so ids cannot be probed for existence.
 */
export async function authorizeObject<T, DB, TB extends keyof DB, P extends string>(
  exchange: ObjectAccessSubject,
  rule: ObjectRule<T, DB, TB, P>,
  object: T | null | undefined,
): Promise<T> {
  exchange.markObjectChecked();
  const gatehouse = checker<P>(exchange);
  if (object === null || object === undefined) {
    if (await rule.grantsAll(gatehouse, exchange.user)) throw new NotFoundError('object', 'Not found.');
    throw new PermissionDenied(`rule ${rule.name}: no such object`);
  }
  if (!(await rule.can(gatehouse, exchange.user, object))) throw new PermissionDenied(`rule ${rule.name} refused`);
  return object;
}

/** The where-clause limiting a list to what the user may see under `rule`. */
export async function ruleFilter<T, DB, TB extends keyof DB, P extends string>(
  exchange: ObjectAccessSubject,
  rule: ObjectRule<T, DB, TB, P>,
): Promise<RuleWhere<DB, TB>> {
  exchange.markObjectChecked();
  return rule.filter(checker<P>(exchange), exchange.user);
}
