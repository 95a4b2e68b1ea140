/**
 * Account operations: creating users, changing passwords, flags, email and memberships. Every
 * change that lowers what a user may do, or that a stolen session should not survive (password,
 * deactivation, leaving a role, losing staff or superuser), bumps the auth epoch, which ends the
 * user's other sessions at once on every instance.
 */
import type { Authorization } from './authorization.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { NotFoundError, StaleUserError, ValidationError } from './errors.js';
import type { PasswordHashers } from './hashers/passwords.js';
import type { PasswordContext, PasswordValidator } from './password-validation.js';
import { validatePassword } from './password-validation.js';
import type { Mailer, NewUserRecord, Stores } from './ports.js';
import { usernameSkeleton } from './skeleton.js';
import { isStorableEmailText, isStorableText } from './text.js';
import { type User, normalizeEmail, normalizeUsername } from './user.js';

/** What `createUser` takes. A missing password makes an unusable one, as in Django. */
export interface CreateUserInput {
  username: string;
  password?: string | null;
  email?: string;
  firstName?: string;
  lastName?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  /** Run the password validators first (Django's `create_user` does not; forms and the CLI do). */
  validatePassword?: boolean;
}

/** Options of `Accounts.setPassword`. */
export interface SetPasswordOptions extends Actor {
  /** Run the password validators first. */
  validate?: boolean;
  /** The audit action (`auth.password_change`, `auth.password_reset`...). */
  reason?: string;
  /**
   * Write only if the user's auth epoch is still the one of the `user` snapshot given (a
   * compare-and-set), else throw `StaleUserError` and change nothing: for changes verified
   * against that snapshot (the old password, a reset link), so that of two racing ones exactly
   * one lands and a reset link works once.
   */
  ifUnchanged?: boolean;
}

/** Who did something, for the audit log. */
export interface Actor {
  actor?: string | null;
  ip?: string | null;
}

// Django's username rule: letters, digits and @ . + - _ (Unicode letters included).
const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u;
const EMAIL = /^[^\s@]+@[^\s@]+$/u;

/** Checks and normalises a username; throws `ValidationError` with a code. */
export function cleanUsername(raw: string): string {
  // Before normalising: a NUL or lone surrogate would make the store fail (PostgreSQL) or change it.
  if (!isStorableText(raw)) throw new ValidationError([{ code: 'username_invalid', message: 'Usernames may contain only letters, digits and @ . + - _.' }]);
  const username = normalizeUsername(raw);
  if (username.length === 0) throw new ValidationError([{ code: 'username_required', message: 'A username is required.' }]);
  if (username.length > 150) throw new ValidationError([{ code: 'username_too_long', message: 'Usernames are at most 150 characters.' }]);
  if (!USERNAME.test(username)) {
    throw new ValidationError([{ code: 'username_invalid', message: 'Usernames may contain only letters, digits and @ . + - _.' }]);
  }
  return username;
}

/** Checks and normalises an email (empty is allowed); throws `ValidationError` with a code. */
export function cleanEmail(raw: string): string {
  // Control characters (CR/LF could split a mail header), NUL and lone surrogates are never valid.
  if (!isStorableEmailText(raw))
    throw new ValidationError([{ code: 'email_invalid', message: 'Enter a valid email address: emails with control characters are invalid.' }]);
  const email = normalizeEmail(raw);
  if (email === '') return '';
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new ValidationError([{ code: 'email_invalid', message: 'Enter a valid email address.' }]);
  }
  return email;
}

/** What `Accounts` takes beyond its collaborators; `createGatehouse` fills it from config. */
export interface AccountsOptions {
  /** The site's words validators compare passwords with (site name, app labels, role names...). */
  passwordContext?: PasswordContext;
  /** Refuse new usernames whose confusable skeleton is taken. Default true. */
  confusableUsernameCheck?: boolean;
  /** Sends the password-changed notice; none is sent without it. */
  mailer?: Mailer | null;
  /** Named in the notice. */
  siteName?: string;
  /** Where a notice that could not be sent is reported; `console.error` by default. */
  reportError?: (message: string, error: unknown) => void;
}

const PASSWORD_CHANGE_HOW: Readonly<Record<string, string>> = {
  'auth.password_change': 'with the password change form',
  'auth.password_reset': 'through a password reset link',
};

/** Account operations over the stores. */
/**
 * `P` is the app's permission-name union and `R` its role names (from `defineRoles`), so a
 * misspelt permission or role does not compile; both are `string` where nothing was declared.
 * Ad-hoc groups that no role declares are joined through `gatehouse.groups.addMember`.
 */
