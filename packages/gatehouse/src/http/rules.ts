/**
 * Object-level rules ("users see their own orders; holders of shop.view_all_orders see all").
 * One definition gives both the check for a single loaded object and the where-clause for lists,
 * so the detail page and the list page cannot drift apart: a test can run both over the same
 * rows and compare (see test/fastify/rules.test.ts).
 *
 * The shape keeps the two halves provably equal: a rule is "any of these permissions grants every
 * object, otherwise the per-object predicate decides", and the predicate is written twice, once
 * in memory (`check`) and once in SQL (`where`). Anonymous and inactive users pass neither.
 * Nothing here imports a web framework; only Kysely's types and its `sql` tag.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { AnyUser, User } from '../core/user.js';

/** The part of a gatehouse a rule needs. */
export interface PermissionChecker<P extends string> {
  hasPerm(user: AnyUser, perm: P): Promise<boolean>;
}

/** What `defineRule` takes. */
export interface ObjectRuleSpec<T, DB, TB extends keyof DB, P extends string> {
  /** Names the rule in logs, the audit log and the route inventory, e.g. `shop.order.view`. */
  name: string;
  /** Holders of any of these pass for every object, and their lists are not filtered. */
  grantedBy?: readonly P[];
  /** The per-object predicate, in memory. Only called for active, logged-in users. */
  check(user: User, object: T): boolean | Promise<boolean>;
  /** The same predicate as a where-clause over `TB`. Only called for active, logged-in users. */
  where(user: User, eb: ExpressionBuilder<DB, TB>): Expression<SqlBool>;
}

/** A where-clause factory, as Kysely's `.where(...)` takes it. */
export type RuleWhere<DB, TB extends keyof DB> = (eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>;

/** A defined rule. */
export interface ObjectRule<T, DB = unknown, TB extends keyof DB = keyof DB, P extends string = string> {
  readonly name: string;
  readonly grantedBy: readonly P[];
  /** Whether `user` may act on `object`. */
  can(gatehouse: PermissionChecker<P>, user: AnyUser, object: T): Promise<boolean>;
  /** Whether `user` passes for every object (holds one of `grantedBy`). */
  grantsAll(gatehouse: PermissionChecker<P>, user: AnyUser): Promise<boolean>;
  /** The where-clause selecting exactly the rows `can` accepts: `.where(await rule.filter(gh, user))`. */
  filter(gatehouse: PermissionChecker<P>, user: AnyUser): Promise<RuleWhere<DB, TB>>;
}

/** A rule whose object and table types are not known here (the plugin only reads its name). */
// biome-ignore lint/suspicious/noExplicitAny: erased on purpose, so any rule can be declared on a route
export type AnyObjectRule = ObjectRule<any, any, any, any>;

const matchesNothing = (): Expression<SqlBool> => sql<SqlBool>`1 = 0`;
const matchesEverything = (): Expression<SqlBool> => sql<SqlBool>`1 = 1`;

function isActiveUser(user: AnyUser): user is User {
  return user.isAuthenticated && user.isActive;
}

/** Defines an object-level rule; see the module comment. */
export function defineRule<T, DB = unknown, TB extends keyof DB = keyof DB, P extends string = string>(
  spec: ObjectRuleSpec<T, DB, TB, P>,
): ObjectRule<T, DB, TB, P> {
  const grantedBy = Object.freeze([...(spec.grantedBy ?? [])]);
  const grantsAll = async (gatehouse: PermissionChecker<P>, user: AnyUser): Promise<boolean> => {
    if (!isActiveUser(user)) return false;
    for (const perm of grantedBy) if (await gatehouse.hasPerm(user, perm)) return true;
    return false;
  };
  return Object.freeze({
    name: spec.name,
    grantedBy,
    grantsAll,
    async can(gatehouse: PermissionChecker<P>, user: AnyUser, object: T): Promise<boolean> {
      if (!isActiveUser(user)) return false;
      if (await grantsAll(gatehouse, user)) return true;
      return (await spec.check(user, object)) === true;
    },
    async filter(gatehouse: PermissionChecker<P>, user: AnyUser): Promise<RuleWhere<DB, TB>> {
      if (!isActiveUser(user)) return matchesNothing;
      if (await grantsAll(gatehouse, user)) return matchesEverything;
      return (eb) => spec.where(user, eb);
    },
  });
}
