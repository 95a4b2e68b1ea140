/** `gatehouse/hono`: gatehouse for Hono (web-standard Request/Response): middleware, guards, object rules, account views. */
export { gatehouseHono, DEFAULT_BODY_LIMIT } from './plugin.js';
export type { GatehouseHonoOptions, GatehouseHono } from './plugin.js';
export type { GatehouseEnv, GatehouseVariables, AuthenticatedEnv, AuthenticatedVariables } from './types.js';
export type { ConnInfoReader } from './conn-info.js';
export type { HonoRoutes } from './app-routes.js';
export { access, userPassesTest, loginRequired, permissionRequired, staffMemberRequired, recentAuthRequired, guardsFor } from './guards.js';
export type { Guard, GuardOptions, AccessMiddlewareOptions, TypedGuards } from './guards.js';
export { login, logout, csrfToken, authorizeObject, ruleFilter } from './request-auth.js';
export { BodyTooLargeError, MalformedBodyError } from './body.js';
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
export { trustedProxies } from '../http/forwarded.js';
export type { ProxyTrust } from '../http/forwarded.js';
export { DEVELOPMENT_HOSTS } from '../http/allowed-hosts.js';
export type { AccountViewsOptions } from '../http/site.js';
export type { Denial, TestOutcome, UserTest } from '../http/authorize.js';
export { prefersJson } from '../http/negotiate.js';
export { checkCurrentPassword } from '../http/login-attempts.js';
export type { PasswordCheckOutcome } from '../http/login-attempts.js';
export type { ObjectRule, ObjectRuleSpec, RuleWhere, PermissionChecker } from '../http/rules.js';
export type { RouteAccessEntry } from '../http/inventory.js';
export type { HttpLogger } from '../http/logger.js';
export type { Mailer, MailMessage, LoginThrottle } from '../http/ports.js';
export type { GatehouseTypes, RegisteredPermission, LoginOptions } from '../http/types.js';
export { isSafeRedirect, resolveSafeRedirect, safeRedirectOr } from '../core/redirects.js';
export type { SafeRedirectOptions } from '../core/redirects.js';
export type { PasswordResetRateLimits } from '../core/rate-limit.js';
