/** `gatehouse/express`: gatehouse for Express 5 — middleware, account views, guards, route check. */
import './types.js';

export { gatehouseExpress } from './gatehouse-express.js';
export type { GatehouseExpress, GatehouseExpressOptions } from './gatehouse-express.js';
export type { RequestLoginOptions } from './types.js';
export {
  access,
  userPassesTest,
  loginRequired,
  permissionRequired,
  staffMemberRequired,
  recentAuthRequired,
  guardsFor,
} from './guards.js';
export type { Guard, GuardOptions, AccessGuardOptions, TypedGuards } from './guards.js';
export { authorizeObject, ruleFilter } from './object-access.js';
export { loggedInUser } from './logged-in-user.js';
export {
  accessFor,
  publicAccess,
  authenticated,
  staffOnly,
  permission,
  permissions,
  critical,
  objectRule,
  passesTest,
  recentAuth,
  defineRule,
} from '../http/access.js';
export type { AccessDeclaration, AccessKind, AccessOptions, PublicAccessOptions, AccessBuilders, AccessTest, RecentAuth } from '../http/access.js';
export type { Denial, TestOutcome, UserTest } from '../http/authorize.js';
export type { ObjectRule, ObjectRuleSpec, RuleWhere, PermissionChecker } from '../http/rules.js';
export type { RouteAccessEntry } from '../http/inventory.js';
export type { AccountViewsOptions, GatehouseHttpOptions } from '../http/site.js';
export type { HttpLogger } from '../http/logger.js';
export type { SecurityHeaderOverrides } from '../http/security-headers.js';
export type { GatehouseTypes, RegisteredPermission } from '../http/types.js';
export type { BackgroundTasks } from '../http/tasks.js';
export { trustedProxies } from '../http/forwarded.js';
export type { ProxyTrust } from '../http/forwarded.js';
export { DEVELOPMENT_HOSTS } from '../http/allowed-hosts.js';
export { prefersJson } from '../http/negotiate.js';
export { isSafeRedirect, resolveSafeRedirect, safeRedirectOr } from '../core/redirects.js';
export type { SafeRedirectOptions } from '../core/redirects.js';
