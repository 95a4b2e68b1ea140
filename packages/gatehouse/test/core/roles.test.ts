/**
 * Roles as code on every test database: `planRoles` reports missing groups and missing or extra
 * permissions, `applyRoles` fixes them in one transaction (pruning only when asked), and applying
 * the seed's role table twice changes nothing the second time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import { type Gatehouse, createGatehouse } from '../../src/core/gatehouse.js';
import { ALL_PERMISSIONS, applyRoles, defineRoles, formatRolePlan, planRoles } from '../../src/core/roles.js';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type SeedPermission, seedApps, seedRoles, staffOpsPermissions } from './helpers.js';

describe('defineRoles', () => {
  it('refuses a blank or over-long role name', () => {
    for (const name of ['', '   ', 'r'.repeat(151)]) {
      let code = '';
      try {
        defineRoles({ [name]: [] });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        code = (error as ConfigError).code;
      }
      expect(code).toBe('gatehouse.config.invalid_role');
    }
    expect(defineRoles({ ['r'.repeat(150)]: [] })).toEqual({ ['r'.repeat(150)]: [] });
  });
});

describe.each(testDatabases())('roles as code on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let database: Database;
  let gatehouse: Gatehouse<SeedPermission>;

  /** Every group with its sorted permissions and its id, read straight from the stores. */
  async function groupState(): Promise<Record<string, { id: number; permissions: string[] }>> {
    const state: Record<string, { id: number; permissions: string[] }> = {};
    for (const group of await database.stores.groups.list()) {
      state[group.name] = { id: group.id, permissions: await database.stores.groups.permissions(group.id) };
    }
    return state;
  }

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    database = await openDatabase(fresh.url);
    await database.migrate({ emailUnique: true });
    gatehouse = createGatehouse({ stores: database.stores, apps: seedApps, roles: seedRoles, config: { secretKey: 'roles-test-secret-key-0123456789abcdef' } });
    await gatehouse.syncPermissions();
  });
  beforeEach(async () => {
    // Each test starts with no groups (grants and memberships go with them).
    await database.db.deleteFrom('auth_group').execute();
  });
  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
  });

  it('plans every seed role as a missing group with its permissions', async () => {
    const plan = await gatehouse.planRoles();
    expect(plan.inSync).toBe(false);
    expect(plan.undeclaredGroups).toEqual([]);
    const byRole = Object.fromEntries(plan.drift.map((d) => [d.role, d]));
    expect(Object.keys(byRole).sort()).toEqual(['Admin', 'Finance Approver', 'Regular User', 'Staff Ops', 'Support']);
    expect(byRole['Regular User']).toEqual({ role: 'Regular User', missingGroup: true, missingPermissions: [], extraPermissions: [] });
    expect(byRole.Support?.missingPermissions).toEqual(['auth.view_user', 'shop.view_all_orders', 'support.view_ticket']);
    expect(byRole.Admin?.missingPermissions).toEqual([...gatehouse.permissionNames]);
  });

  it('applies the seed role table exactly as CONTRACT.md lists it', async () => {
    const result = await gatehouse.applyRoles();
    expect([...result.createdGroups].sort()).toEqual(['Admin', 'Finance Approver', 'Regular User', 'Staff Ops', 'Support']);
    const state = await groupState();
    expect(state['Regular User']?.permissions).toEqual([]);
    expect(state.Support?.permissions).toEqual(['auth.view_user', 'shop.view_all_orders', 'support.view_ticket']);
    expect(state['Staff Ops']?.permissions).toEqual([...staffOpsPermissions].sort());
    expect(state['Staff Ops']?.permissions).toHaveLength(9);
    expect(state['Finance Approver']?.permissions).toEqual([
      'billing.approve_payout',
      'billing.export_reports',
      'billing.view_audit_log',
      'billing.view_invoice',
    ]);
    expect(state.Admin?.permissions).toEqual([...gatehouse.permissionNames]);
    expect((await gatehouse.planRoles()).inSync).toBe(true);
  });

  it('applying twice changes nothing the second time: same result, same rows, no audit entry', async () => {
    await gatehouse.applyRoles();
    const afterFirst = await groupState();
    const auditHead = await database.stores.audit.head();
    const second = await gatehouse.applyRoles();
    expect(second).toEqual({ createdGroups: [], granted: [], revoked: [] });
    expect(await groupState()).toEqual(afterFirst);
    expect(await database.stores.audit.head()).toEqual(auditHead);
  });

  it('records a change in the audit log as roles.apply', async () => {
    await gatehouse.applyRoles();
    const [entry] = await gatehouse.audit.list({ action: 'roles.apply', limit: 1 });
    expect(entry?.data).toMatchObject({ createdGroups: expect.arrayContaining(['Support']) });
  });

  it('reports a permission granted in the database but not in code, keeps it unless told to prune', async () => {
    await gatehouse.applyRoles();
    const support = (await database.stores.groups.getByName('Support'))!;
    await database.stores.groups.addPermissions(support.id, ['billing.view_invoice']);

    const plan = await gatehouse.planRoles();
    expect(plan.drift).toEqual([{ role: 'Support', missingGroup: false, missingPermissions: [], extraPermissions: ['billing.view_invoice'] }]);
    expect(formatRolePlan(plan)).toContain('! billing.view_invoice');
    expect(formatRolePlan(plan, { prune: true })).toContain('- billing.view_invoice');

    expect(await gatehouse.applyRoles()).toEqual({ createdGroups: [], granted: [], revoked: [] });
    expect(await database.stores.groups.permissions(support.id)).toContain('billing.view_invoice');

    expect(await gatehouse.applyRoles({ prune: true })).toEqual({
      createdGroups: [],
      granted: [],
      revoked: [{ role: 'Support', permissions: ['billing.view_invoice'] }],
    });
    expect(await database.stores.groups.permissions(support.id)).toEqual(['auth.view_user', 'shop.view_all_orders', 'support.view_ticket']);
    expect((await gatehouse.planRoles()).inSync).toBe(true);
  });

  it('grants back a permission removed from the database by hand', async () => {
    await gatehouse.applyRoles();
    const finance = (await database.stores.groups.getByName('Finance Approver'))!;
    await database.stores.groups.removePermissions(finance.id, ['billing.approve_payout']);
    const plan = await gatehouse.planRoles();
    expect(plan.drift).toEqual([{ role: 'Finance Approver', missingGroup: false, missingPermissions: ['billing.approve_payout'], extraPermissions: [] }]);
    expect(formatRolePlan(plan)).toContain('+ billing.approve_payout');
    expect(await gatehouse.applyRoles()).toEqual({
      createdGroups: [],
      granted: [{ role: 'Finance Approver', permissions: ['billing.approve_payout'] }],
      revoked: [],
    });
    expect((await database.stores.groups.getByName('Finance Approver'))?.id).toBe(finance.id);
  });

  it('reports groups no role declares and leaves them alone, prune or not', async () => {
    const legacy = await database.stores.groups.create('Legacy Editors');
    await database.stores.groups.addPermissions(legacy.id, ['shop.change_order']);
    await gatehouse.applyRoles({ prune: true });
    const plan = await gatehouse.planRoles();
    expect(plan).toMatchObject({ inSync: true, undeclaredGroups: ['Legacy Editors'] });
    expect(formatRolePlan(plan)).toBe('Roles are in sync with the database.');
    expect(await database.stores.groups.permissions(legacy.id)).toEqual(['shop.change_order']);
  });

  it('refuses a role naming a permission no app declares, writing nothing', async () => {
    const roles = { Broken: ['billing.view_invoice', 'billing.launch_rockets'] };
    let error: unknown;
    try {
      await applyRoles(database.stores, roles, gatehouse.permissionNames);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('gatehouse.config.unknown_permission_in_role');
    expect(await database.stores.groups.list()).toEqual([]);
    await expect(planRoles(database.stores, roles, gatehouse.permissionNames)).rejects.toBeInstanceOf(ConfigError);
  });

  it('runs in one transaction: a failure on a later role undoes the groups and grants of earlier ones', async () => {
    // Declared in code but never synced to the database, so granting it fails midway.
    const declared = [...gatehouse.permissionNames, 'billing.not_synced_yet'];
    const roles = { 'First Role': ['billing.view_invoice'], 'Second Role': ['billing.not_synced_yet'] };
    let error: unknown;
    try {
      await applyRoles(database.stores, roles, declared);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect(await database.stores.groups.list()).toEqual([]);
  });

  it('expands ALL_PERMISSIONS to whatever is declared at the time', async () => {
    await applyRoles(database.stores, { Everything: ALL_PERMISSIONS }, ['billing.view_invoice', 'ops.view_metrics']);
    const group = (await database.stores.groups.getByName('Everything'))!;
    expect(await database.stores.groups.permissions(group.id)).toEqual(['billing.view_invoice', 'ops.view_metrics']);
  });
});