export class Accounts<P extends string = string, R extends string = string> {
  private mailer: Mailer | null;
  private siteName: string;
  private passwordContext: PasswordContext;
  private readonly confusableUsernameCheck: boolean;
  private readonly reportError: (message: string, error: unknown) => void;

  constructor(
    private readonly stores: Stores,
    private readonly hashers: PasswordHashers,
    private readonly validators: readonly PasswordValidator[],
    private readonly authz: Authorization,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    options: AccountsOptions = {},
  ) {
    this.mailer = options.mailer ?? null;
    this.siteName = options.siteName ?? '';
    this.passwordContext = { words: Object.freeze([...(options.passwordContext?.words ?? [])]) };
    this.confusableUsernameCheck = options.confusableUsernameCheck ?? true;
    this.reportError = options.reportError ?? ((message, error) => console.error(`gatehouse: ${message}`, error));
  }

  /** The site's words the validators compare passwords with. */
  get contextWords(): readonly string[] {
    return this.passwordContext.words ?? [];
  }

  /**
   * Takes a mailer (and a site name) from an adapter when `createGatehouse` was given none, so an
   * app that hands its mailer only to the Fastify plugin still gets password-changed notices.
   * Returns whether the mailer was taken. Called once at start-up, before any request.
   */
  adoptMailer(mailer: Mailer | null | undefined, siteName?: string): boolean {
    if (siteName && this.siteName === '') {
      this.siteName = siteName;
      this.passwordContext = { words: Object.freeze([...this.contextWords, siteName]) };
    }
    if (this.mailer !== null || !mailer) return false;
    this.mailer = mailer;
    return true;
  }

  /** Creates a user. Throws `DuplicateError` on a taken username or email, `ValidationError` on bad input. */
  async createUser(input: CreateUserInput, by: Actor = {}): Promise<User> {
    const username = cleanUsername(input.username);
    const email = cleanEmail(input.email ?? '');
    const password = input.password ?? null;
    if (password !== null && input.validatePassword)
      this.assertValid(password, { username, email, firstName: input.firstName ?? '', lastName: input.lastName ?? '' });
    if (this.confusableUsernameCheck) await this.assertNotConfusable(username);
    const record: NewUserRecord = {
      username,
      email,
      password: password === null ? this.hashers.makeUnusablePassword() : await this.hashers.makePassword(password),
      firstName: (input.firstName ?? '').slice(0, 150),
      lastName: (input.lastName ?? '').slice(0, 150),
      isActive: input.isActive ?? true,
      isStaff: input.isStaff ?? false,
      isSuperuser: input.isSuperuser ?? false,
      dateJoined: this.clock.now(),
      lastLogin: null,
    };
    const user = await this.stores.users.create(record);
    await this.audit.record({
      actor: by.actor ?? null,
      action: 'user.create',
      target: user.username,
      ip: by.ip ?? null,
      data: { isStaff: user.isStaff, isSuperuser: user.isSuperuser },
    });
    return user;
  }

  /**
   * Refuses a username that looks like an existing account's (UTS #39 skeletons, see skeleton.ts):
   * one indexed lookup. An exact duplicate is left to the unique index (`DuplicateError`), so
   * existing callers keep their answer for it. The message names no other account.
   */
  private async assertNotConfusable(username: string): Promise<void> {
    if (!(await this.stores.users.skeletonTaken(usernameSkeleton(username)))) return;
    if (await this.stores.users.getByUsername(username)) return;
    throw new ValidationError([{ code: 'username_confusable', message: 'This username looks too much like an existing one. Choose another.' }]);
  }

  /** Creates a user with staff and superuser set, as Django's `create_superuser`. */
  createSuperuser(input: Omit<CreateUserInput, 'isStaff' | 'isSuperuser'>, by: Actor = {}): Promise<User> {
    return this.createUser({ ...input, isStaff: true, isSuperuser: true }, by);
  }

  /** The validators' problems with a password (empty when it is acceptable). */
  passwordProblems(password: string, user?: Partial<Pick<User, 'username' | 'email' | 'firstName' | 'lastName'>>): { code: string; message: string }[] {
    // The site's own words go with every check, so forms, API and CLI all refuse them alike.
    return validatePassword(password, user, this.validators, this.passwordContext);
  }

  private assertValid(password: string, user: Partial<Pick<User, 'username' | 'email' | 'firstName' | 'lastName'>>): void {
    const problems = this.passwordProblems(password, user);
    if (problems.length > 0) throw new ValidationError(problems);
  }

  /** Reloads a user or throws `NotFoundError`. */
  async require(userId: number): Promise<User> {
    const user = await this.stores.users.getById(userId);
    if (!user) throw new NotFoundError('user', `No user with id ${userId}.`);
    return user;
  }

