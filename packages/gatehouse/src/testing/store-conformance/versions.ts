/**
 * Authorization version scenarios. A store that returns `authzVersions` with the session's user
 * promises the permission cache that every change of what a user may do moves one of them: the
 * user's own on grants, memberships, flags and credentials, the global one on group grants, group
 * deletion and permission sync. A store that returns none makes no such promise (the cache then
 * asks the store each request) and these scenarios check only that.
 */
import type { AuthzVersions } from '../../core/authz-versions.js';
import type { Stores } from '../../core/ports.js';
import { PERMISSIONS, sessionRecord, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

/** Registers the version scenarios. */
export function versionScenarios({ it, expect, stores }: ScenarioContext): void {
  /** A user with a session, and a reader of the versions that session's lookup returns. */
  async function watched(s: Stores): Promise<{ userId: number; groupId: number; read(): Promise<AuthzVersions | undefined> }> {
    await s.permissions.sync(PERMISSIONS);
    const user = await s.users.create(userRecord());
    const group = await s.groups.create('Watchers');
    const session = sessionRecord({ userId: user.id });
    await s.sessions.create(session);
    return {
      userId: user.id,
      groupId: group.id,
      async read() {
        return (await s.sessions.getWithUser(session.idHash))?.authzVersions;
      },
    };
  }

  /** Runs `change` and says which versions moved (or null when the store keeps none). */
  async function moved(read: () => Promise<AuthzVersions | undefined>, change: () => Promise<unknown>): Promise<{ user: boolean; global: boolean } | null> {
    const before = await read();
    await change();
    const after = await read();
    if (before === undefined || after === undefined) return null;
    return { user: after.user !== before.user, global: after.global !== before.global };
  }

  it('moves the user’s version on direct grants, memberships, flags, credentials and epoch bumps', async () => {
    const s = stores();
    const { userId, groupId, read } = await watched(s);
    const changes: [string, () => Promise<unknown>][] = [
      ['grant', () => s.permissions.grantToUser(userId, 'billing.view_invoice')],
      ['revoke', () => s.permissions.revokeFromUser(userId, 'billing.view_invoice')],
      ['join a group', () => s.groups.addUser(userId, groupId)],
      ['leave a group', () => s.groups.removeUser(userId, groupId)],
      ['staff flag', () => s.users.update(userId, { isStaff: true })],
      ['superuser flag', () => s.users.update(userId, { isSuperuser: true })],
      ['password', () => s.users.update(userId, { password: 'hash$new' })],
      ['password compare-and-set', () => s.users.replacePassword(userId, 'hash$new', 'hash$newer')],
      ['epoch bump', () => s.users.bumpAuthEpoch(userId)],
    ];
    for (const [what, change] of changes) {
      const result = await moved(read, change);
      if (result === null) return;
      expect({ what, moved: result.user }).toEqual({ what, moved: true });
    }
  });

  it('moves the global version on group grants, group deletion and a permission sync that changed something', async () => {
    const s = stores();
    const { userId, groupId, read } = await watched(s);
    await s.groups.addUser(userId, groupId);
    const changes: [string, () => Promise<unknown>][] = [
      ['group grant', () => s.groups.addPermissions(groupId, ['billing.view_invoice'])],
      ['group revoke', () => s.groups.removePermissions(groupId, ['billing.view_invoice'])],
      ['sync with a new permission', () => s.permissions.sync([{ appLabel: 'ops', model: null, codename: 'view_metrics', name: 'Can view metrics' }])],
      ['group deletion', () => s.groups.delete(groupId)],
    ];
    for (const [what, change] of changes) {
      const result = await moved(read, change);
      if (result === null) return;
      expect({ what, moved: result.global }).toEqual({ what, moved: true });
    }
  });

  it('leaves both versions alone on a last-login touch and a sync that changed nothing', async () => {
    const s = stores();
    const { userId, read } = await watched(s);
    for (const change of [() => s.users.update(userId, { lastLogin: 1_700_000_000_000 }), () => s.permissions.sync(PERMISSIONS)]) {
      const result = await moved(read, change);
      if (result === null) return;
      expect(result).toEqual({ user: false, global: false });
    }
  });

  it('stamps the versions on the user it returns them with', async () => {
    const s = stores();
    const { read } = await watched(s);
    const versions = await read();
    if (versions === undefined) return;
    expect(typeof versions.user).toBe('number');
    expect(typeof versions.global).toBe('number');
  });
}
