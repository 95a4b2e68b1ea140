/**
 * The `GroupStore` conformance suite, run on every test database: groups by name, their grants
 * and their members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateError, NotFoundError } from '../../src/core/errors.js';
import type { PermissionDefinition } from '../../src/core/ports.js';
import { testDatabases } from '../support/databases.js';
import { type SuiteDatabase, countRows, countWhere, openSuiteDatabase, rejectionOf, uniqueName, userRecord } from './helpers.js';

const definitions: PermissionDefinition[] = [
  { appLabel: 'billing', model: 'invoice', codename: 'view_invoice', name: 'Can view invoice' },
  { appLabel: 'billing', model: 'payout', codename: 'approve_payout', name: 'Can approve payouts' },
  { appLabel: 'billing', model: null, codename: 'export_reports', name: 'Can export reports' },
  { appLabel: 'ops', model: null, codename: 'view_metrics', name: 'Can view metrics' },
];

describe.each(testDatabases())('GroupStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
    await suite.stores.permissions.sync(definitions);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('creates a group, finds it by exact name and lists it', async () => {
    const name = uniqueName('Finance Approver');
    const group = await suite.stores.groups.create(name);
    expect(group).toEqual({ id: expect.any(Number), name });
    expect(await suite.stores.groups.getByName(name)).toEqual(group);
    expect(await suite.stores.groups.getByName(name.toUpperCase())).toBeNull();
    expect((await suite.stores.groups.list()).map((g) => g.name)).toContain(name);
  });

  it('lists groups sorted by name', async () => {
    await suite.stores.groups.create(uniqueName('zeta'));
    await suite.stores.groups.create(uniqueName('alpha'));
    const names = (await suite.stores.groups.list()).map((g) => g.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('refuses a taken name with DuplicateError(field group) and writes nothing', async () => {
    const name = uniqueName('Support');
    await suite.stores.groups.create(name);
    const before = await countRows(suite.database, 'auth_group');
    const error = await rejectionOf(suite.stores.groups.create(name));
    expect(error).toBeInstanceOf(DuplicateError);
    expect((error as DuplicateError).field).toBe('group');
    expect(await countRows(suite.database, 'auth_group')).toBe(before);
  });

  it('adds permissions idempotently and reads them back sorted', async () => {
    const group = await suite.stores.groups.create(uniqueName('Finance'));
    await suite.stores.groups.addPermissions(group.id, ['billing.view_invoice', 'billing.approve_payout']);
    await suite.stores.groups.addPermissions(group.id, ['billing.approve_payout', 'billing.export_reports']);
    expect(await suite.stores.groups.permissions(group.id)).toEqual(['billing.approve_payout', 'billing.export_reports', 'billing.view_invoice']);
    expect(await countWhere(suite.database, 'auth_group_permissions', 'group_id', group.id)).toBe(3);
  });

  it('throws NotFoundError for an unknown or malformed permission and grants none of the batch', async () => {
    const group = await suite.stores.groups.create(uniqueName('Strict'));
    for (const bad of ['billing.no_such_perm', 'nodot', 'billing.', '.view_invoice']) {
      const error = await rejectionOf(suite.stores.groups.addPermissions(group.id, ['billing.view_invoice', bad]));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).code).toBe('gatehouse.not_found.permission');
    }
    expect(await suite.stores.groups.permissions(group.id)).toEqual([]);
  });

  it('removes only the named permissions', async () => {
    const group = await suite.stores.groups.create(uniqueName('Trim'));
    await suite.stores.groups.addPermissions(group.id, ['billing.view_invoice', 'ops.view_metrics']);
    await suite.stores.groups.removePermissions(group.id, ['ops.view_metrics']);
    expect(await suite.stores.groups.permissions(group.id)).toEqual(['billing.view_invoice']);
    // Removing nothing, or something not granted, is harmless.
    await suite.stores.groups.removePermissions(group.id, []);
    await suite.stores.groups.removePermissions(group.id, ['ops.view_metrics']);
    expect(await suite.stores.groups.permissions(group.id)).toEqual(['billing.view_invoice']);
  });

  it('maps every group to its permissions in one call, empty groups included', async () => {
    const withPerms = await suite.stores.groups.create(uniqueName('WithPerms'));
    const empty = await suite.stores.groups.create(uniqueName('Empty'));
    await suite.stores.groups.addPermissions(withPerms.id, ['ops.view_metrics', 'billing.view_invoice']);
    const map = await suite.stores.groups.permissionsByGroup();
    expect([...(map.get(withPerms.name) ?? [])].sort()).toEqual(['billing.view_invoice', 'ops.view_metrics']);
    expect(map.get(empty.name)).toEqual([]);
  });

  it('adds a member idempotently, lists members and the groups of a user', async () => {
    const group = await suite.stores.groups.create(uniqueName('Members'));
    const other = await suite.stores.groups.create(uniqueName('Members other'));
    const alice = await suite.stores.users.create(userRecord());
    const bob = await suite.stores.users.create(userRecord());
    await suite.stores.groups.addUser(alice.id, group.id);
    await suite.stores.groups.addUser(alice.id, group.id);
    await suite.stores.groups.addUser(bob.id, group.id);
    await suite.stores.groups.addUser(alice.id, other.id);
    expect(await suite.stores.groups.memberIds(group.id)).toEqual([alice.id, bob.id]);
    expect((await suite.stores.groups.groupsOfUser(alice.id)).map((g) => g.id).sort((a, b) => a - b)).toEqual([group.id, other.id].sort((a, b) => a - b));
    expect(await suite.stores.groups.groupsOfUser(bob.id)).toEqual([group]);
  });

  it('removes a member and says whether there was one', async () => {
    const group = await suite.stores.groups.create(uniqueName('Leave'));
    const user = await suite.stores.users.create(userRecord());
    await suite.stores.groups.addUser(user.id, group.id);
    expect(await suite.stores.groups.removeUser(user.id, group.id)).toBe(true);
    expect(await suite.stores.groups.removeUser(user.id, group.id)).toBe(false);
    expect(await suite.stores.groups.memberIds(group.id)).toEqual([]);
  });

  it('refuses a membership for a user that does not exist (foreign key), writing nothing', async () => {
    const group = await suite.stores.groups.create(uniqueName('FK'));
    expect(await rejectionOf(suite.stores.groups.addUser(2_000_000_000, group.id))).toBeInstanceOf(Error);
    expect(await suite.stores.groups.memberIds(group.id)).toEqual([]);
  });

  it('deleting a group removes its memberships and grants, not the users or permissions', async () => {
    const group = await suite.stores.groups.create(uniqueName('Doomed'));
    const user = await suite.stores.users.create(userRecord());
    await suite.stores.groups.addUser(user.id, group.id);
    await suite.stores.groups.addPermissions(group.id, ['billing.view_invoice']);
    const permissionsBefore = await countRows(suite.database, 'auth_permission');
    expect(await suite.stores.groups.delete(group.id)).toBe(true);
    expect(await suite.stores.groups.delete(group.id)).toBe(false);
    expect(await suite.stores.groups.getByName(group.name)).toBeNull();
    expect(await countWhere(suite.database, 'auth_user_groups', 'group_id', group.id)).toBe(0);
    expect(await countWhere(suite.database, 'auth_group_permissions', 'group_id', group.id)).toBe(0);
    expect(await suite.stores.users.getById(user.id)).not.toBeNull();
    expect(await countRows(suite.database, 'auth_permission')).toBe(permissionsBefore);
  });

  it('keeps unicode group names exactly', async () => {
    const name = uniqueName('Équipe Finanças 財務');
    const group = await suite.stores.groups.create(name);
    expect((await suite.stores.groups.getByName(name))?.id).toBe(group.id);
  });
});
