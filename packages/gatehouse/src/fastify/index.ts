/** `gatehouse/fastify`: the Fastify plugin, access classes, guards, object rules and views. */
export { gatehouseFastify } from './plugin.js';
export type { GatehouseFastifyOptions, AccountViewsOptions } from './plugin.js';
export { trustedProxies } from './proxy-trust.js';
export type { ProxyTrust } from './proxy-trust.js';
export { DEVELOPMENT_HOSTS } from './allowed-hosts.js';
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
} from './access.js';
export type { AccessDeclaration, AccessKind, AccessOptions, PublicAccessOptions, AccessBuilders, AccessTest, RecentAuth } from './access.js';
export {
  userPassesTest,
  loginRequired,
  permissionRequired,
  staffMemberRequired,
  recentAuthRequired,
  guardsFor,
} from './guards.js';
export type { Guard, GuardOptions, UserTest, TestOutcome, TypedGuards } from './guards.js';
export type { Denial } from './denials.js';
export { wantsJson } from './denials.js';
export { authorizeObject, ruleFilter } from './object-access.js';
export { checkCurrentPassword } from './login-attempts.js';
export type { PasswordCheckOutcome } from './login-attempts.js';
export type { ObjectRule, ObjectRuleSpec, RuleWhere, PermissionChecker } from './rules.js';
export type { RouteAccessEntry } from './inventory.js';
export type { Mailer, MailMessage, LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from './ports.js';
export type { GatehouseTypes, RegisteredPermission, RequestLoginOptions } from './types.js';
export type { BackgroundTasks } from './tasks.js';
export { isSafeRedirect, resolveSafeRedirect, safeRedirectOr } from '../core/redirects.js';
export type { SafeRedirectOptions } from '../core/redirects.js';
export { formBodyOptions, MAX_FORM_FIELDS, TooManyFieldsError } from './form-parser.js';
export type { PasswordResetRateLimits, RateLimiter, RateLimitDecision } from '../core/rate-limit.js';
