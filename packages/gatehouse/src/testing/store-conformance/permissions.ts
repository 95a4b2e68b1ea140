/** `PermissionStore` and `GroupStore` scenarios: sync, grants, groups, memberships, cascades. */
import { DuplicateError, NotFoundError } from '../../core/errors.js';
import { permissionNameOf } from '../../core/permission-name.js';
import { PERMISSIONS, rejectionOf, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

/** Registers the permission store's scenarios. */
export function permissionScenarios({ it, expect, stores }: ScenarioContext): void {
  it('syncs what is missing, then does nothing the second time', async () => {
    const first = await stores().permissions.sync(PERMISSIONS);
    expect(first).toEqual({ created: PERMISSIONS.map(permissionNameOf), updated: [] });
    expect(await stores().permissions.sync(PERMISSIONS)).toEqual({ created: [], updated: [] });
  });

  it('refreshes a changed name or model, reports it as updated, and never deletes', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const [invoice, ...rest] = PERMISSIONS;
    const renamed = { ...invoice!, name: 'Can read invoices', model: null };
    expect(await stores().permissions.sync([renamed])).toEqual({ created: [], updated: ['billing.view_invoice'] });
    const listed = await stores().permissions.list();
    expect(listed).toHaveLength(PERMISSIONS.length);
    expect(listed.find((p) => p.codename === 'view_invoice')).toMatchObject({ name: 'Can read invoices', model: null });
    expect(rest.every((p) => listed.some((l) => permissionNameOf(l) === permissionNameOf(p)))).toBe(true);
  });

  it('lists every permission with a distinct id, sorted by app label then codename', async () => {
    await stores().permissions.sync([...PERMISSIONS].reverse());
    const listed = await stores().permissions.list();
    expect(listed.map(permissionNameOf)).toEqual(['billing.approve_payout', 'billing.view_invoice', 'shop.view_all_orders', 'support.view_ticket']);
    expect(new Set(listed.map((p) => p.id)).size).toBe(listed.length);
  });

  it('grants directly (idempotently) and revokes', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const user = await stores().users.create(userRecord());
    await stores().permissions.grantToUser(user.id, 'billing.view_invoice');
    await stores().permissions.grantToUser(user.id, 'billing.view_invoice');
    expect(await stores().permissions.userPermissionRows(user.id)).toEqual({ direct: ['billing.view_invoice'], viaGroups: [] });
    await stores().permissions.revokeFromUser(user.id, 'billing.view_invoice');
    expect(await stores().permissions.userPermissionRows(user.id)).toEqual({ direct: [], viaGroups: [] });
  });

  it('throws NotFoundError for an unknown or malformed permission, on grant and on revoke', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const user = await stores().users.create(userRecord());
    for (const name of ['billing.made_up', 'no-dot', '']) {
      expect(await rejectionOf(stores().permissions.grantToUser(user.id, name))).toBeInstanceOf(NotFoundError);
      expect(await rejectionOf(stores().permissions.revokeFromUser(user.id, name))).toBeInstanceOf(NotFoundError);
    }
  });

  it('reads direct and group grants together, naming the group of each group grant', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const user = await stores().users.create(userRecord());
    const support = await stores().groups.create('Support');
    const empty = await stores().groups.create('');
    await stores().groups.addPermissions(support.id, ['support.view_ticket', 'shop.view_all_orders']);
    await stores().groups.addPermissions(empty.id, ['billing.approve_payout']);
    await stores().groups.addUser(user.id, support.id);
    await stores().groups.addUser(user.id, empty.id);
    await stores().permissions.grantToUser(user.id, 'billing.view_invoice');
    const rows = await stores().permissions.userPermissionRows(user.id);
    expect(rows.direct).toEqual(['billing.view_invoice']);
    const byName = (a: { permission: string }, b: { permission: string }): number => (a.permission < b.permission ? -1 : 1);
    expect([...rows.viaGroups].sort(byName)).toEqual([
      // A group's name may be empty: its grant is still a group grant, not a direct one.
      { group: '', permission: 'billing.approve_payout' },
      { group: 'Support', permission: 'shop.view_all_orders' },
      { group: 'Support', permission: 'support.view_ticket' },
    ]);
  });

  it('returns nothing for a user without grants or a missing user', async () => {
    const user = await stores().users.create(userRecord());
    expect(await stores().permissions.userPermissionRows(user.id)).toEqual({ direct: [], viaGroups: [] });
    expect(await stores().permissions.userPermissionRows(2_000_000_000)).toEqual({ direct: [], viaGroups: [] });
  });
}

