/**
 * `gatehouse/http`: the HTTP layer every adapter (Fastify, Express, Hono) translates to and from.
 * It imports no framework: a request is an `HttpRequest`, an answer an `HttpResponse`, and one
 * `AuthExchange` per request carries the session, the guard, the CSRF check and the response's
 * cookies and headers.
 */
export type { HttpRequest } from './request.js';
export { requestPath, queryParam, parseCookieHeader } from './request.js';
export type { HttpResponse } from './response.js';
export { htmlResponse, jsonResponse, redirectResponse, textResponse, withHeaders } from './response.js';
export type { CookieSpec } from './cookies.js';
export { cookieSpecs, prefixedCookieName, serializeCookie } from './cookies.js';
export type { HttpLogger } from './logger.js';
export { consoleLogger } from './logger.js';
export { createHttpSite, accountUrls, normalisePrefix, recodeConfigError } from './site.js';
export type { GatehouseHttpOptions, AccountViewsOptions, AccountUrls, HttpSite, HttpSiteSettings } from './site.js';
export { AuthExchange, originResponse, finishWithoutExchange, unsettledReason } from './exchange.js';
export type { ExchangeHooks, DenyOptions } from './exchange.js';
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
  untypedAccess,
  declaredPermissions,
  isAccessDeclaration,
} from './access.js';
export type {
  AccessDeclaration,
  AccessKind,
  AccessOptions,
  PublicAccessOptions,
  AccessBuilders,
  AccessTest,
  RecentAuth,
  RestrictedDeclaration,
  PublicDeclaration,
} from './access.js';
export type { ObjectRule, ObjectRuleSpec, RuleWhere, PermissionChecker, AnyObjectRule } from './rules.js';
export type { Denial, TestOutcome, UserTest, AuthorizeOptions } from './authorize.js';
export { declarationOutcome, outcomeDenial } from './authorize.js';
export { withNext, routeLabel, denialLogFields } from './denials.js';
export type { DenialLogFields } from './denials.js';
export { prefersJson, acceptPrefersJson, acceptsHtml } from './negotiate.js';
export { isSafeMethod, csrfFailure } from './csrf.js';
export type { CsrfFailure } from './csrf.js';
export { DEVELOPMENT_HOSTS, compileAllowedHosts, parseHost, hostMatches } from './allowed-hosts.js';
export type { HostPattern, ParsedHost } from './allowed-hosts.js';
export { requestOrigin, requestProtocol, requestHost, originProblem } from './origin.js';
export { trustedProxies, resolveForwarded, compileTrust, isProxyAddress } from './forwarded.js';
export type { ProxyTrust, ForwardedView } from './forwarded.js';
export { normaliseClientAddress } from './client-address.js';
export { securityHeaders } from './security-headers.js';
export type { SecurityHeaderOverrides } from './security-headers.js';
export { Templates } from './templates.js';
export { baseContext } from './render.js';
export type { BaseTemplateContext } from './render.js';
export { field, safeNext, redirectPolicy } from './forms.js';
export { parseFormBody, MAX_FORM_FIELDS, TooManyFieldsError, FormBodyTooLargeError } from './form-body.js';
export type { FormBodyLimits } from './form-body.js';
export { checkCurrentPassword, throttledAttempt, TOO_MANY_ATTEMPTS } from './login-attempts.js';
export type { PasswordCheckOutcome, AttemptOutcome } from './login-attempts.js';
export { BackgroundTasks, DEFAULT_MAX_PENDING_TASKS } from './tasks.js';
export { authorizeObject, ruleFilter } from './object-access.js';
export type { ObjectAccessSubject } from './object-access.js';
export { RouteInventory, routeAccessEntry, matchesRoutePattern } from './inventory.js';
export type { RouteAccessEntry, InventoryRoute } from './inventory.js';
export {
  accountRoutes,
  methodNotAllowed,
  allowHeader,
  disallowedMethods,
  stylesheetResponse,
  ACCOUNT_FORM_BODY_LIMIT,
  ACCOUNT_PROBED_METHODS,
} from './account-routes.js';
export type { AccountRoute, AccountMethod, AccountHandler } from './account-routes.js';
export { errorResponse, errorPage, notFoundResponse, HttpClientError } from './errors.js';
export { invalidResetLinkPage, badUrlResponse, isResetUrl } from './bad-url.js';
export type { GatehouseTypes, RegisteredPermission, LoginOptions } from './types.js';
export type { Mailer, MailMessage, LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from './ports.js';
export { REAUTH_AT, RESET_UID, RESET_TOKEN } from '../core/session-keys.js';
