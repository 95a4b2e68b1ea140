/**
 * The tables as Kysely sees them. Django's `auth_*` names are kept so a Django DBA recognises the
 * schema; gatehouse's own tables are `gh_*`. Times are milliseconds since the epoch in BIGINT
 * columns: one representation on both databases, no time-zone ambiguity, and SQLite has no date
 * type to disagree with. Booleans are BOOLEAN on PostgreSQL and 0/1 on SQLite, converted in the
 * stores.
 */
import type { Generated } from 'kysely';

/** Which SQL dialect a connection speaks. */
export type DialectKind = 'sqlite' | 'postgres';

type Bool = boolean | number;

export interface UserTable {
  id: Generated<number>;
  username: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  is_active: Bool;
  is_staff: Bool;
  is_superuser: Bool;
  last_login: number | null;
  date_joined: number;
  auth_epoch: Generated<number>;
  /**
   * The username's UTS #39 confusable skeleton (`usernameSkeleton`), indexed; kept by the user
   * store. Optional in this type only so that rows read without it (joins) still map to a user.
   */
  username_skeleton?: Generated<string>;
  /**
   * Bumped, in the same transaction, by anything that changes what this user may do (grants,
   * memberships, flags, password and epoch changes); validates the per-process permission cache.
   * Optional in this type for the same reason as the skeleton.
   */
  authz_version?: Generated<number>;
}

export interface GroupTable {
  id: Generated<number>;
  name: string;
}

export interface PermissionTable {
  id: Generated<number>;
  app_label: string;
  model: string | null;
  codename: string;
  name: string;
}

export interface UserGroupTable {
  user_id: number;
  group_id: number;
}

export interface GroupPermissionTable {
  group_id: number;
  permission_id: number;
}

export interface UserPermissionTable {
  user_id: number;
  permission_id: number;
}

export interface SessionTable {
  id_hash: string;
  user_id: number | null;
  auth_epoch: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** JSON text. */
  data: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string | null;
  action: string;
  target: string | null;
  /** JSON text. */
  data: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/** One row (id 1) holding the chain's head, so that deleting the newest entries shows. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/**
 * One row (id 1): bumped by anything that changes what a group grants or the permission set, so
 * every cached permission set in every process is reloaded on its next use.
 */
export interface AuthzVersionTable {
  id: number;
  version: number;
}

/** A personal API token (only its hash). */
export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  /** JSON array of permission names, or null: the user's own. */
  permissions: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}

/** The whole schema. */
export interface Schema {
  auth_user: UserTable;
  auth_group: GroupTable;
  auth_permission: PermissionTable;
  auth_user_groups: UserGroupTable;
  auth_group_permissions: GroupPermissionTable;
  auth_user_user_permissions: UserPermissionTable;
  gh_session: SessionTable;
  gh_audit_log: AuditLogTable;
  gh_audit_head: AuditHeadTable;
  gh_authz_version: AuthzVersionTable;
  gh_api_token: ApiTokenTable;
}