  /**
   * Checks a user's password (Django's `user.check_password`), upgrading the stored hash when
   * the preferred hasher or its cost changed. The upgrade is a compare-and-swap, so it cannot
   * overwrite a password changed meanwhile.
   */
  async checkPassword(user: User, password: string): Promise<boolean> {
    const result = await this.hashers.checkPassword(password, user.password);
    if (result.valid && result.needsUpgrade) {
      await this.stores.users.replacePassword(user.id, user.password, await this.hashers.makePassword(password));
    }
    return result.valid;
  }

  /**
   * Sets a new password and ends every session of the user (the caller rotates the current one
   * if it should survive). `validate` runs the validators first.
   */
  async setPassword(user: User, password: string | null, options: SetPasswordOptions = {}): Promise<User> {
    if (password !== null && options.validate) this.assertValid(password, user);
    const encoded = password === null ? this.hashers.makeUnusablePassword() : await this.hashers.makePassword(password);
    // Audit entries are written after the transaction: an append takes its own lock, and on
    // SQLite's single connection it would wait forever for the transaction holding it.
    const result = await this.stores.transaction(async (tx) => {
      if (options.ifUnchanged) {
        // First, so the row lock is taken before anything is written: a second change verified
        // against the same state waits here, then finds the epoch moved on and writes nothing.
        if (!(await tx.users.bumpAuthEpochIf(user.id, user.authEpoch))) throw new StaleUserError();
      } else {
        await tx.users.bumpAuthEpoch(user.id);
      }
      await tx.users.update(user.id, { password: encoded });
      await tx.sessions.deleteByUser(user.id);
      // A reset, an unusable password, or a password set by someone else (an operator with the
      // CLI, staff in the admin) is how an account is taken back: API tokens made by whoever held
      // it end too. A change by the logged-in owner keeps them (they list and revoke tokens
      // themselves).
      const byOwner = options.actor === undefined || options.actor === user.username;
      const takenBack = options.reason === 'auth.password_reset' || password === null || !byOwner;
      const tokensEnded = takenBack ? await tx.apiTokens.deleteByUser(user.id) : 0;
      return { user: (await tx.users.getById(user.id))!, tokensEnded };
    });
    const action = options.reason ?? (password === null ? 'auth.password_unusable' : 'auth.password_set');
    await this.audit.record({
      actor: options.actor ?? user.username,
      action,
      target: user.username,
      ip: options.ip ?? null,
      ...(result.tokensEnded > 0 ? { data: { apiTokensRevoked: result.tokensEnded } } : {}),
    });
    const updated = result.user;
    if (password !== null) await this.notifyPasswordChanged(updated, action);
    return updated;
  }

  /**
   * Mails the account's address that its password changed (never the password), so a takeover
   * by someone who knew the old password or held a session does not go unnoticed. Awaited, so the
   * notice is handed on before the change is reported done, but a failure is only reported: the
   * change has already happened and must not be undone or fail for want of a mail server.
   */
  private async notifyPasswordChanged(user: User, action: string): Promise<void> {
    if (this.mailer === null || user.email === '') return;
    const site = this.siteName || 'gatehouse';
    const when = new Date(this.clock.now())
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
    const how = PASSWORD_CHANGE_HOW[action] ?? 'by an administrator';
    const text = [
      `Hello ${user.username},`,
      '',
      `The password of your account "${user.username}" on ${site} was changed ${how} at ${when}.`,
      '',
      'If you made this change, there is nothing to do.',
      'If this was not you, reset your password now with "Forgotten your password?" on the login page,',
      'and contact support: someone else may have had access to your account.',
      '',
      `— ${site}`,
      '',
    ].join('\n');
    try {
      await this.mailer.send({ to: [user.email], subject: `Your password on ${site} was changed`, text });
    } catch (error) {
      this.reportError(`the password-changed notice for user ${user.id} could not be sent`, error);
    }
  }

  /** Activates or deactivates; deactivation ends every session. */
  async setActive(user: User, active: boolean, by: Actor = {}): Promise<User> {
    return this.changeFlags(user, { isActive: active }, !active, by);
  }

  /** Grants or removes staff status; removal ends every session. */
  async setStaff(user: User, staff: boolean, by: Actor = {}): Promise<User> {
    return this.changeFlags(user, { isStaff: staff }, !staff, by);
  }

  /** Grants or removes superuser status; removal ends every session. */
  async setSuperuser(user: User, superuser: boolean, by: Actor = {}): Promise<User> {
    return this.changeFlags(user, { isSuperuser: superuser }, !superuser, by);
  }

