/**
 * Ad-hoc group administration, audited: creating and deleting groups and changing their
 * permissions outside the roles kept in code (what `gatehouse group …` and, later, the admin
 * call). Roles declared in code are groups too; changing one by hand is allowed but drifts, and
 * `roles plan` shows it, `roles apply` puts it back.
 *
 * Deleting a group takes the role away from every member, so, as when one member leaves a role,
 * their sessions end. Removing a permission from a group needs no such step: permissions are read
 * on every request, so the change holds on the next one.
 */
import type { Actor } from './accounts.js';
import type { AuditLog } from './audit.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { GroupRecord, Stores } from './ports.js';
import type { User } from './user.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Django's `Group.name` is at most 150 characters. */
const MAX_GROUP_NAME = 150;

/** Checks a group name: 1–150 characters, trimmed, no control characters. */
export function cleanGroupName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new ValidationError([{ code: 'group_name_required', message: 'A group name is required.' }]);
  if (name.length > MAX_GROUP_NAME)
    throw new ValidationError([{ code: 'group_name_too_long', message: `Group names are at most ${MAX_GROUP_NAME} characters.` }]);
  // Control characters (NUL among them, which PostgreSQL refuses) and lone surrogates have no place in a name.
  if (CONTROL_OR_LONE_SURROGATE.test(name)) {
    throw new ValidationError([{ code: 'group_name_invalid', message: 'Group names may not contain control characters.' }]);
  }
  return name;
}

/** Group operations over the stores, each audited. */
export class Groups {
  constructor(
    private readonly stores: Stores,
    private readonly audit: AuditLog,
  ) {}

  /** Every group, by name. */
  list(): Promise<GroupRecord[]> {
    return this.stores.groups.list();
  }

  /** The group named `name`, or `NotFoundError`. */
  async require(name: string): Promise<GroupRecord> {
    const group = await this.stores.groups.getByName(name);
    if (!group) throw new NotFoundError('group', `No group named "${name}".`);
    return group;
  }

  /** Creates a group. Throws `DuplicateError` (field `group`) when the name is taken. */
  async create(name: string, by: Actor = {}): Promise<GroupRecord> {
    const group = await this.stores.groups.create(cleanGroupName(name));
    await this.audit.record({ actor: by.actor ?? null, action: 'group.create', target: group.name, ip: by.ip ?? null });
    return group;
  }

  /** Deletes a group; its members' sessions end. Returns how many members it had. */
  async delete(name: string, by: Actor = {}): Promise<{ members: number }> {
    const group = await this.require(name);
    const members = await this.stores.transaction(async (tx) => {
      const ids = await tx.groups.memberIds(group.id);
      for (const id of ids) {
        await tx.users.bumpAuthEpoch(id);
        await tx.sessions.deleteByUser(id);
      }
      await tx.groups.delete(group.id);
      return ids.length;
    });
    await this.audit.record({ actor: by.actor ?? null, action: 'group.delete', target: group.name, ip: by.ip ?? null, data: { members } });
    return { members };
  }

  /** Adds a user to any group by name (an ad-hoc group no role declares); roles: `accounts.addToGroup`. */
  async addMember(user: User, name: string, by: Actor = {}): Promise<void> {
    const group = await this.require(name);
    await this.stores.groups.addUser(user.id, group.id);
    await this.audit.record({ actor: by.actor ?? null, action: 'role.add_member', target: user.username, ip: by.ip ?? null, data: { group: group.name } });
  }

  /** Grants permissions to a group (unknown names: `NotFoundError`); returns the ones newly granted. */
  async addPermissions(name: string, permissions: readonly string[], by: Actor = {}): Promise<string[]> {
    const group = await this.require(name);
    const before = new Set(await this.stores.groups.permissions(group.id));
    await this.stores.groups.addPermissions(group.id, permissions);
    const added = [...new Set(permissions)].filter((p) => !before.has(p)).sort();
    if (added.length > 0)
      await this.audit.record({
        actor: by.actor ?? null,
        action: 'group.add_permissions',
        target: group.name,
        ip: by.ip ?? null,
        data: { permissions: added },
      });
    return added;
  }

  /** Takes permissions from a group; returns the ones it actually had. */
  async removePermissions(name: string, permissions: readonly string[], by: Actor = {}): Promise<string[]> {
    const group = await this.require(name);
    const before = new Set(await this.stores.groups.permissions(group.id));
    const removed = [...new Set(permissions)].filter((p) => before.has(p)).sort();
    if (removed.length === 0) return [];
    await this.stores.groups.removePermissions(group.id, removed);
    await this.audit.record({
      actor: by.actor ?? null,
      action: 'group.remove_permissions',
      target: group.name,
      ip: by.ip ?? null,
      data: { permissions: removed },
    });
    return removed;
  }
}
