/** `GroupStore` in memory: groups, memberships and group grants, with the SQL store's cascades and version bumps. */
import { DuplicateError, NotFoundError } from '../../core/errors.js';
import type { GroupRecord, GroupStore } from '../../core/ports.js';
import { bumpUser, permissionIds, permissionNames } from './permissions.js';
import { type MemoryScope, type MemoryTables, operate } from './state.js';

function byName(a: GroupRecord, b: GroupRecord): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The membership table's foreign keys: both ends must exist. */
function requireBoth(tables: MemoryTables, userId: number, groupId: number): void {
  if (!tables.users.has(userId)) throw new NotFoundError('user', `No user with id ${userId}.`);
  if (!tables.groups.has(groupId)) throw new NotFoundError('group', `No group with id ${groupId}.`);
}

export class MemoryGroupStore implements GroupStore {
  constructor(private readonly scope: MemoryScope) {}

  list(): Promise<GroupRecord[]> {
    return operate(this.scope, (tables) => [...tables.groups.values()].sort(byName).map((g) => ({ ...g })));
  }

  getByName(name: string): Promise<GroupRecord | null> {
    return operate(this.scope, (tables) => {
      for (const group of tables.groups.values()) if (group.name === name) return { ...group };
      return null;
    });
  }

  create(name: string): Promise<GroupRecord> {
    return operate(this.scope, (tables) => {
      for (const group of tables.groups.values()) {
        if (group.name === name) throw new DuplicateError('group', 'A group with that name already exists.');
      }
      const group = { id: tables.nextGroupId++, name };
      tables.groups.set(group.id, group);
      return { ...group };
    });
  }

  delete(id: number): Promise<boolean> {
    return operate(this.scope, (tables) => {
      if (!tables.groups.delete(id)) return false;
      tables.groupGrants.delete(id);
      for (const groups of tables.memberships.values()) groups.delete(id);
      // Every member loses the group's grants: every cached set is reloaded.
      tables.globalAuthzVersion += 1;
      return true;
    });
  }

  permissions(groupId: number): Promise<string[]> {
    return operate(this.scope, (tables) => permissionNames(tables, tables.groupGrants.get(groupId) ?? []));
  }

  permissionsByGroup(): Promise<Map<string, string[]>> {
    return operate(this.scope, (tables) => {
      const result = new Map<string, string[]>();
      for (const group of [...tables.groups.values()].sort(byName)) result.set(group.name, permissionNames(tables, tables.groupGrants.get(group.id) ?? []));
      return result;
    });
  }

  addPermissions(groupId: number, permissions: readonly string[]): Promise<void> {
    return operate(this.scope, (tables) => {
      const ids = permissionIds(tables, permissions);
      if (ids.size === 0) return;
      if (!tables.groups.has(groupId)) throw new NotFoundError('group', `No group with id ${groupId}.`);
      const grants = tables.groupGrants.get(groupId) ?? new Set<number>();
      for (const id of ids.values()) grants.add(id);
      tables.groupGrants.set(groupId, grants);
      tables.globalAuthzVersion += 1;
    });
  }

  removePermissions(groupId: number, permissions: readonly string[]): Promise<void> {
    return operate(this.scope, (tables) => {
      const ids = permissionIds(tables, permissions);
      if (ids.size === 0) return;
      const grants = tables.groupGrants.get(groupId);
      for (const id of ids.values()) grants?.delete(id);
      tables.globalAuthzVersion += 1;
    });
  }

  groupsOfUser(userId: number): Promise<GroupRecord[]> {
    return operate(this.scope, (tables) => {
      const groups: GroupRecord[] = [];
      for (const id of tables.memberships.get(userId) ?? []) {
        const group = tables.groups.get(id);
        if (group) groups.push({ ...group });
      }
      return groups.sort(byName);
    });
  }

  memberIds(groupId: number): Promise<number[]> {
    return operate(this.scope, (tables) => {
      const ids: number[] = [];
      for (const [userId, groups] of tables.memberships) if (groups.has(groupId)) ids.push(userId);
      return ids.sort((a, b) => a - b);
    });
  }

  addUser(userId: number, groupId: number): Promise<void> {
    return operate(this.scope, (tables) => {
      requireBoth(tables, userId, groupId);
      const groups = tables.memberships.get(userId) ?? new Set<number>();
      groups.add(groupId);
      tables.memberships.set(userId, groups);
      bumpUser(tables, userId);
    });
  }

  removeUser(userId: number, groupId: number): Promise<boolean> {
    return operate(this.scope, (tables) => {
      const removed = tables.memberships.get(userId)?.delete(groupId) ?? false;
      if (removed) bumpUser(tables, userId);
      return removed;
    });
  }
}
