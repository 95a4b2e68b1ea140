/**
 * `createGatehouse` wires the core together: config, hashers, validators, stores, permissions,
 * roles, sessions, tokens and the audit log. Its type parameter is the app's permission-name
 * union, so every check is typed against the app's own declaration.
 */
import { Accounts } from './accounts.js';
import { ApiTokens } from './api-tokens.js';
import { AuditLog } from './audit.js';
import { type AuthBackend, type Credentials, ModelBackend, authenticateWith } from './authentication.js';
import { Authorization, type PermissionExplanation } from './authorization.js';
import { type Clock, type RandomSource, systemClock, systemRandom } from './clock.js';
import { type GatehouseConfig, type GatehouseConfigInput, resolveConfig } from './config.js';
import { Groups } from './groups.js';
import { hashersFromNames } from './hashers/index.js';
import { PasswordHashers } from './hashers/passwords.js';
import { type PasswordValidator, validatorsFromNames } from './password-validation.js';
import { type AppLabel, type AppsDeclaration, type PermissionName, permissionDefinitions } from './permissions.js';
import type { Mailer, Stores } from './ports.js';
import { type RoleApplyResult, type RolePlan, type RolesDeclaration, applyRoles, planRoles } from './roles.js';
import { REAUTH_AT, RESET_TOKEN, RESET_UID } from './session-keys.js';
import { type LoadedSession, type SessionMeta, SessionManager, SessionRevokedError } from './sessions.js';
import { PasswordResetTokens } from './tokens.js';
import { type AnyUser, type User, toUser, userRecord } from './user.js';
import { permissionNameOf } from './permission-name.js';

/** What `createGatehouse` takes. */
export interface GatehouseOptions<Apps extends AppsDeclaration> {
  /** Where everything is stored: `openDatabase(url).stores` from `gatehouse/db`, or your own. */
  stores: Stores;
  /** The apps and their permissions (`defineApps`). */
  apps?: Apps;
  /** Roles kept in code (`defineRoles`), applied by `setup()`. */
  roles?: RolesDeclaration<PermissionName<Apps>>;
  config?: GatehouseConfigInput;
  /** Authentication backends in order; `ModelBackend` when omitted. */
  backends?: (gatehouse: { stores: Stores; hashers: PasswordHashers }) => AuthBackend[];
  /** Replaces the validators named in config. */
  passwordValidators?: readonly PasswordValidator[];
  /**
   * Sends account notices from the core (the password-changed mail). Any `gatehouse/mail` mailer
   * fits. Without one, the Fastify plugin's `mailer` is adopted; with neither, nothing is sent.
   */
  mailer?: Mailer;
  clock?: Clock;
  random?: RandomSource;
}

/** Request metadata for login and the audit log. */
export interface LoginMeta extends SessionMeta {
  /** How the user proved who they are, for the audit log. */
  backend?: string;
  /**
   * The user has just typed their password: the new session records it (`reauthAt`), so routes
   * wanting a recent password check accept it. The HTTP layer's login sets this.
   */
  passwordChecked?: boolean;
}

/**
 * The assembled core. `P` is the app's permission-name union and `R` its role names; both are
 * `string` for an app that declares none.
 */
export class Gatehouse<P extends string = string, R extends string = string> {
  readonly config: GatehouseConfig;
  readonly stores: Stores;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly hashers: PasswordHashers;
  readonly passwordValidators: readonly PasswordValidator[];
  readonly authz: Authorization;
  readonly accounts: Accounts<P, R>;
  /** Ad-hoc group administration (create, delete, grant to and revoke from a group), audited. */
  readonly groups: Groups;
  readonly sessions: SessionManager;
  readonly audit: AuditLog;
  readonly resetTokens: PasswordResetTokens;
  /** Personal API tokens (bearer credentials), each never more than its user. */
  readonly apiTokens: ApiTokens;
  readonly backends: readonly AuthBackend[];
  /** Every permission name the app declares (with `auth`'s), sorted. */
  readonly permissionNames: readonly P[];
  /** True when no secret key was configured and a random one was made for this process. */
  readonly usesEphemeralSecret: boolean;
  private readonly apps: AppsDeclaration;
  private readonly roles: RolesDeclaration;

