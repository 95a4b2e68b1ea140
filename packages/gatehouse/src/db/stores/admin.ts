/**
 * `AdminStore`: the admin's reads, each shaped to be one ordered index range scan (indexes from
 * migration `0005_admin_indexes`), so a page costs the same at ten thousand users as at a million.
 *
 * Prefix search compares lower-cased text byte by byte: SQLite's default collation already does,
 * and on PostgreSQL the expression is taken `collate "C"`, the collation of its index, so that
 * both the `LIKE 'prefix%'` and the `order by` of a page are served by that one index whatever
 * the database's own collation is.
 */
import { type RawBuilder, sql } from 'kysely';
import type { AdminAuditQuery, AdminStore, AdminUserPage, AdminUserQuery, AuditEntry, GroupRecord, GroupSummary, PermissionHolder } from '../../core/ports.js';
import type { User } from '../../core/user.js';
import type { AuditLogTable } from '../schema.js';
import { type StoreContext, parseJsonObject, toDbBool, toNumber } from './common.js';
import { splitPermissionName as splitPermission } from '../../core/permission-name.js';
import { type UserRow, rowToUser } from './users.js';

/** Largest page a caller may ask for. */
const MAX_USERS_PAGE = 500;
const MAX_AUDIT_PAGE = 10_000;

/** Above every character a username or email can hold: the exclusive end of a prefix range on SQLite. */
const TOP = '\u{10FFFF}';

