/** `gatehouse`: the framework-free core. */
export { createGatehouse, Gatehouse } from './gatehouse.js';
export type { GatehouseOptions, LoginMeta, AppLabelOf, RoleName } from './gatehouse.js';
export { resolveConfig, defaults, legacyHasherNames } from './config.js';
export type { GatehouseConfig, GatehouseConfigInput, SessionConfig, PermissionCacheConfig, CsrfConfig, ThrottleConfig } from './config.js';
export type { PasswordResetLimitsConfig } from './config.js';
export { GatehouseError, BusyError, StaleUserError, ConfigError, DuplicateError, NotFoundError, ValidationError, PermissionDenied } from './errors.js';
export { anonymousUser, toUser, userRecord, publicUser, normalizeUsername, normalizeEmail, fullName } from './user.js';
export type { User, AnonymousUser, AnyUser, UserRecord, PublicUser } from './user.js';
export { systemClock, systemRandom, ManualClock, randomString } from './clock.js';
export type { Clock, RandomSource } from './clock.js';
export { defineApps, permissionDefinitions, authApp } from './permissions.js';
export type { PermissionName, AppLabel, AppsDeclaration, AppDeclaration, ModelDeclaration, DefaultAction } from './permissions.js';
export { defineRoles, planRoles, applyRoles, formatRolePlan, ALL_PERMISSIONS } from './roles.js';
export type { RolesDeclaration, RolePlan, RoleDrift, RoleApplyResult } from './roles.js';
export { Authorization } from './authorization.js';
export type { PermissionCacheStats, PermissionSet, PermissionExplanation } from './authorization.js';
export type { AuthzVersions } from './authz-versions.js';
export { ModelBackend, authenticateWith } from './authentication.js';
export type { AuthBackend, Credentials, Authenticated } from './authentication.js';
export { Accounts, cleanUsername, cleanEmail } from './accounts.js';
export { Groups, cleanGroupName } from './groups.js';
export type { CreateUserInput, Actor, AccountsOptions, SetPasswordOptions } from './accounts.js';
export { confusableSkeleton, usernameSkeleton } from './skeleton.js';
export { SessionManager, hashSessionId, SessionRevokedError } from './sessions.js';
export type { LoadedSession, SessionMeta, RotateOptions } from './sessions.js';
export { AuditLog, auditEntryHash, canonicalJson } from './audit.js';
export type { AuditInput, AuditVerification } from './audit.js';
export { PasswordResetTokens, uidToBase64, uidFromBase64 } from './tokens.js';
export type { PasswordResetTokensOptions } from './tokens.js';
export {
  PasswordHashers,
  Argon2Hasher,
  ScryptHasher,
  Pbkdf2Sha256Hasher,
  Pbkdf2Sha1Hasher,
  BcryptHasher,
  BcryptSha256Hasher,
  Md5Hasher,
  Sha1Hasher,
  UnsaltedMd5Hasher,
  UnsaltedSha1Hasher,
  defaultHashers,
  hashersFromNames,
  isPasswordUsable,
  identifyAlgorithm,
} from './hashers/index.js';
export type { PasswordHasher, PasswordCheck } from './hashers/index.js';
export {
  validatePassword,
  assertValidPassword,
  defaultPasswordValidators,
  validatorsFromNames,
  MinimumLengthValidator,
  UserAttributeSimilarityValidator,
  CommonPasswordValidator,
  NumericPasswordValidator,
  ContextWordsValidator,
  PasswordStrengthValidator,
  contextWordsFor,
  DEFAULT_MIN_PASSWORD_LENGTH,
  DEFAULT_MIN_GUESSES_LOG10,
  DEFAULT_STRENGTH_ANALYSED_LENGTH,
} from './password-validation.js';
export type {
  PasswordValidator,
  PasswordProblem,
  PasswordValidatorSpec,
  PasswordContext,
  ContextWordsOptions,
  PasswordStrengthOptions,
} from './password-validation.js';
export type {
  Stores,
  UserStore,
  PermissionStore,
  GroupStore,
  SessionStore,
  SessionGuard,
  AuditStore,
  SessionRecord,
  AuditEntry,
  AuditEvent,
  PermissionRecord,
  PermissionDefinition,
  GroupRecord,
  NewUserRecord,
  UserPatch,
  UserPermissionRows,
  Mailer as CoreMailer,
  OutgoingMail,
} from './ports.js';
export { throttleKeys, normalizeThrottleUsername, addressBucket, throttleDecision } from './throttle.js';
export type { LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleKeyOptions, ThrottleAdmission, ThrottleReservation } from './throttle.js';
export { CounterLoginThrottle } from './counter-throttle.js';
export type { ClosableLoginThrottle, CounterStore, CounterState } from './counter-throttle.js';
export { createMemoryLoginThrottle } from './memory-throttle.js';
export { CounterRateLimiter } from './counter-rate-limiter.js';
export { createMemoryRateLimits } from './memory-rate-limits.js';
export { isSafeRedirect, resolveSafeRedirect, safeRedirectOr, MAX_REDIRECT_LENGTH } from './redirects.js';
export type { SafeRedirectOptions } from './redirects.js';
export { rateLimitKey } from './rate-limit.js';
export type { RateLimiter, RateLimitDecision, PasswordResetRateLimits } from './rate-limit.js';
export { isStorableText, isStorableEmailText, storableText } from './text.js';
export { defineGatehouseApp } from './app-definition.js';
export type { GatehouseApp, GatehouseAppInput, RouteInventoryEntry, RouteInventorySource } from './app-definition.js';