  constructor(options: GatehouseOptions<AppsDeclaration>) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    let config = resolveConfig(options.config);
    this.usesEphemeralSecret = config.secretKeys.length === 0;
    if (this.usesEphemeralSecret) {
      // Development only (production refuses to start without one): tokens die with the process.
      config = resolveConfig({ ...options.config, secretKey: Buffer.from(this.random.bytes(32)).toString('base64url') });
    }
    this.config = config;
    this.stores = options.stores;
    this.hashers = new PasswordHashers(hashersFromNames(config.passwordHashers, config.passwordHasherSettings), {
      random: this.random,
      maxPasswordLength: config.maxPasswordLength,
      maxConcurrentHashes: config.passwordHashConcurrency,
      maxQueuedHashes: config.passwordHashQueueLimit,
    });
    this.passwordValidators = options.passwordValidators ?? validatorsFromNames(config.passwordValidators);
    this.apps = options.apps ?? {};
    this.roles = options.roles ?? {};
    this.permissionNames = permissionDefinitions(this.apps)
      .map((d) => permissionNameOf(d) as P)
      .sort();
    this.authz = new Authorization(this.stores, config.permissionCache.size);
    this.audit = new AuditLog(this.stores.audit, this.clock);
    this.accounts = new Accounts(this.stores, this.hashers, this.passwordValidators, this.authz, this.audit, this.clock, {
      passwordContext: { words: siteWords(config, this.apps, this.roles) },
      confusableUsernameCheck: config.confusableUsernameCheck,
      mailer: options.mailer ?? null,
      siteName: config.siteName,
    });
    this.groups = new Groups(this.stores, this.audit);
    this.sessions = new SessionManager(this.stores, config.session, this.clock, this.random);
    this.apiTokens = new ApiTokens(this.stores, this.audit, this.authz, this.clock, this.random);
    this.resetTokens = new PasswordResetTokens({ secretKeys: config.secretKeys, timeoutSeconds: config.passwordResetTimeout, clock: this.clock });
    this.backends = options.backends ? options.backends({ stores: this.stores, hashers: this.hashers }) : [new ModelBackend(this.stores, this.hashers)];
  }

  /** Writes the declared permissions to the database (idempotent). */
  syncPermissions(): Promise<{ created: string[]; updated: string[] }> {
    return this.stores.permissions.sync(permissionDefinitions(this.apps));
  }

  /** Compares the declared roles with the database. */
  planRoles(): Promise<RolePlan> {
    return planRoles(this.stores, this.roles, this.permissionNames);
  }

  /** Makes the database's groups match the declared roles. */
  async applyRoles(options: { prune?: boolean } = {}): Promise<RoleApplyResult> {
    const result = await applyRoles(this.stores, this.roles, this.permissionNames, options);
    if (result.createdGroups.length + result.granted.length + result.revoked.length > 0) {
      await this.audit.record({ actor: null, action: 'roles.apply', target: null, data: { ...result } });
    }
    return result;
  }

  /** Syncs permissions, then applies roles: what `migrate` runs after the schema. */
  async setup(options: { prune?: boolean } = {}): Promise<{ permissions: { created: string[]; updated: string[] }; roles: RoleApplyResult }> {
    const permissions = await this.syncPermissions();
    const roles = await this.applyRoles(options);
    return { permissions, roles };
  }

  /** Tries the backends in order; the user, or null. Never says which part was wrong. */
  async authenticate(credentials: Credentials): Promise<User | null> {
    return (await authenticateWith(this.backends, credentials))?.user ?? null;
  }

  /**
   * Logs `user` in: a fresh session id (never reuse one that existed before login), the last
   * login time (which also invalidates outstanding reset tokens), and an audit entry.
   *
   * `user` must be the snapshot the credentials were verified against (what `authenticate`
   * returned), never a re-read: the session is created only if the row still has that
   * snapshot's auth epoch and password hash and is active, in the same statement. A password
   * change, reset or deactivation that committed while the password was being hashed thus wins:
   * the login throws `SessionRevokedError` (code `gatehouse.session.credentials_changed`) after
   * auditing `auth.login_failed`, having created and updated nothing. Answer it exactly as a
   * wrong password.
   */
  async login(user: User, current: LoadedSession | null, meta: LoginMeta = {}): Promise<LoadedSession> {
    let session: LoadedSession;
    try {
      // A password login is a password check (it counts for routes wanting recent
      // authentication), and a reset pending from before the login has no business in the
      // logged-in session: both in the write that creates the session, so it never exists
      // without them.
      const patch: Record<string, unknown> = { [RESET_UID]: undefined, [RESET_TOKEN]: undefined };
      if (meta.passwordChecked) patch[REAUTH_AT] = this.clock.now();
      session = await this.sessions.rotate(current, user, { meta: { ip: meta.ip ?? null, userAgent: meta.userAgent ?? null }, login: true, patch });
    } catch (error) {
      if (error instanceof SessionRevokedError) {
        await this.audit.record({
          actor: null,
          action: 'auth.login_failed',
          target: user.username,
          ip: meta.ip ?? null,
          data: { reason: 'credentials_changed', ...(meta.backend ? { backend: meta.backend } : {}) },
        });
      }
      throw error;
    }
    // Only once the session exists: a login that lost the race must not touch the row (the last
    // login time is part of what reset tokens sign). Not a re-read for the session's user either:
    // a revocation committing from here on deletes the session and the next request sees it.
    const touched = await this.accounts.touchLastLogin(user);
    session = { ...session, user: toUser({ ...userRecord(user), lastLogin: touched.lastLogin }) };
    await this.audit.record({
      actor: user.username,
      action: 'auth.login',
      target: user.username,
      ip: meta.ip ?? null,
      data: meta.backend ? { backend: meta.backend } : {},
    });
    return session;
  }

  /**
   * The user proved their password again (re-authentication, a password change): the session
   * continues under a new id, same end, with `reauthAt` now, in one write. Throws
   * `SessionRevokedError` when `user`'s row moved on since the snapshot.
   */
  async reauthenticated(current: LoadedSession | null, user: User, meta: SessionMeta = {}): Promise<LoadedSession> {
    return this.sessions.rotate(current, user, { meta, keepExpiry: true, patch: { [REAUTH_AT]: this.clock.now() } });
  }

  /** Ends the session and records it. */
  async logout(session: LoadedSession | null, meta: SessionMeta = {}): Promise<void> {
    if (!session) return;
    await this.sessions.end(session.id);
    if (session.user) await this.audit.record({ actor: session.user.username, action: 'auth.logout', target: session.user.username, ip: meta.ip ?? null });
  }

  /** Django's `has_perm`, typed against the app's permissions. */
  hasPerm(user: AnyUser, perm: P): Promise<boolean> {
    return this.authz.hasPerm(user, perm);
  }

  /** True when the user has every permission listed. */
  hasPerms(user: AnyUser, perms: readonly P[]): Promise<boolean> {
    return this.authz.hasPerms(user, perms);
  }

  /** True when the user has any permission in the app. */
  hasModulePerms(user: AnyUser, appLabel: AppLabelOf<P>): Promise<boolean> {
    return this.authz.hasModulePerms(user, appLabel);
  }

  /** Every permission the user has. */
  getAllPermissions(user: AnyUser): Promise<Set<string>> {
    return this.authz.getAllPermissions(user);
  }

  /** Which grant, group or flag gives `perm`, or what blocks it. */
  explainPerm(user: AnyUser, perm: P): Promise<PermissionExplanation> {
    return this.authz.explainPerm(user, perm);
  }
}

