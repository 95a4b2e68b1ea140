/** `GroupStore` over `auth_group` and its membership and grant tables. */
import type { GroupRecord, GroupStore } from '../../core/ports.js';
import { rethrowDuplicate } from '../constraint-errors.js';
import { Precompiled, type StoreContext, bumpGlobalAuthz, bumpUserAuthz, inTransaction, keyParam, toNumber } from './common.js';
import { permissionIds } from './permissions.js';

/** A user's groups: on the hot path of pages that show who is logged in (the example's dashboard). */
const groupsOf = new Precompiled<{ id: number; name: string }>((db, kind) =>
  db
    .selectFrom('auth_user_groups as ug')
    .innerJoin('auth_group as g', 'g.id', 'ug.group_id')
    .select(['g.id', 'g.name'])
    .where('ug.user_id', '=', keyParam(kind, 0))
    .orderBy('g.name'),
);

export class SqlGroupStore implements GroupStore {
  constructor(private readonly ctx: StoreContext) {}

  async list(): Promise<GroupRecord[]> {
    const rows = await this.ctx.db.selectFrom('auth_group').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ id: toNumber(r.id), name: r.name }));
  }

  async getByName(name: string): Promise<GroupRecord | null> {
    const row = await this.ctx.db.selectFrom('auth_group').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { id: toNumber(row.id), name: row.name } : null;
  }

  async create(name: string): Promise<GroupRecord> {
    try {
      const row = await this.ctx.db.insertInto('auth_group').values({ name }).returningAll().executeTakeFirstOrThrow();
      return { id: toNumber(row.id), name: row.name };
    } catch (error) {
      rethrowDuplicate(error, { name: 'group' });
    }
  }

  async delete(id: number): Promise<boolean> {
    // Deleting a group takes its grants from every member: every cached set is reloaded.
    return inTransaction(this.ctx.db, async (db) => {
      const result = await db.deleteFrom('auth_group').where('id', '=', id).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) === 1;
      if (deleted) await bumpGlobalAuthz(db);
      return deleted;
    });
  }

  async permissions(groupId: number): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('auth_group_permissions as gp')
      .innerJoin('auth_permission as p', 'p.id', 'gp.permission_id')
      .select(['p.app_label', 'p.codename'])
      .where('gp.group_id', '=', groupId)
      .orderBy('p.app_label')
      .orderBy('p.codename')
      .execute();
    return rows.map((r) => `${r.app_label}.${r.codename}`);
  }

  async permissionsByGroup(): Promise<Map<string, string[]>> {
    const rows = await this.ctx.db
      .selectFrom('auth_group as g')
      .leftJoin('auth_group_permissions as gp', 'gp.group_id', 'g.id')
      .leftJoin('auth_permission as p', 'p.id', 'gp.permission_id')
      .select(['g.name', 'p.app_label', 'p.codename'])
      .orderBy('g.name')
      .execute();
    const result = new Map<string, string[]>();
    for (const row of rows) {
      const list = result.get(row.name) ?? [];
      if (row.app_label !== null && row.codename !== null) list.push(`${row.app_label}.${row.codename}`);
      result.set(row.name, list);
    }
    return result;
  }

  async addPermissions(groupId: number, permissions: readonly string[]): Promise<void> {
    const ids = await permissionIds(this.ctx.db, permissions);
    if (ids.size === 0) return;
    await inTransaction(this.ctx.db, async (db) => {
      await db
        .insertInto('auth_group_permissions')
        .values([...ids.values()].map((id) => ({ group_id: groupId, permission_id: id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
      await bumpGlobalAuthz(db);
    });
  }

  async removePermissions(groupId: number, permissions: readonly string[]): Promise<void> {
    const ids = await permissionIds(this.ctx.db, permissions);
    if (ids.size === 0) return;
    await inTransaction(this.ctx.db, async (db) => {
      await db
        .deleteFrom('auth_group_permissions')
        .where('group_id', '=', groupId)
        .where('permission_id', 'in', [...ids.values()])
        .execute();
      await bumpGlobalAuthz(db);
    });
  }

  async groupsOfUser(userId: number): Promise<GroupRecord[]> {
    const rows = await groupsOf.run(this.ctx, [userId]);
    return rows.map((r) => ({ id: toNumber(r.id), name: r.name }));
  }

  async memberIds(groupId: number): Promise<number[]> {
    const rows = await this.ctx.db.selectFrom('auth_user_groups').select('user_id').where('group_id', '=', groupId).orderBy('user_id').execute();
    return rows.map((r) => toNumber(r.user_id));
  }

  async addUser(userId: number, groupId: number): Promise<void> {
    await inTransaction(this.ctx.db, async (db) => {
      await db
        .insertInto('auth_user_groups')
        .values({ user_id: userId, group_id: groupId })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await bumpUserAuthz(db, userId);
    });
  }

  async removeUser(userId: number, groupId: number): Promise<boolean> {
    return inTransaction(this.ctx.db, async (db) => {
      const result = await db.deleteFrom('auth_user_groups').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirst();
      const removed = Number(result.numDeletedRows) === 1;
      if (removed) await bumpUserAuthz(db, userId);
      return removed;
    });
  }
}
