/**
 * The interfaces the core talks to. `gatehouse/db` implements them over Kysely (SQLite,
 * PostgreSQL); anything else can too. Methods are few and coarse on purpose: each maps to one
 * query or one transaction, so an adapter cannot get the atomicity wrong by composing them.
 */
import type { AuthzVersions } from './authz-versions.js';
import type { User } from './user.js';

/** Fields given when a user row is created. */
export interface NewUserRecord {
  username: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  dateJoined: number;
  lastLogin: number | null;
}

/** Fields that may change after creation. The auth epoch has its own method. */
export type UserPatch = Partial<
  Pick<NewUserRecord, 'username' | 'email' | 'password' | 'firstName' | 'lastName' | 'isActive' | 'isStaff' | 'isSuperuser' | 'lastLogin'>
>;

/** How a list of users is paged and filtered. */
export interface UserListOptions {
  /** Case-insensitive substring of username or email. */
  search?: string;
  /** Only users whose id is greater than this (keyset paging). */
  afterId?: number;
  limit?: number;
}

export interface UserStore {
  /** Inserts a user. Throws `DuplicateError` (field `username` or `email`) and writes nothing on a clash. */
  create(record: NewUserRecord): Promise<User>;
  getById(id: number): Promise<User | null>;
  /** Exact, case-sensitive match on the (already normalised) username. */
  getByUsername(username: string): Promise<User | null>;
  /** Every user whose email matches case-insensitively; Django databases may hold several. */
  findByEmail(email: string): Promise<User[]>;
  /**
   * Whether some user other than `exceptId` has this confusable skeleton (`usernameSkeleton`):
   * one indexed lookup, however many users there are. The store keeps the skeleton column itself
   * on create and rename.
   */
  skeletonTaken(skeleton: string, exceptId?: number): Promise<boolean>;
  /** Updates the given fields. Throws `DuplicateError` on a clash and `NotFoundError` if the user is gone. */
  update(id: number, patch: UserPatch): Promise<User>;
  /**
   * Replaces the password hash only if it still equals `expected`: a hash upgrade racing a
   * password change must never overwrite the new password. Returns whether it wrote.
   */
  replacePassword(id: number, expected: string, next: string): Promise<boolean>;
  /** Increments the auth epoch, ending every older session. Returns the new value. */
  bumpAuthEpoch(id: number): Promise<number>;
  /**
   * Increments the auth epoch only if it still equals `expected`, in one statement (a
   * compare-and-set): of two password changes verified against the same state, one wins.
   * Returns whether it wrote.
   */
  bumpAuthEpochIf(id: number, expected: number): Promise<boolean>;
  list(options?: UserListOptions): Promise<User[]>;
  count(): Promise<number>;
  /** Deletes the user with their memberships, grants and sessions. */
  delete(id: number): Promise<boolean>;
}

/** A permission row: `appLabel.codename` is its name everywhere else. */
export interface PermissionRecord {
  id: number;
  appLabel: string;
  /** The model it was generated for, or null for app-level custom permissions. */
  model: string | null;
  codename: string;
  /** Human-readable, e.g. "Can approve payouts". */
  name: string;
}

/** A permission as declared in code, before it has an id. */
export type PermissionDefinition = Omit<PermissionRecord, 'id'>;

/** Permission names (`app.codename`) a user holds, split by where they come from. */
export interface UserPermissionRows {
  direct: string[];
  /** Each group grant with the group that gives it. */
  viaGroups: { group: string; permission: string }[];
}

export interface PermissionStore {
  list(): Promise<PermissionRecord[]>;
  /** Inserts missing permissions and refreshes names/models; never deletes. Idempotent. */
  sync(definitions: readonly PermissionDefinition[]): Promise<{ created: string[]; updated: string[] }>;
  /** All grants of one user in one round trip. */
  userPermissionRows(userId: number): Promise<UserPermissionRows>;
  /** Grants a permission directly. Throws `NotFoundError` for an unknown permission. */
  grantToUser(userId: number, permission: string): Promise<void>;
  revokeFromUser(userId: number, permission: string): Promise<void>;
}

export interface GroupRecord {
  id: number;
  name: string;
}

export interface GroupStore {
  list(): Promise<GroupRecord[]>;
  getByName(name: string): Promise<GroupRecord | null>;
  /** Throws `DuplicateError` (field `group`) if the name is taken. */
  create(name: string): Promise<GroupRecord>;
  delete(id: number): Promise<boolean>;
  /** Permission names (`app.codename`) of one group. */
  permissions(groupId: number): Promise<string[]>;
  /** Every group with its permission names, for planning roles in one query. */
  permissionsByGroup(): Promise<Map<string, string[]>>;
  /** Adds grants; unknown names throw `NotFoundError`; already granted ones are skipped. */
  addPermissions(groupId: number, permissions: readonly string[]): Promise<void>;
  removePermissions(groupId: number, permissions: readonly string[]): Promise<void>;
  groupsOfUser(userId: number): Promise<GroupRecord[]>;
  memberIds(groupId: number): Promise<number[]>;
  /** Idempotent. */
  addUser(userId: number, groupId: number): Promise<void>;
  /** Returns whether a membership was removed. */
  removeUser(userId: number, groupId: number): Promise<boolean>;
}