  private async changeFlags(user: User, patch: { isActive?: boolean; isStaff?: boolean; isSuperuser?: boolean }, revoke: boolean, by: Actor): Promise<User> {
    const updated = await this.stores.transaction(async (tx) => {
      const changed = await tx.users.update(user.id, patch);
      if (!revoke) return changed;
      await tx.users.bumpAuthEpoch(user.id);
      await tx.sessions.deleteByUser(user.id);
      // Deactivation ends API tokens as well: reactivating an account must not bring back
      // tokens made before it was shut.
      if (patch.isActive === false) await tx.apiTokens.deleteByUser(user.id);
      return (await tx.users.getById(user.id))!;
    });
    const [flag, value] = Object.entries(patch)[0]!;
    await this.audit.record({
      actor: by.actor ?? null,
      action: `user.set_${flag.replace(/^is/, '').toLowerCase()}`,
      target: user.username,
      ip: by.ip ?? null,
      data: { [flag]: value },
    });
    return updated;
  }

  /** Changes the email (validated and normalised). */
  async setEmail(user: User, email: string, by: Actor = {}): Promise<User> {
    const clean = cleanEmail(email);
    const updated = await this.stores.users.update(user.id, { email: clean });
    await this.audit.record({ actor: by.actor ?? user.username, action: 'user.set_email', target: user.username, ip: by.ip ?? null });
    return updated;
  }

  /** Records a successful login time (Django's `update_last_login`); this also kills reset tokens. */
  async touchLastLogin(user: User): Promise<User> {
    return this.stores.users.update(user.id, { lastLogin: this.clock.now() });
  }

  /** Adds the user to a group (a role). Throws `NotFoundError` for an unknown group. */
  async addToGroup(user: User, groupName: R, by: Actor = {}): Promise<void> {
    const group = await this.stores.groups.getByName(groupName);
    if (!group) throw new NotFoundError('group', `No group named "${groupName}".`);
    await this.stores.groups.addUser(user.id, group.id);
    this.authz.clearCache(user);
    await this.audit.record({ actor: by.actor ?? null, action: 'role.add_member', target: user.username, ip: by.ip ?? null, data: { group: groupName } });
  }

  /** Removes the user from a group and ends their sessions. Returns whether they were a member. */
  async removeFromGroup(user: User, groupName: R, by: Actor = {}): Promise<boolean> {
    const group = await this.stores.groups.getByName(groupName);
    if (!group) throw new NotFoundError('group', `No group named "${groupName}".`);
    const removed = await this.stores.transaction(async (tx) => {
      const was = await tx.groups.removeUser(user.id, group.id);
      if (was) {
        await tx.users.bumpAuthEpoch(user.id);
        await tx.sessions.deleteByUser(user.id);
      }
      return was;
    });
    this.authz.clearCache(user);
    if (removed)
      await this.audit.record({ actor: by.actor ?? null, action: 'role.remove_member', target: user.username, ip: by.ip ?? null, data: { group: groupName } });
    return removed;
  }

  /** Grants a permission directly to a user. */
  async grantPermission(user: User, permission: P, by: Actor = {}): Promise<void> {
    await this.stores.permissions.grantToUser(user.id, permission);
    this.authz.clearCache(user);
    await this.audit.record({ actor: by.actor ?? null, action: 'perm.grant', target: user.username, ip: by.ip ?? null, data: { permission } });
  }

  /** Revokes a direct grant and ends the user's sessions. */
  async revokePermission(user: User, permission: P, by: Actor = {}): Promise<void> {
    await this.stores.transaction(async (tx) => {
      await tx.permissions.revokeFromUser(user.id, permission);
      await tx.users.bumpAuthEpoch(user.id);
      await tx.sessions.deleteByUser(user.id);
    });
    this.authz.clearCache(user);
    await this.audit.record({ actor: by.actor ?? null, action: 'perm.revoke', target: user.username, ip: by.ip ?? null, data: { permission } });
  }

  /** Ends every session of the user everywhere. */
  async logoutEverywhere(user: User, by: Actor = {}): Promise<number> {
    const ended = await this.stores.transaction(async (tx) => {
      await tx.users.bumpAuthEpoch(user.id);
      return tx.sessions.deleteByUser(user.id);
    });
    await this.audit.record({ actor: by.actor ?? user.username, action: 'sessions.revoke_all', target: user.username, ip: by.ip ?? null, data: { ended } });
    return ended;
  }

  /**
   * Users a reset mail may go to: active, with a usable password, email matched
   * case-insensitively (Django's `PasswordResetForm.get_users`).
   */
  async usersForPasswordReset(email: string): Promise<User[]> {
    // No stored address holds these, and PostgreSQL would refuse the query: nobody matches.
    if (!isStorableEmailText(email)) return [];
    const users = await this.stores.users.findByEmail(normalizeEmail(email));
    return users.filter((u) => u.isActive && this.hashers.isPasswordUsable(u.password));
  }
}
