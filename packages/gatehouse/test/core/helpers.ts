/**
 * Shared pieces of the core suites: the seed's apps and roles (CONTRACT.md), and a real gatehouse
 * on a fresh database of each kind, with a manual clock and cheap hasher costs.
 */
import type { ManualClock } from '../../src/core/clock.js';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import { type PermissionName, defineApps } from '../../src/core/permissions.js';
import { ALL_PERMISSIONS, defineRoles } from '../../src/core/roles.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type DatabaseKind, freshDatabaseUrl } from '../support/databases.js';

/** The example app's permissions: billing, shop, support and ops, as the seed describes them. */
export const seedApps = defineApps({
  billing: {
    models: {
      invoice: {},
      payout: { permissions: { approve_payout: 'Can approve payouts', view_audit_log: 'Can view audit log' } },
    },
    permissions: { export_reports: 'Can export reports' },
  },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
  support: { models: { ticket: {} } },
  ops: { models: { job: {}, incident: {} }, permissions: { view_metrics: 'Can view metrics' } },
});

/** Every permission name of the seed's apps. */
export type SeedPermission = PermissionName<typeof seedApps>;

/** CRUD on every ops model plus ops.view_metrics. */
export const staffOpsPermissions: SeedPermission[] = [
  ...(['add', 'change', 'delete', 'view'] as const).flatMap((action) => [`ops.${action}_job`, `ops.${action}_incident`] as const),
  'ops.view_metrics',
];

/** The seed's role table (CONTRACT.md, "Roles"). */
export const seedRoles = defineRoles<SeedPermission>({
  'Regular User': [],
  Support: ['auth.view_user', 'support.view_ticket', 'shop.view_all_orders'],
  'Staff Ops': staffOpsPermissions,
  'Finance Approver': ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports', 'billing.view_audit_log'],
  Admin: ALL_PERMISSIONS,
});

/** A gatehouse set up with the seed's apps and roles on a fresh database; `close()` drops it. */
export async function seedGatehouse(
  kind: DatabaseKind,
  options: { config?: GatehouseConfigInput; clock?: ManualClock; roles?: boolean } = {},
): Promise<TestGatehouse<SeedPermission>> {
  const fresh = await freshDatabaseUrl(kind);
  const test = await createTestGatehouse({
    apps: seedApps,
    ...(options.roles === false ? {} : { roles: seedRoles }),
    databaseUrl: fresh.url,
    ...(options.config ? { config: options.config } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    ...test,
    async close() {
      await test.close();
      await fresh.drop();
    },
  };
}

let counter = 0;

/** A username no other test in this process has used. */
export function freshUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${counter}`;
}

/** A password that passes the default validators. */
export const GOOD_PASSWORD = 'Tr0ub4dor&3-horse';
