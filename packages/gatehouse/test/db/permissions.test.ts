/**
 * The `PermissionStore` conformance suite, run on every test database: syncing declared
 * permissions (idempotent, never deleting), direct grants, and the one-query read of a user's
 * grants that the per-request permission cache is built from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/core/errors.js';
import type { PermissionDefinition } from '../../src/core/ports.js';
import { testDatabases } from '../support/databases.js';
import { type SuiteDatabase, countRows, openSuiteDatabase, rejectionOf, uniqueName, userRecord } from './helpers.js';

const shop: PermissionDefinition[] = [
  { appLabel: 'shop', model: 'order', codename: 'add_order', name: 'Can add order' },
  { appLabel: 'shop', model: 'order', codename: 'view_order', name: 'Can view order' },
  { appLabel: 'shop', model: 'order', codename: 'view_all_orders', name: 'Can view all orders' },
  { appLabel: 'support', model: 'ticket', codename: 'view_ticket', name: 'Can view ticket' },
];

describe.each(testDatabases())('PermissionStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    await suite?.close();
  });

  describe('sync', () => {
    it('creates what is missing, then does nothing the second time', async () => {
      const first = await suite.stores.permissions.sync(shop);
      expect(first).toEqual({ created: shop.map((d) => `${d.appLabel}.${d.codename}`), updated: [] });
      const rows = await countRows(suite.database, 'auth_permission');
      expect(await suite.stores.permissions.sync(shop)).toEqual({ created: [], updated: [] });
      expect(await countRows(suite.database, 'auth_permission')).toBe(rows);
    });

    it('refreshes a changed name or model and reports it as updated', async () => {
      await suite.stores.permissions.sync(shop);
      const renamed = shop.map((d) => (d.codename === 'view_all_orders' ? { ...d, name: 'Can view every order', model: null } : d));
      expect(await suite.stores.permissions.sync(renamed)).toEqual({ created: [], updated: ['shop.view_all_orders'] });
      const row = (await suite.stores.permissions.list()).find((p) => p.codename === 'view_all_orders');
      expect(row).toMatchObject({ appLabel: 'shop', model: null, name: 'Can view every order' });
      await suite.stores.permissions.sync(shop);
    });

    it('never deletes a permission that is no longer declared', async () => {
      await suite.stores.permissions.sync(shop);
      const before = await suite.stores.permissions.list();
      expect(await suite.stores.permissions.sync(shop.slice(0, 1))).toEqual({ created: [], updated: [] });
      expect(await suite.stores.permissions.list()).toEqual(before);
    });

    it('lists every permission with its id, sorted by app label then codename', async () => {
      await suite.stores.permissions.sync(shop);
      const list = await suite.stores.permissions.list();
      expect(list.every((p) => Number.isInteger(p.id) && p.id > 0)).toBe(true);
      const keys = list.map((p) => `${p.appLabel}.${p.codename}`);
      expect(keys).toEqual([...keys].sort());
      expect(keys).toEqual(expect.arrayContaining(['shop.add_order', 'support.view_ticket']));
    });
  });

  describe('grants', () => {
    beforeAll(async () => {
      await suite.stores.permissions.sync(shop);
    });

    it('grants directly (idempotently) and revokes', async () => {
      const user = await suite.stores.users.create(userRecord());
      await suite.stores.permissions.grantToUser(user.id, 'shop.view_order');
      await suite.stores.permissions.grantToUser(user.id, 'shop.view_order');
      expect(await suite.stores.permissions.userPermissionRows(user.id)).toEqual({ direct: ['shop.view_order'], viaGroups: [] });
      await suite.stores.permissions.revokeFromUser(user.id, 'shop.view_order');
      expect(await suite.stores.permissions.userPermissionRows(user.id)).toEqual({ direct: [], viaGroups: [] });
    });

    it('throws NotFoundError for an unknown permission, on grant and on revoke', async () => {
      const user = await suite.stores.users.create(userRecord());
      expect(await rejectionOf(suite.stores.permissions.grantToUser(user.id, 'shop.fly'))).toBeInstanceOf(NotFoundError);
      expect(await rejectionOf(suite.stores.permissions.revokeFromUser(user.id, 'shop.fly'))).toBeInstanceOf(NotFoundError);
      expect(await rejectionOf(suite.stores.permissions.grantToUser(user.id, 'no-dot'))).toBeInstanceOf(NotFoundError);
    });

    it('reads direct and group grants together, naming the group for each group grant', async () => {
      const user = await suite.stores.users.create(userRecord());
      const support = await suite.stores.groups.create(uniqueName('Support'));
      const viewers = await suite.stores.groups.create(uniqueName('Viewers'));
      const unrelated = await suite.stores.groups.create(uniqueName('Unrelated'));
      await suite.stores.groups.addPermissions(support.id, ['support.view_ticket', 'shop.view_all_orders']);
      await suite.stores.groups.addPermissions(viewers.id, ['shop.view_all_orders']);
      await suite.stores.groups.addPermissions(unrelated.id, ['shop.add_order']);
      await suite.stores.groups.addUser(user.id, support.id);
      await suite.stores.groups.addUser(user.id, viewers.id);
      await suite.stores.permissions.grantToUser(user.id, 'shop.view_order');

      const rows = await suite.stores.permissions.userPermissionRows(user.id);
      expect(rows.direct).toEqual(['shop.view_order']);
      const byKey = (a: { group: string; permission: string }, b: { group: string; permission: string }): number =>
        `${a.group}|${a.permission}` < `${b.group}|${b.permission}` ? -1 : 1;
      expect([...rows.viaGroups].sort(byKey)).toEqual(
        [
          { group: support.name, permission: 'support.view_ticket' },
          { group: support.name, permission: 'shop.view_all_orders' },
          { group: viewers.name, permission: 'shop.view_all_orders' },
        ].sort(byKey),
      );
    });

    it('does not mistake a grant through a group with an empty name for a direct grant', async () => {
      // The store accepts any name (roles-as-code refuses blank ones, the store does not), so the
      // one-query read must tell the sources apart by something other than the group name.
      const user = await suite.stores.users.create(userRecord());
      const group = await suite.stores.groups.create('');
      await suite.stores.groups.addPermissions(group.id, ['shop.add_order']);
      await suite.stores.groups.addUser(user.id, group.id);
      expect(await suite.stores.permissions.userPermissionRows(user.id)).toEqual({
        direct: [],
        viaGroups: [{ group: group.name, permission: 'shop.add_order' }],
      });
    });

    it('returns nothing for a user without grants or a missing user', async () => {
      const user = await suite.stores.users.create(userRecord());
      expect(await suite.stores.permissions.userPermissionRows(user.id)).toEqual({ direct: [], viaGroups: [] });
      expect(await suite.stores.permissions.userPermissionRows(2_000_000_000)).toEqual({ direct: [], viaGroups: [] });
    });
  });
});