/** Registers the group store's scenarios. */
export function groupScenarios({ it, expect, stores }: ScenarioContext): void {
  it('creates a group, finds it by exact name and lists groups sorted by name', async () => {
    const finance = await stores().groups.create('Finance');
    await stores().groups.create('Admins');
    expect(finance.id).toBeGreaterThan(0);
    expect(await stores().groups.getByName('Finance')).toEqual(finance);
    expect(await stores().groups.getByName('finance')).toBeNull();
    expect((await stores().groups.list()).map((g) => g.name)).toEqual(['Admins', 'Finance']);
  });

  it('refuses a taken name with DuplicateError(field group) and writes nothing', async () => {
    await stores().groups.create('Finance');
    const error = await rejectionOf(stores().groups.create('Finance'));
    expect(error).toBeInstanceOf(DuplicateError);
    expect((error as DuplicateError).field).toBe('group');
    expect(await stores().groups.list()).toHaveLength(1);
  });

  it('keeps unicode group names exactly', async () => {
    const group = await stores().groups.create('Équipe 財務 🔑');
    expect(await stores().groups.getByName('Équipe 財務 🔑')).toEqual(group);
  });

  it('adds permissions idempotently and reads them back sorted; removes only the named ones', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const group = await stores().groups.create('Finance');
    await stores().groups.addPermissions(group.id, ['billing.view_invoice', 'billing.approve_payout']);
    await stores().groups.addPermissions(group.id, ['billing.view_invoice', 'shop.view_all_orders']);
    expect(await stores().groups.permissions(group.id)).toEqual(['billing.approve_payout', 'billing.view_invoice', 'shop.view_all_orders']);
    await stores().groups.removePermissions(group.id, ['billing.view_invoice']);
    expect(await stores().groups.permissions(group.id)).toEqual(['billing.approve_payout', 'shop.view_all_orders']);
  });

  it('throws NotFoundError for an unknown or malformed permission and grants none of the batch', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const group = await stores().groups.create('Finance');
    expect(await rejectionOf(stores().groups.addPermissions(group.id, ['billing.view_invoice', 'billing.nope']))).toBeInstanceOf(NotFoundError);
    expect(await rejectionOf(stores().groups.addPermissions(group.id, ['billing.view_invoice', 'malformed']))).toBeInstanceOf(NotFoundError);
    expect(await stores().groups.permissions(group.id)).toEqual([]);
  });

  it('maps every group to its permissions in one call, empty groups included', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const finance = await stores().groups.create('Finance');
    await stores().groups.create('Nobody');
    await stores().groups.addPermissions(finance.id, ['billing.view_invoice', 'billing.approve_payout']);
    const map = await stores().groups.permissionsByGroup();
    expect([...map.keys()]).toEqual(['Finance', 'Nobody']);
    expect([...(map.get('Finance') ?? [])].sort()).toEqual(['billing.approve_payout', 'billing.view_invoice']);
    expect(map.get('Nobody')).toEqual([]);
  });

  it('adds a member idempotently, lists members and a user’s groups, and removes a member saying whether there was one', async () => {
    const [a, b] = [await stores().users.create(userRecord()), await stores().users.create(userRecord())];
    const zeta = await stores().groups.create('Zeta');
    const alpha = await stores().groups.create('Alpha');
    await stores().groups.addUser(b.id, zeta.id);
    await stores().groups.addUser(a.id, zeta.id);
    await stores().groups.addUser(a.id, zeta.id);
    await stores().groups.addUser(a.id, alpha.id);
    expect(await stores().groups.memberIds(zeta.id)).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect((await stores().groups.groupsOfUser(a.id)).map((g) => g.name)).toEqual(['Alpha', 'Zeta']);
    expect(await stores().groups.removeUser(a.id, zeta.id)).toBe(true);
    expect(await stores().groups.removeUser(a.id, zeta.id)).toBe(false);
    expect(await stores().groups.memberIds(zeta.id)).toEqual([b.id]);
  });

  it('refuses a membership for a user that does not exist, writing nothing', async () => {
    const group = await stores().groups.create('Finance');
    await rejectionOf(stores().groups.addUser(2_000_000_000, group.id));
    expect(await stores().groups.memberIds(group.id)).toEqual([]);
  });

  it('deleting a group removes its memberships and grants, not the users or permissions', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const user = await stores().users.create(userRecord());
    const group = await stores().groups.create('Finance');
    await stores().groups.addPermissions(group.id, ['billing.view_invoice']);
    await stores().groups.addUser(user.id, group.id);
    expect(await stores().groups.delete(group.id)).toBe(true);
    expect(await stores().groups.delete(group.id)).toBe(false);
    expect(await stores().groups.getByName('Finance')).toBeNull();
    expect(await stores().groups.groupsOfUser(user.id)).toEqual([]);
    expect(await stores().permissions.userPermissionRows(user.id)).toEqual({ direct: [], viaGroups: [] });
    expect(await stores().users.getById(user.id)).not.toBeNull();
    expect(await stores().permissions.list()).toHaveLength(PERMISSIONS.length);
    // A group made again under the same name starts empty.
    const again = await stores().groups.create('Finance');
    expect(await stores().groups.permissions(again.id)).toEqual([]);
  });
}
