/**
 * Permissions declared in code: add/change/delete/view for every model, custom ones by name,
 * names checked at start-up, and `syncPermissions` writing them idempotently on every database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createGatehouse } from '../../src/core/gatehouse.js';
import { type AppsDeclaration, defineApps, permissionDefinitions } from '../../src/core/permissions.js';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { seedApps } from './helpers.js';

const keys = (apps: AppsDeclaration): string[] => permissionDefinitions(apps).map((d) => `${d.appLabel}.${d.codename}`);

function configCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).code;
  }
  throw new Error('expected a ConfigError');
}

describe('permissionDefinitions', () => {
  it('makes add, change, delete and view for every model, auth’s own models included', () => {
    const all = keys({ shop: { models: { order: {} } } });
    expect(all).toEqual([
      'auth.add_user',
      'auth.change_user',
      'auth.delete_user',
      'auth.view_user',
      'auth.add_group',
      'auth.change_group',
      'auth.delete_group',
      'auth.view_group',
      'auth.add_permission',
      'auth.change_permission',
      'auth.delete_permission',
      'auth.view_permission',
      'auth.view_session',
      'auth.delete_session',
      'auth.view_auditlog',
      'shop.add_order',
      'shop.change_order',
      'shop.delete_order',
      'shop.view_order',
    ]);
  });

  it('adds custom permissions per model and per app, with their names and models', () => {
    const defs = permissionDefinitions(seedApps);
    expect(defs).toContainEqual({ appLabel: 'billing', model: 'payout', codename: 'approve_payout', name: 'Can approve payouts' });
    expect(defs).toContainEqual({ appLabel: 'billing', model: null, codename: 'export_reports', name: 'Can export reports' });
    expect(defs).toContainEqual({ appLabel: 'ops', model: null, codename: 'view_metrics', name: 'Can view internal metrics' });
    expect(defs).toContainEqual({ appLabel: 'billing', model: 'invoice', codename: 'view_invoice', name: 'Can view invoice' });
  });

  it('limits the defaults with defaultPermissions and uses verboseName in generated names', () => {
    const defs = permissionDefinitions({
      ops: { models: { metric_sample: { defaultPermissions: ['view'] }, job: { verboseName: 'batch job', defaultPermissions: ['add'] } } },
    });
    const ops = defs.filter((d) => d.appLabel === 'ops');
    expect(ops).toEqual([
      { appLabel: 'ops', model: 'metric_sample', codename: 'view_metric_sample', name: 'Can view metric sample' },
      { appLabel: 'ops', model: 'job', codename: 'add_job', name: 'Can add batch job' },
    ]);
  });

  it('refuses a codename declared twice in one app', () => {
    expect(configCode(() => defineApps({ shop: { models: { order: { permissions: { view_order: 'Again' } } } } }))).toBe(
      'gatehouse.config.duplicate_permission',
    );
  });

  it('refuses names that are not lower-case identifiers', () => {
    const cases: unknown[] = [
      { Shop: { models: { order: {} } } },
      { shop: { models: { 'Order-Item': {} } } },
      { shop: { permissions: { 'approve payout': 'x' } } },
      { '1shop': {} },
      { shop: { models: { order: { permissions: { 'drop;table': 'x' } } } } },
    ];
    for (const apps of cases) {
      expect(configCode(() => defineApps(apps as AppsDeclaration))).toBe('gatehouse.config.invalid_name');
    }
  });

  it('refuses an empty or over-long human-readable name', () => {
    expect(configCode(() => defineApps({ shop: { permissions: { refund: '' } } }))).toBe('gatehouse.config.invalid_permission');
    expect(configCode(() => defineApps({ shop: { permissions: { refund: 'x'.repeat(256) } } }))).toBe('gatehouse.config.invalid_permission');
  });
});

describe.each(testDatabases())('syncPermissions on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let database: Database;

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    database = await openDatabase(fresh.url);
    await database.migrate({ emailUnique: true });
  });
  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
  });

  it('writes every declared permission once; a second run changes nothing', async () => {
    const gatehouse = createGatehouse({ stores: database.stores, apps: seedApps });
    const first = await gatehouse.syncPermissions();
    expect([...first.created].sort()).toEqual([...gatehouse.permissionNames]);
    expect(first.updated).toEqual([]);
    const rows = await database.stores.permissions.list();
    expect(await gatehouse.syncPermissions()).toEqual({ created: [], updated: [] });
    expect(await database.stores.permissions.list()).toEqual(rows);
  });

  it('adds a newly declared permission and renames a changed one, keeping the rest and their ids', async () => {
    const before = await database.stores.permissions.list();
    const grown = createGatehouse({
      stores: database.stores,
      apps: { ...seedApps, shop: { models: { order: { permissions: { view_all_orders: 'Can see every order', refund_order: 'Can refund orders' } } } } },
    });
    expect(await grown.syncPermissions()).toEqual({ created: ['shop.refund_order'], updated: ['shop.view_all_orders'] });
    const after = await database.stores.permissions.list();
    const idOf = (list: typeof before, key: string) => list.find((p) => `${p.appLabel}.${p.codename}` === key)?.id;
    expect(idOf(after, 'shop.view_all_orders')).toBe(idOf(before, 'shop.view_all_orders'));
    expect(after).toHaveLength(before.length + 1);
  });

  it('lists the app’s permission names sorted, typed from the declaration', () => {
    const gatehouse = createGatehouse({ stores: database.stores, apps: seedApps });
    expect(gatehouse.permissionNames).toEqual([...gatehouse.permissionNames].sort());
    expect(gatehouse.permissionNames).toContain('billing.approve_payout');
    expect(gatehouse.permissionNames).toContain('auth.view_user');
  });
});