/** SQLite's lower() folds ASCII only: the search term is folded the same way, or "Ü" would never match. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function auditRow(row: AuditLogTable): AuditEntry {
  return {
    seq: toNumber(row.seq),
    at: toNumber(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    data: parseJsonObject(row.data),
    ip: row.ip,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function clampLimit(limit: number, max: number): number {
  return Number.isSafeInteger(limit) ? Math.min(Math.max(limit, 1), max) : max;
}

export class SqlAdminStore implements AdminStore {
  constructor(private readonly ctx: StoreContext) {}

  /** lower(column) as the prefix index holds it. */
  private lowered(column: 'username' | 'email'): RawBuilder<string> {
    return this.ctx.kind === 'postgres' ? sql<string>`lower(u.${sql.ref(column)}) collate "C"` : sql<string>`lower(u.${sql.ref(column)})`;
  }

  /** The folded search term as the index compares it. */
  private fold(term: string): string {
    return this.ctx.kind === 'postgres' ? term.toLowerCase() : asciiLower(term);
  }

  async listUsers(query: AdminUserQuery): Promise<AdminUserPage> {
    const { kind, db } = this.ctx;
    const limit = clampLimit(query.limit, MAX_USERS_PAGE);
    const term = query.search?.trim() ?? '';
    const column = term.includes('@') ? 'email' : 'username';
    const key = this.lowered(column);
    let q = db
      .selectFrom('auth_user as u')
      .selectAll('u')
      .limit(limit + 1);
    if (query.isActive !== undefined) q = q.where('u.is_active', '=', toDbBool(kind, query.isActive));
    if (query.isStaff !== undefined) q = q.where('u.is_staff', '=', toDbBool(kind, query.isStaff));
    if (query.isSuperuser !== undefined) q = q.where('u.is_superuser', '=', toDbBool(kind, query.isSuperuser));
    // A rare flag (staff, superuser, inactive) is a partial index of a few entries, fewer than a
    // common prefix's range holds: with one, a search reads that index in id order and checks the
    // prefix on each row, instead of walking the prefix range for the few flagged rows in it.
    const rare = query.isStaff === true || query.isSuperuser === true || query.isActive === false;
    const keyed = term !== '' && !rare;
    if (term !== '') {
      const prefix = this.fold(term);
      if (kind === 'postgres') {
        const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where(sql<boolean>`${key} like ${pattern}`);
      } else {
        // With a rare flag, SQLite (no statistics) would still pick the prefix index: a unary +
        // (a no-op on text) keeps the prefix terms off every index, so the flag's index is read.
        const k = rare ? sql`+${key}` : key;
        q = q.where(sql<boolean>`${k} >= ${prefix} and ${k} < ${prefix + TOP}`);
      }
      if (query.groupId !== undefined) {
        const groupId = query.groupId;
        q = q.where((eb) =>
          eb.exists(eb.selectFrom('auth_user_groups as ug').select('ug.user_id').whereRef('ug.user_id', '=', 'u.id').where('ug.group_id', '=', groupId)),
        );
      }
      if (keyed) {
        if (query.after) q = q.where(sql<boolean>`(${key}, u.id) > (${query.after.key ?? ''}, ${query.after.id})`);
        q = q.orderBy(key).orderBy('u.id');
      } else {
        if (query.after) q = q.where('u.id', '>', query.after.id);
        q = q.orderBy('u.id');
      }
    } else if (query.groupId !== undefined) {
      // Driven by the membership index (group_id, user_id): a small group is a few entries, not a
      // scan of the users table filtered by membership.
      const afterId = query.after?.id ?? 0;
      // The bound on both sides: PostgreSQL does not carry an inequality across the join, and
      // would otherwise merge-join from the first user id (300 ms for a deep page at 1M users).
      const joined = q
        .innerJoin('auth_user_groups as ug', 'ug.user_id', 'u.id')
        .where('ug.group_id', '=', query.groupId)
        .where('ug.user_id', '>', afterId)
        .where('u.id', '>', afterId)
        .orderBy('ug.user_id');
      return this.page((await joined.execute()) as UserRow[], limit, null);
    } else {
      q = q.orderBy('u.id');
      if (query.after) q = q.where('u.id', '>', query.after.id);
    }
    return this.page((await q.execute()) as UserRow[], limit, keyed ? column : null);
  }

  /** The first `limit` rows as users, and the cursor after them when there were more. */
  private page(rows: UserRow[], limit: number, keyColumn: 'username' | 'email' | null): AdminUserPage {
    const users = rows.slice(0, limit).map(rowToUser);
    if (rows.length <= limit) return { users };
    const last = users[users.length - 1]!;
    const lastKey = keyColumn === null ? undefined : this.fold(keyColumn === 'email' ? last.email : last.username);
    return { users, next: lastKey === undefined ? { id: last.id } : { id: last.id, key: lastKey } };
  }

  async permissionHolders(permission: string, options: { afterId?: number; limit: number }): Promise<PermissionHolder[]> {
    const split = splitPermission(permission);
    if (!split) return [];
    const db = this.ctx.db;
    const perm = await db
      .selectFrom('auth_permission')
      .select('id')
      .where('app_label', '=', split.appLabel)
      .where('codename', '=', split.codename)
      .executeTakeFirst();
    if (!perm) return [];
    const permissionId = toNumber(perm.id);
    const limit = clampLimit(options.limit, MAX_USERS_PAGE);
    const after = options.afterId ?? 0;
    // The page's user ids first (both sources merged and de-duplicated), then who they are and why.
    const ids = await sql<{ user_id: number | string }>`
      select user_id from (
        select up.user_id from auth_user_user_permissions up where up.permission_id = ${permissionId} and up.user_id > ${after}
        union
        select ug.user_id from auth_group_permissions gp
          join auth_user_groups ug on ug.group_id = gp.group_id
          where gp.permission_id = ${permissionId} and ug.user_id > ${after}
      ) holders order by user_id limit ${limit}`.execute(db);
    const userIds = ids.rows.map((r) => toNumber(r.user_id));
    if (userIds.length === 0) return [];
    const users = (await db.selectFrom('auth_user').selectAll().where('id', 'in', userIds).orderBy('id').execute()) as UserRow[];
    const direct = await db
      .selectFrom('auth_user_user_permissions')
      .select('user_id')
      .where('permission_id', '=', permissionId)
      .where('user_id', 'in', userIds)
      .execute();
    const viaGroups = await db
      .selectFrom('auth_group_permissions as gp')
      .innerJoin('auth_user_groups as ug', 'ug.group_id', 'gp.group_id')
      .innerJoin('auth_group as g', 'g.id', 'gp.group_id')
      .select(['ug.user_id', 'g.name'])
      .where('gp.permission_id', '=', permissionId)
      .where('ug.user_id', 'in', userIds)
      .orderBy('g.name')
      .execute();
    const directIds = new Set(direct.map((r) => toNumber(r.user_id)));
    const groups = new Map<number, string[]>();
    for (const row of viaGroups) {
      const id = toNumber(row.user_id);
      groups.set(id, [...(groups.get(id) ?? []), row.name]);
    }
    return users.map((row) => {
      const user: User = rowToUser(row);
      return { user, direct: directIds.has(user.id), groups: groups.get(user.id) ?? [] };
    });
  }

  async listAudit(query: AdminAuditQuery): Promise<AuditEntry[]> {
    const ascending = query.afterSeq !== undefined;
    let q = this.ctx.db
      .selectFrom('gh_audit_log')
      .selectAll()
      .orderBy('seq', ascending ? 'asc' : 'desc')
      .limit(clampLimit(query.limit, MAX_AUDIT_PAGE));
    if (ascending) q = q.where('seq', '>', query.afterSeq!);
    else if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq);
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.target !== undefined) q = q.where('target', '=', query.target);
    if (query.action !== undefined) {
      if (query.action.endsWith('.*')) {
        // A family: a range on the (action, seq) index, not a LIKE.
        const family = query.action.slice(0, -1);
        q = q.where('action', '>=', family).where('action', '<', `${family.slice(0, -1)}/`);
      } else {
        q = q.where('action', '=', query.action);
      }
    }
    if (query.decision === 'allowed') q = q.where('action', '=', 'access.allowed');
    if (query.decision === 'denied') q = q.where('action', 'in', ['access.denied', 'auth.login_failed']);
    if (query.from !== undefined) q = q.where('at', '>=', query.from);
    if (query.to !== undefined) q = q.where('at', '<', query.to);
    return (await q.execute()).map(auditRow);
  }

  async groupSummaries(): Promise<GroupSummary[]> {
    const rows = await this.ctx.db
      .selectFrom('auth_group as g')
      .select((eb) => [
        'g.id',
        'g.name',
        eb
          .selectFrom('auth_user_groups as ug')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('ug.group_id', '=', 'g.id')
          .as('members'),
        eb
          .selectFrom('auth_group_permissions as gp')
          .select((e) => e.fn.countAll<number | string>().as('n'))
          .whereRef('gp.group_id', '=', 'g.id')
          .as('permissions'),
      ])
      .orderBy('g.name')
      .execute();
    return rows.map((r) => ({ id: toNumber(r.id), name: r.name, members: toNumber(r.members ?? 0), permissions: toNumber(r.permissions ?? 0) }));
  }

  async getGroup(id: number): Promise<GroupRecord | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) return null;
    const row = await this.ctx.db.selectFrom('auth_group').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: toNumber(row.id), name: row.name } : null;
  }

  async groupMembers(groupId: number, options: { afterId?: number; limit: number }): Promise<User[]> {
    const page = await this.listUsers({ groupId, limit: options.limit, ...(options.afterId !== undefined ? { after: { id: options.afterId } } : {}) });
    return page.users;
  }
}
