/** `gatehouse/fastify`: the Fastify plugin, access classes, guards, object rules and views. */
import type { FastifyRequest } from 'fastify';
import { prefersJson } from '../http/negotiate.js';
import { exchangeOf } from './context.js';
import { FastifyHttpRequest } from './http-request.js';

export { gatehouseFastify } from './plugin.js';
export type { GatehouseFastifyOptions, AccountViewsOptions } from './plugin.js';
export { trustedProxies } from './proxy-trust.js';
export type { ProxyTrust } from './proxy-trust.js';
export { DEVELOPMENT_HOSTS } from '../http/allowed-hosts.js';
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
export {
  userPassesTest,
  loginRequired,
  permissionRequired,
  staffMemberRequired,
  recentAuthRequired,
  guardsFor,
} from './guards.js';
export type { Guard, GuardOptions, UserTest, TestOutcome, TypedGuards } from './guards.js';
export type { Denial } from '../http/authorize.js';
export { authorizeObject, ruleFilter } from './object-access.js';
export { checkCurrentPassword } from './login-attempts.js';
export type { PasswordCheckOutcome } from './login-attempts.js';
export type { ObjectRule, ObjectRuleSpec, RuleWhere, PermissionChecker } from '../http/rules.js';
export type { RouteAccessEntry } from '../http/inventory.js';
export type { Mailer, MailMessage, LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from '../http/ports.js';
export type { GatehouseTypes, RegisteredPermission, RequestLoginOptions } from './types.js';
export type { BackgroundTasks } from '../http/tasks.js';
export { isSafeRedirect, resolveSafeRedirect, safeRedirectOr } from '../core/redirects.js';
export type { SafeRedirectOptions } from '../core/redirects.js';
export { formBodyOptions, MAX_FORM_FIELDS, TooManyFieldsError } from './form-parser.js';
export type { PasswordResetRateLimits, RateLimiter, RateLimitDecision } from '../core/rate-limit.js';

/**
 * True when the client wants JSON rather than a page (the HTTP layer's `prefersJson`: an Accept
 * preferring JSON, `X-Requested-With: XMLHttpRequest`, or a browser fetch/XHR).
 */
export function wantsJson(request: FastifyRequest): boolean {
  return prefersJson(exchangeOf(request)?.request ?? new FastifyHttpRequest(request));
}
