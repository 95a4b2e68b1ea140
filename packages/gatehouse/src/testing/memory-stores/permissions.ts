/** `PermissionStore` in memory: permissions by `app.codename`, direct grants, and the versions they bump. */
import { NotFoundError } from '../../core/errors.js';
import { permissionNameOf, splitPermissionName } from '../../core/permission-name.js';
import type { PermissionDefinition, PermissionRecord, PermissionStore, UserPermissionRows } from '../../core/ports.js';
import { type MemoryScope, type MemoryTables, operate } from './state.js';

/** Permission ids by name; throws `NotFoundError` for the first malformed or unknown name, as the SQL store does. */
export function permissionIds(tables: MemoryTables, names: readonly string[]): Map<string, number> {
  for (const name of names) {
    if (splitPermissionName(name) === null) throw new NotFoundError('permission', `"${name}" is not a permission name (expected app_label.codename).`);
  }
  const byName = new Map([...tables.permissions.values()].map((p) => [permissionNameOf(p), p.id]));
  const ids = new Map<string, number>();
  for (const name of names) {
    const id = byName.get(name);
    if (id === undefined) throw new NotFoundError('permission', `Unknown permission "${name}": declare it in code and run migrate.`);
    ids.set(name, id);
  }
  return ids;
}

/** The names of a set of permission ids, sorted. */
export function permissionNames(tables: MemoryTables, ids: Iterable<number>): string[] {
  const names: string[] = [];
  for (const id of ids) {
    const permission = tables.permissions.get(id);
    if (permission) names.push(permissionNameOf(permission));
  }
  return names.sort();
}

/** Sorts permissions as the SQL store lists them: by app label, then codename. */
function byLabelThenCodename(a: PermissionRecord, b: PermissionRecord): number {
  return a.appLabel === b.appLabel ? (a.codename < b.codename ? -1 : a.codename > b.codename ? 1 : 0) : a.appLabel < b.appLabel ? -1 : 1;
}

function requireUser(tables: MemoryTables, userId: number): void {
  // The grant table's foreign key: a grant to nobody is refused.
  if (!tables.users.has(userId)) throw new NotFoundError('user', `No user with id ${userId}.`);
}

export class MemoryPermissionStore implements PermissionStore {
  constructor(private readonly scope: MemoryScope) {}

  list(): Promise<PermissionRecord[]> {
    return operate(this.scope, (tables) => [...tables.permissions.values()].sort(byLabelThenCodename).map((p) => ({ ...p })));
  }

  sync(definitions: readonly PermissionDefinition[]): Promise<{ created: string[]; updated: string[] }> {
    return operate(this.scope, (tables) => {
      const existing = new Map([...tables.permissions.values()].map((p) => [permissionNameOf(p), p]));
      const created: string[] = [];
      const updated: string[] = [];
      for (const def of definitions) {
        const key = permissionNameOf(def);
        const row = existing.get(key);
        if (!row) {
          const id = tables.nextPermissionId++;
          const record = { id, appLabel: def.appLabel, model: def.model, codename: def.codename, name: def.name };
          tables.permissions.set(id, record);
          existing.set(key, record);
          created.push(key);
        } else if (row.name !== def.name || row.model !== def.model) {
          row.name = def.name;
          row.model = def.model;
          updated.push(key);
        }
      }
      if (created.length + updated.length > 0) tables.globalAuthzVersion += 1;
      return { created, updated };
    });
  }

  userPermissionRows(userId: number): Promise<UserPermissionRows> {
    return operate(this.scope, (tables) => {
      const direct = permissionNames(tables, tables.userGrants.get(userId) ?? []);
      const viaGroups: { group: string; permission: string }[] = [];
      for (const groupId of tables.memberships.get(userId) ?? []) {
        const group = tables.groups.get(groupId);
        if (!group) continue;
        for (const permission of permissionNames(tables, tables.groupGrants.get(groupId) ?? [])) viaGroups.push({ group: group.name, permission });
      }
      return { direct, viaGroups };
    });
  }

  grantToUser(userId: number, permission: string): Promise<void> {
    return operate(this.scope, (tables) => {
      const id = permissionIds(tables, [permission]).get(permission) as number;
      requireUser(tables, userId);
      const grants = tables.userGrants.get(userId) ?? new Set<number>();
      grants.add(id);
      tables.userGrants.set(userId, grants);
      bumpUser(tables, userId);
    });
  }

  revokeFromUser(userId: number, permission: string): Promise<void> {
    return operate(this.scope, (tables) => {
      const id = permissionIds(tables, [permission]).get(permission) as number;
      tables.userGrants.get(userId)?.delete(id);
      bumpUser(tables, userId);
    });
  }
}

/** Bumps one user's authorization version, if the user exists. */
export function bumpUser(tables: MemoryTables, userId: number): void {
  const row = tables.users.get(userId);
  if (row) row.authzVersion += 1;
}
