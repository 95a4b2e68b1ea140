/**
 * A Django auth database as the importer sees it, whatever it was read from: permissions by
 * `app_label.codename`, groups by name, users with their groups and direct grants by name.
 * Every reader (SQLite file, PostgreSQL URL, dumpdata JSON) produces this, so the import itself
 * is written once.
 */
import { permissionNameOf } from '../../core/permission-name.js';

/** One `auth_permission` row with its content type resolved. */
export interface DjangoPermission {
  appLabel: string;
  /** The content type's model. */
  model: string;
  codename: string;
  name: string;
}

/** One `auth_group` with its permissions (`app_label.codename`). */
export interface DjangoGroup {
  name: string;
  permissions: string[];
}

/** One `auth_user` row with its memberships and direct grants. */
export interface DjangoUser {
  /** Django's primary key, kept in gatehouse when free; null when the source has none (natural keys). */
  id: number | null;
  username: string;
  /** The encoded hash exactly as Django stored it. */
  password: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  /** Epoch milliseconds. */
  lastLogin: number | null;
  dateJoined: number;
  /** Group names. */
  groups: string[];
  /** Direct grants, `app_label.codename`. */
  permissions: string[];
}

/** A source row that could not be used, and why. */
export interface SourceProblem {
  what: string;
  reason: string;
}

/** Everything read from the source. */
export interface DjangoData {
  permissions: DjangoPermission[];
  groups: DjangoGroup[];
  users: DjangoUser[];
  problems: SourceProblem[];
}

/** The rows of Django's auth tables, as the SQL readers fetch them. */
export interface DjangoTables {
  contentTypes: { id: number; app_label: string; model: string }[];
  permissions: { id: number; content_type_id: number; codename: string; name: string }[];
  groups: { id: number; name: string }[];
  groupPermissions: { group_id: number; permission_id: number }[];
  users: {
    id: number;
    password: string;
    last_login: string | null;
    is_superuser: unknown;
    username: string;
    first_name: string;
    last_name: string;
    email: string;
    is_staff: unknown;
    is_active: unknown;
    date_joined: string;
  }[];
  userGroups: { user_id: number; group_id: number }[];
  userPermissions: { user_id: number; permission_id: number }[];
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A Django datetime as epoch milliseconds: `2021-06-01 08:00:00.262559` (SQLite, UTC),
 * `2021-06-01T08:00:00.262Z` (dumpdata), `2021-06-01 10:00:00+02` (PostgreSQL text). Times
 * without an offset are UTC, as Django stores them with USE_TZ. Microseconds are truncated, so
 * every source gives the same millisecond. Null for anything unreadable.
 */
export function parseDjangoDatetime(value: string): number | null {
  const m = DATETIME.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offset * 60_000;
  }
  return Number.isFinite(time) ? time : null;
}

/** Resolves the raw tables of a SQL source into `DjangoData`, noting dangling rows. */
export function fromTables(tables: DjangoTables): DjangoData {
  const problems: SourceProblem[] = [];
  const contentTypes = new Map(tables.contentTypes.map((ct) => [Number(ct.id), ct]));
  const permissionById = new Map<number, DjangoPermission>();
  for (const p of tables.permissions) {
    const ct = contentTypes.get(Number(p.content_type_id));
    if (!ct) {
      problems.push({ what: `permission ${p.codename} (id ${p.id})`, reason: `its content type ${p.content_type_id} does not exist` });
      continue;
    }
    permissionById.set(Number(p.id), { appLabel: ct.app_label, model: ct.model, codename: p.codename, name: p.name });
  }
  const permName = (id: number): string | null => {
    const p = permissionById.get(Number(id));
    return p ? permissionNameOf(p) : null;
  };
  const groupById = new Map(tables.groups.map((g) => [Number(g.id), { name: g.name, permissions: [] as string[] }]));
  for (const row of tables.groupPermissions) {
    const group = groupById.get(Number(row.group_id));
    const name = permName(row.permission_id);
    if (group && name) group.permissions.push(name);
    else
      problems.push({
        what: `group permission (group ${row.group_id}, permission ${row.permission_id})`,
        reason: 'it refers to a missing group or permission',
      });
  }
  const users = new Map<number, DjangoUser>();
  for (const u of tables.users) {
    const dateJoined = parseDjangoDatetime(String(u.date_joined));
    const lastLogin = u.last_login === null ? null : parseDjangoDatetime(String(u.last_login));
    if (dateJoined === null || (u.last_login !== null && lastLogin === null)) {
      problems.push({
        what: `user ${u.username} (id ${u.id})`,
        reason: `unreadable date (date_joined ${String(u.date_joined)}, last_login ${String(u.last_login)})`,
      });
      continue;
    }
    users.set(Number(u.id), {
      id: Number(u.id),
      username: u.username,
      password: u.password,
      email: u.email ?? '',
      firstName: u.first_name ?? '',
      lastName: u.last_name ?? '',
      isActive: toBool(u.is_active),
      isStaff: toBool(u.is_staff),
      isSuperuser: toBool(u.is_superuser),
      lastLogin,
      dateJoined,
      groups: [],
      permissions: [],
    });
  }
  for (const row of tables.userGroups) {
    const user = users.get(Number(row.user_id));
    const group = groupById.get(Number(row.group_id));
    if (user && group) user.groups.push(group.name);
    else problems.push({ what: `membership (user ${row.user_id}, group ${row.group_id})`, reason: 'it refers to a missing or skipped user or group' });
  }
  for (const row of tables.userPermissions) {
    const user = users.get(Number(row.user_id));
    const name = permName(row.permission_id);
    if (user && name) user.permissions.push(name);
    else
      problems.push({
        what: `direct grant (user ${row.user_id}, permission ${row.permission_id})`,
        reason: 'it refers to a missing or skipped user or permission',
      });
  }
  return { permissions: [...permissionById.values()], groups: [...groupById.values()], users: [...users.values()], problems };
}

/** Django booleans: 0/1 in SQLite, true/false in PostgreSQL and JSON. */
export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}