/** One server-side session. The id itself is never stored, only its SHA-256. */
export interface SessionRecord {
  idHash: string;
  /** Null for an anonymous session (e.g. one carrying a password-reset token). */
  userId: number | null;
  /** The user's auth epoch when the session was created; a mismatch ends it. */
  authEpoch: number;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end, however active the session is. */
  expiresAt: number;
  /** Small JSON bag: CSRF secret, re-authentication time, a pending reset token... */
  data: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

/** What a user's session is created against, beyond the auth epoch in its record. */
export interface SessionGuard {
  /** The password hash a login just verified: the user row must still hold exactly this hash. */
  password?: string;
}

export interface SessionStore {
  /**
   * Inserts a session. An anonymous one (`userId` null) always goes in. A user's session goes in
   * only while, in the same statement, that user exists, is active, still has `record.authEpoch`
   * and, with `guard.password`, still has that hash: a password change, reset or deactivation
   * that commits while a login is still verifying the password then wins, and the login gets no
   * session. Returns whether the row was inserted (false: the user's credentials moved on).
   */
  create(record: SessionRecord, guard?: SessionGuard): Promise<boolean>;
  get(idHash: string): Promise<SessionRecord | null>;
  /**
   * The session and its user in one round trip; `user` is null for anonymous sessions. With the
   * user, a store that keeps authorization versions returns them too (`authzVersions`), read in
   * the same query, so the permission cache can be validated at no extra cost.
   */
  getWithUser(idHash: string): Promise<{ session: SessionRecord; user: User | null; authzVersions?: AuthzVersions } | null>;
  /** Writes `lastSeenAt` and/or `data`. Returns false if the session is gone. */
  update(idHash: string, patch: { lastSeenAt?: number; data?: Record<string, unknown> }): Promise<boolean>;
  delete(idHash: string): Promise<boolean>;
  /** Ends every session of a user, optionally sparing one. Returns how many ended. */
  deleteByUser(userId: number, options?: { except?: string }): Promise<number>;
  /** Sessions, newest first; all users unless `userId` is given. */
  list(options?: { userId?: number; limit?: number }): Promise<SessionRecord[]>;
  /** Removes sessions past their absolute end or idle since before `idleBefore`. */
  deleteExpired(now: number, idleBefore: number): Promise<number>;
}

/** One audit log entry as stored. */
export interface AuditEntry {
  /** 1, 2, 3... with no gaps: a gap is a deleted entry. */
  seq: number;
  at: number;
  /** Who acted: a username, or null for anonymous / the system. */
  actor: string | null;
  /** Dotted event name, e.g. `auth.login`, `access.denied`. */
  action: string;
  /** What it was done to, e.g. a username or `payout:1`. */
  target: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  prevHash: string;
  hash: string;
}

/** An entry before it is sealed into the chain. */
export type AuditEvent = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

export interface AuditStore {
  /**
   * Appends one entry. The store serialises appends (a lock or a serialisable transaction) and
   * calls `seal` with the current head so that each entry links to exactly one predecessor.
   */
  append(event: AuditEvent, seal: (head: { seq: number; hash: string } | null) => { seq: number; prevHash: string; hash: string }): Promise<AuditEntry>;
  /** Entries by sequence: ascending from `fromSeq`, or newest first. */
  list(options: { fromSeq?: number; limit: number; newestFirst?: boolean; actor?: string; action?: string }): Promise<AuditEntry[]>;
  /** The last entry's seq and hash as recorded by `append`, kept apart from the rows so truncation shows. */
  head(): Promise<{ seq: number; hash: string } | null>;
}

/**
 * A plain-text mail the core sends (the password-changed notice). The shape of `gatehouse/mail`'s
 * `MailMessage`, declared here so the core imports no mail code: any mailer from `gatehouse/mail`
 * (SMTP, console, file, memory) fits `Mailer` as is.
 */
export interface OutgoingMail {
  /** Sender; the mailer's default when left out. */
  from?: string;
  /** One address per entry. */
  to: readonly string[];
  subject: string;
  text: string;
}

/** The mail port: `createGatehouse({ mailer })`. Optional; without it the core sends nothing. */
export interface Mailer {
  /** Sends one message, or throws. */
  send(message: OutgoingMail): Promise<void>;
}

/** A personal API token as stored: never the token itself, only its SHA-256. */
export interface ApiTokenRecord {
  id: number;
  userId: number;
  /** What the user called it ("deploy script"). */
  name: string;
  /** SHA-256 (hex) of the whole token. */
  tokenHash: string;
  /** The token's first characters (`gh_1a2b3c4`), to tell tokens apart in lists; not a secret. */
  prefix: string;
  /** The permissions the token is limited to, or null: whatever its user may do. */
  permissions: string[] | null;
  createdAt: number;
  /** Milliseconds since the epoch, or null for a token that does not expire (service accounts). */
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

/** A token before the store gives it an id. */
export type NewApiTokenRecord = Omit<ApiTokenRecord, 'id'>;

export interface ApiTokenStore {
  create(record: NewApiTokenRecord): Promise<ApiTokenRecord>;
  /** The token with this hash and its user, in one round trip (with the authorization versions). */
  getWithUser(tokenHash: string): Promise<{ token: ApiTokenRecord; user: User; authzVersions?: AuthzVersions } | null>;
  get(id: number): Promise<ApiTokenRecord | null>;
  /** One user's tokens, newest first. */
  listByUser(userId: number): Promise<ApiTokenRecord[]>;
  /** Deletes one token; with `userId`, only if it belongs to that user. */
  delete(id: number, options?: { userId?: number }): Promise<boolean>;
  deleteByUser(userId: number): Promise<number>;
  /** Records a use (at most once per `touchInterval`, decided by the caller). */
  touch(id: number, at: number, ip: string | null): Promise<void>;
}

/** Every store, bound to one connection or transaction. */
export interface Stores {
  users: UserStore;
  permissions: PermissionStore;
  groups: GroupStore;
  sessions: SessionStore;
  audit: AuditStore;
  /** Personal API tokens. */
  apiTokens: ApiTokenStore;
  /** The admin's queries (`gatehouse/db` provides them); optional for other implementations. */
  admin?: AdminStore;
  /** Runs `fn` with stores bound to one database transaction; commits if it resolves. */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T>;
}

/**
 * How the admin's users list is filtered and paged. Without `search` the list is in id order and
 * pages by id; with it, in the searched column's lower-case order and pages by (that key, id), so
 * both are one ordered index range scan whatever the table's size. A search with a rare flag
 * (staff, superuser, inactive) is in id order again: the flag's small index is read instead.
 */
export interface AdminUserQuery {
  /**
   * A case-insensitive PREFIX: of the email when it contains `@`, else of the username. A prefix
   * (not a substring) so an index answers it.
   */
  search?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  /** Members of this group only. */
  groupId?: number;
  /** Where the previous page ended (its `next`). */
  after?: AdminUserCursor;
  /** At most 500. */
  limit: number;
}

/** The position after the last row of a users page. `key` is the searched column's value, lower-cased as the index holds it. */
export interface AdminUserCursor {
  id: number;
  key?: string;
}

/** One page of users; `next` is absent on the last page. */
export interface AdminUserPage {
  users: User[];
  next?: AdminUserCursor;
}

/** Who holds a permission otherwise than by the superuser flag. */
export interface PermissionHolder {
  user: User;
  /** Granted to the user directly. */
  direct: boolean;
  /** Groups of the user that grant it, by name. */
  groups: string[];
}

/** Audit-log filters of the admin. Times are milliseconds; `to` is exclusive. */
export interface AdminAuditQuery {
  actor?: string;
  target?: string;
  /** An exact event name, or a family ending in `.*` (`user.*`). */
  action?: string;
  /** `allowed`: `access.allowed` entries; `denied`: `access.denied` and `auth.login_failed`. */
  decision?: 'allowed' | 'denied';
  from?: number;
  to?: number;
  /** Newest first, entries older than this seq (keyset paging). */
  beforeSeq?: number;
  /** Oldest first, entries after this seq (exports); wins over `beforeSeq`. */
  afterSeq?: number;
  /** At most 10 000. */
  limit: number;
}

/** One group with what the admin's list shows of it. */
export interface GroupSummary {
  id: number;
  name: string;
  members: number;
  permissions: number;
}

/**
 * The reads the admin needs beyond the core's ports, each one indexed query (migration
 * `0005_admin_indexes`). Optional in `Stores`: an app with its own stores and no admin need not
 * implement it; the admin refuses to mount without it.
 */
export interface AdminStore {
  /** A page of users, filtered. */
  listUsers(query: AdminUserQuery): Promise<AdminUserPage>;
  /** Users holding `permission` directly or through a group, by id after `afterId`. Unknown permission: none. */
  permissionHolders(permission: string, options: { afterId?: number; limit: number }): Promise<PermissionHolder[]>;
  /** Audit entries matching every filter given. */
  listAudit(query: AdminAuditQuery): Promise<AuditEntry[]>;
  /** Every group with its member and permission counts, by name. */
  groupSummaries(): Promise<GroupSummary[]>;
  getGroup(id: number): Promise<GroupRecord | null>;
  /** Members of a group by id after `afterId`. */
  groupMembers(groupId: number, options: { afterId?: number; limit: number }): Promise<User[]>;
}