/**
 * The site's own words, which no password may be built from (NIST SP 800-63B-4 "context-specific
 * words"): the site name, `passwordContextWords`, every app label and every role name. An attacker
 * aiming at this site tries `Billing-Admin-2024!` before anything else.
 */
function siteWords(config: GatehouseConfig, apps: AppsDeclaration, roles: RolesDeclaration): string[] {
  const words = new Set<string>();
  if (config.siteName !== '') words.add(config.siteName);
  for (const word of config.passwordContextWords) words.add(word);
  for (const definition of permissionDefinitions(apps)) words.add(definition.appLabel);
  for (const role of Object.keys(roles)) words.add(role);
  return [...words];
}

/** The app label part of a permission name union. */
export type AppLabelOf<P extends string> = P extends `${infer L}.${string}` ? L : never;

/** Builds the core for an app. The result's checks are typed by the app's permission names. */
export function createGatehouse<
  const Apps extends AppsDeclaration = Record<never, never>,
  const Roles extends RolesDeclaration<PermissionName<Apps>> = RolesDeclaration<PermissionName<Apps>>,
>(options: GatehouseOptions<Apps> & { roles?: Roles }): Gatehouse<PermissionName<Apps>, RoleName<Roles>> {
  return new Gatehouse<PermissionName<Apps>, RoleName<Roles>>(options as GatehouseOptions<AppsDeclaration>);
}

/** The role names of a roles declaration: the literal keys, or `string` when they are not known. */
export type RoleName<Roles> = string extends keyof Roles ? string : keyof Roles & string;

export type { AppLabel };
