/**
 * Permission checks on every test database, with Django's rules: superusers pass, inactive users
 * (superusers included) fail, direct and group grants combine; the per-`User` cache costs one query
 * per user object, and a user loaded after a revoke sees the revoke. `explainPerm` says why.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PermissionSet } from '../../src/core/authorization.js';
import { anonymousUser, type User } from '../../src/core/user.js';
import type { TestGatehouse } from '../../src/testing/index.js';
import { testDatabases } from '../support/databases.js';
import { type SeedPermission, freshUsername, seedGatehouse } from './helpers.js';

describe.each(testDatabases())('authorization on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;

  /** Reloads a user: a new `User` object, as the next request would have. */
  async function reload(user: User): Promise<User> {
    return (await t.database.stores.users.getById(user.id))!;
  }

  /** A user in Finance Approver with one direct grant (shop.view_all_orders). */
  async function financeUser(options: { isActive?: boolean } = {}): Promise<User> {
    const user = await t.gatehouse.accounts.createUser({ username: freshUsername('fin'), isActive: options.isActive ?? true });
    await t.gatehouse.accounts.addToGroup(user, 'Finance Approver');
    await t.gatehouse.accounts.grantPermission(user, 'shop.view_all_orders');
    return reload(user);
  }

  beforeAll(async () => {
    t = await seedGatehouse(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('hasPerm and friends', () => {
    it('combine group grants and direct grants, and nothing else', async () => {
      const user = await financeUser();
      expect(await t.gatehouse.hasPerm(user, 'billing.approve_payout')).toBe(true);
      expect(await t.gatehouse.hasPerm(user, 'shop.view_all_orders')).toBe(true);
      expect(await t.gatehouse.hasPerm(user, 'ops.view_metrics')).toBe(false);
      expect(await t.gatehouse.hasPerm(user, 'billing.delete_invoice')).toBe(false);
      expect(await t.gatehouse.hasPerms(user, ['billing.view_invoice', 'shop.view_all_orders'])).toBe(true);
      expect(await t.gatehouse.hasPerms(user, ['billing.view_invoice', 'ops.view_metrics'])).toBe(false);
      expect(await t.gatehouse.hasPerms(user, [])).toBe(true);
      expect(await t.gatehouse.hasModulePerms(user, 'billing')).toBe(true);
      expect(await t.gatehouse.hasModulePerms(user, 'shop')).toBe(true);
      expect(await t.gatehouse.hasModulePerms(user, 'ops')).toBe(false);
      expect([...(await t.gatehouse.getAllPermissions(user))].sort()).toEqual([
        'billing.approve_payout',
        'billing.export_reports',
        'billing.view_audit_log',
        'billing.view_invoice',
        'shop.view_all_orders',
      ]);
      expect([...(await t.gatehouse.authz.getUserPermissions(user))]).toEqual(['shop.view_all_orders']);
      expect((await t.gatehouse.authz.getGroupPermissions(user)).has('shop.view_all_orders')).toBe(false);
      expect((await t.gatehouse.authz.getGroupPermissions(user)).size).toBe(4);
    });

    it('a user with no grants has nothing, not even module permissions', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('plain') });
      expect(await t.gatehouse.hasPerm(user, 'billing.view_invoice')).toBe(false);
      expect(await t.gatehouse.hasModulePerms(user, 'billing')).toBe(false);
      expect(await t.gatehouse.getAllPermissions(user)).toEqual(new Set());
    });

    it('hasModulePerms matches the app label exactly, not as a prefix of another', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('mod') });
      await t.gatehouse.accounts.grantPermission(user, 'shop.view_order');
      const fresh = await reload(user);
      expect(await t.gatehouse.authz.hasModulePerms(fresh, 'sho')).toBe(false);
      expect(await t.gatehouse.authz.hasModulePerms(fresh, 'shop')).toBe(true);
    });

    it('an active superuser has every permission, even one nobody declared, without a query', async () => {
      const root = await t.gatehouse.accounts.createSuperuser({ username: freshUsername('root') });
      const spy = vi.spyOn(t.gatehouse.stores.permissions, 'userPermissionRows');
      expect(await t.gatehouse.hasPerm(root, 'ops.view_metrics')).toBe(true);
      expect(await t.gatehouse.authz.hasPerm(root, 'made.up_permission')).toBe(true);
      expect(await t.gatehouse.hasPerms(root, ['billing.approve_payout', 'auth.delete_user'])).toBe(true);
      expect(await t.gatehouse.hasModulePerms(root, 'ops')).toBe(true);
      expect(spy).not.toHaveBeenCalled();
      expect([...(await t.gatehouse.getAllPermissions(root))].sort()).toEqual([...t.gatehouse.permissionNames]);
    });

    it('an inactive user has no permission at all, an inactive superuser included', async () => {
      const inactive = await financeUser({ isActive: false });
      const inactiveRoot = await t.gatehouse.accounts.createSuperuser({ username: freshUsername('oldroot') });
      const deactivated = await t.gatehouse.accounts.setActive(inactiveRoot, false);
      for (const user of [inactive, deactivated]) {
        expect(await t.gatehouse.hasPerm(user, 'billing.approve_payout')).toBe(false);
        expect(await t.gatehouse.hasPerms(user, [])).toBe(false);
        expect(await t.gatehouse.hasModulePerms(user, 'billing')).toBe(false);
        expect(await t.gatehouse.getAllPermissions(user)).toEqual(new Set());
      }
    });

    it('the anonymous user has no permission', async () => {
      expect(await t.gatehouse.hasPerm(anonymousUser, 'billing.view_invoice')).toBe(false);
      expect(await t.gatehouse.hasPerms(anonymousUser, [])).toBe(false);
      expect(await t.gatehouse.hasModulePerms(anonymousUser, 'billing')).toBe(false);
      expect(await t.gatehouse.getAllPermissions(anonymousUser)).toEqual(new Set());
    });
  });

  describe('the per-request cache', () => {
    it('loads a user’s permissions with one query per User object, however many checks', async () => {
      const user = await financeUser();
      const spy = vi.spyOn(t.gatehouse.stores.permissions, 'userPermissionRows');
      await Promise.all([t.gatehouse.hasPerm(user, 'billing.view_invoice'), t.gatehouse.hasPerm(user, 'ops.view_metrics')]);
      await t.gatehouse.hasPerms(user, ['billing.view_invoice', 'billing.approve_payout']);
      await t.gatehouse.hasModulePerms(user, 'billing');
      await t.gatehouse.getAllPermissions(user);
      await t.gatehouse.explainPerm(user, 'billing.view_invoice');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy).toHaveBeenCalledWith(user.id);

      // Another object for the same row is another request: one more query.
      await t.gatehouse.hasPerm(await reload(user), 'billing.view_invoice');
      expect(spy).toHaveBeenCalledTimes(2);
    });

    it('answers from memory once loaded: permissionsOf is synchronous then, and no store is asked again', async () => {
      const user = await financeUser();
      expect(t.gatehouse.authz.permissionsOf(user)).toBeInstanceOf(Promise);
      await t.gatehouse.hasPerm(user, 'billing.view_invoice');
      const spy = vi.spyOn(t.gatehouse.stores.permissions, 'userPermissionRows');
      const ready = t.gatehouse.authz.permissionsOf(user);
      expect(ready).not.toBeInstanceOf(Promise);
      expect((ready as PermissionSet).all.has('billing.view_invoice')).toBe(true);
      expect(await t.gatehouse.hasPerm(user, 'billing.view_invoice')).toBe(true);
      expect(await t.gatehouse.hasPerm(user, 'ops.view_metrics')).toBe(false);
      expect(spy).not.toHaveBeenCalled();
    });

    it('a revoke done behind its back is seen by a newly loaded User, and by the old one after clearCache', async () => {
      const user = await financeUser();
      expect(await t.gatehouse.hasPerm(user, 'shop.view_all_orders')).toBe(true);
      // Another instance revokes: straight through the store, nothing here is told.
      await t.gatehouse.stores.permissions.revokeFromUser(user.id, 'shop.view_all_orders');
      expect(await t.gatehouse.hasPerm(user, 'shop.view_all_orders')).toBe(true); // this request's snapshot
      expect(await t.gatehouse.hasPerm(await reload(user), 'shop.view_all_orders')).toBe(false);
      t.gatehouse.authz.clearCache(user);
      expect(await t.gatehouse.hasPerm(user, 'shop.view_all_orders')).toBe(false);
    });

    it('a permission taken from a group is gone for a newly loaded member', async () => {
      const user = await financeUser();
      expect(await t.gatehouse.hasPerm(user, 'billing.export_reports')).toBe(true);
      const finance = (await t.gatehouse.stores.groups.getByName('Finance Approver'))!;
      await t.gatehouse.stores.groups.removePermissions(finance.id, ['billing.export_reports']);
      try {
        expect(await t.gatehouse.hasPerm(await reload(user), 'billing.export_reports')).toBe(false);
      } finally {
        await t.gatehouse.stores.groups.addPermissions(finance.id, ['billing.export_reports']);
      }
    });

    it('grants and revokes made through accounts clear the cache of the User object they were given', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('cache') });
      expect(await t.gatehouse.hasPerm(user, 'ops.view_metrics')).toBe(false);
      await t.gatehouse.accounts.grantPermission(user, 'ops.view_metrics');
      expect(await t.gatehouse.hasPerm(user, 'ops.view_metrics')).toBe(true);
      await t.gatehouse.accounts.revokePermission(user, 'ops.view_metrics');
      expect(await t.gatehouse.hasPerm(user, 'ops.view_metrics')).toBe(false);
      await t.gatehouse.accounts.addToGroup(user, 'Support');
      expect(await t.gatehouse.hasPerm(user, 'support.view_ticket')).toBe(true);
      await t.gatehouse.accounts.removeFromGroup(user, 'Support');
      expect(await t.gatehouse.hasPerm(user, 'support.view_ticket')).toBe(false);
    });

    it('does not cache a failed load: the next check queries again', async () => {
      const user = await financeUser();
      const spy = vi.spyOn(t.gatehouse.stores.permissions, 'userPermissionRows').mockRejectedValueOnce(new Error('connection reset'));
      await expect(t.gatehouse.hasPerm(user, 'billing.view_invoice')).rejects.toThrow('connection reset');
      expect(await t.gatehouse.hasPerm(user, 'billing.view_invoice')).toBe(true);
      expect(spy).toHaveBeenCalledTimes(2);
    });
  });

  describe('explainPerm', () => {
    it('names a direct grant', async () => {
      const user = await financeUser();
      const why = await t.gatehouse.explainPerm(user, 'shop.view_all_orders');
      expect(why).toMatchObject({ granted: true, sources: [{ kind: 'direct' }], blockedBy: null });
      expect(why.summary).toContain('a direct grant');
    });

    it('names the group', async () => {
      const user = await financeUser();
      const why = await t.gatehouse.explainPerm(user, 'billing.approve_payout');
      expect(why).toMatchObject({ granted: true, sources: [{ kind: 'group', group: 'Finance Approver' }], blockedBy: null });
      expect(why.summary).toContain('group "Finance Approver"');
    });

    it('names every source when there are several', async () => {
      const user = await financeUser();
      await t.gatehouse.accounts.addToGroup(user, 'Support');
      const why = await t.gatehouse.explainPerm(await reload(user), 'shop.view_all_orders');
      expect(why.granted).toBe(true);
      expect(why.sources).toEqual(expect.arrayContaining([{ kind: 'direct' }, { kind: 'group', group: 'Support' }]));
      expect(why.sources).toHaveLength(2);
    });

    it('names the superuser flag', async () => {
      const root = await t.gatehouse.accounts.createSuperuser({ username: freshUsername('root') });
      const why = await t.gatehouse.explainPerm(root, 'ops.view_metrics');
      expect(why).toMatchObject({ granted: true, sources: [{ kind: 'superuser' }], blockedBy: null });
      expect(why.summary).toContain('superuser');
    });

    it('says why not: nothing grants it, the user is inactive, or nobody is logged in', async () => {
      const user = await financeUser();
      const none = await t.gatehouse.explainPerm(user, 'ops.view_metrics');
      expect(none).toMatchObject({ granted: false, sources: [], blockedBy: 'not_granted' });
      expect(none.summary).toContain('ops.view_metrics');

      const root = await t.gatehouse.accounts.createSuperuser({ username: freshUsername('root') });
      const inactive = await t.gatehouse.explainPerm(await t.gatehouse.accounts.setActive(root, false), 'ops.view_metrics');
      expect(inactive).toMatchObject({ granted: false, sources: [], blockedBy: 'inactive' });

      expect(await t.gatehouse.explainPerm(anonymousUser, 'ops.view_metrics')).toMatchObject({ granted: false, blockedBy: 'anonymous' });
    });

    it('agrees with hasPerm for every permission of a mixed user', async () => {
      const user = await financeUser();
      for (const perm of t.gatehouse.permissionNames) {
        expect((await t.gatehouse.explainPerm(user, perm)).granted).toBe(await t.gatehouse.hasPerm(user, perm));
      }
    });
  });
});
