/** `PermissionStore` over `auth_permission` and the direct-grant table. */
import { sql } from 'kysely';
import { NotFoundError } from '../../core/errors.js';
import { permissionNameOf, splitPermissionName } from '../../core/permission-name.js';
import type { PermissionDefinition, PermissionRecord, PermissionStore, UserPermissionRows } from '../../core/ports.js';
import { type Executor, Precompiled, type StoreContext, bumpGlobalAuthz, bumpUserAuthz, inTransaction, keyParam, toNumber } from './common.js';

/** Looks up permission ids by `app.codename`; throws `NotFoundError` naming the first unknown one. */
export async function permissionIds(db: Executor, names: readonly string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (names.length === 0) return ids;
  const parts = names.map((name) => {
    const split = splitPermissionName(name);
    if (!split) throw new NotFoundError('permission', `"${name}" is not a permission name (expected app_label.codename).`);
    return split;
  });
  const rows = await db
    .selectFrom('auth_permission')
    .select(['id', 'app_label', 'codename'])
    .where((eb) => eb.or(parts.map((p) => eb.and([eb('app_label', '=', p.appLabel), eb('codename', '=', p.codename)]))))
    .execute();
  for (const row of rows) ids.set(`${row.app_label}.${row.codename}`, toNumber(row.id));
  for (const name of names) {
    if (!ids.has(name)) throw new NotFoundError('permission', `Unknown permission "${name}": declare it in code and run migrate.`);
  }
  return ids;
}

/** Direct grants and group grants of one user in a single UNION ALL, tagged by source. */
// Direct grants carry a NULL group name: a group's name may be any string, even an empty one.
const grantRows = new Precompiled<{ app_label: string; codename: string; group_name: string | null }>((db, kind) =>
  db
    .selectFrom('auth_user_user_permissions as up')
    .innerJoin('auth_permission as p', 'p.id', 'up.permission_id')
    .select(['p.app_label', 'p.codename'])
    .select(sql<string | null>`null`.as('group_name'))
    .where('up.user_id', '=', keyParam(kind, 0))
    .unionAll(
      db
        .selectFrom('auth_user_groups as ug')
        .innerJoin('auth_group_permissions as gp', 'gp.group_id', 'ug.group_id')
        .innerJoin('auth_permission as p', 'p.id', 'gp.permission_id')
        .innerJoin('auth_group as g', 'g.id', 'ug.group_id')
        .select(['p.app_label', 'p.codename', 'g.name as group_name'])
        .where('ug.user_id', '=', keyParam(kind, 0)),
    ),
);

export class SqlPermissionStore implements PermissionStore {
  constructor(private readonly ctx: StoreContext) {}

  async list(): Promise<PermissionRecord[]> {
    const rows = await this.ctx.db.selectFrom('auth_permission').selectAll().orderBy('app_label').orderBy('codename').execute();
    return rows.map((r) => ({ id: toNumber(r.id), appLabel: r.app_label, model: r.model, codename: r.codename, name: r.name }));
  }

  async sync(definitions: readonly PermissionDefinition[]): Promise<{ created: string[]; updated: string[] }> {
    const existing = new Map((await this.list()).map((p) => [permissionNameOf(p), p]));
    const created: string[] = [];
    const updated: string[] = [];
    for (const def of definitions) {
      const key = permissionNameOf(def);
      const row = existing.get(key);
      if (!row) {
        await this.ctx.db.insertInto('auth_permission').values({ app_label: def.appLabel, model: def.model, codename: def.codename, name: def.name }).execute();
        created.push(key);
      } else if (row.name !== def.name || row.model !== def.model) {
        await this.ctx.db.updateTable('auth_permission').set({ name: def.name, model: def.model }).where('id', '=', row.id).execute();
        updated.push(key);
      }
    }
    // A new permission widens a superuser's list and may already be granted by a renamed row:
    // cached sets everywhere are reloaded once.
    if (created.length + updated.length > 0) await bumpGlobalAuthz(this.ctx.db);
    return { created, updated };
  }

  async userPermissionRows(userId: number): Promise<UserPermissionRows> {
    const rows = await grantRows.run(this.ctx, [userId, userId]);
    const result: UserPermissionRows = { direct: [], viaGroups: [] };
    for (const row of rows) {
      const name = `${row.app_label}.${row.codename}`;
      if (row.group_name === null) result.direct.push(name);
      else result.viaGroups.push({ group: row.group_name, permission: name });
    }
    return result;
  }

  async grantToUser(userId: number, permission: string): Promise<void> {
    const ids = await permissionIds(this.ctx.db, [permission]);
    await inTransaction(this.ctx.db, async (db) => {
      await db
        .insertInto('auth_user_user_permissions')
        .values({ user_id: userId, permission_id: ids.get(permission)! })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await bumpUserAuthz(db, userId);
    });
  }

  async revokeFromUser(userId: number, permission: string): Promise<void> {
    const ids = await permissionIds(this.ctx.db, [permission]);
    await inTransaction(this.ctx.db, async (db) => {
      await db.deleteFrom('auth_user_user_permissions').where('user_id', '=', userId).where('permission_id', '=', ids.get(permission)!).execute();
      await bumpUserAuthz(db, userId);
    });
  }
}
