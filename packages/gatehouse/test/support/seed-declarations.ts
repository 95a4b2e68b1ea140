/**
 * The seed's apps, permissions and roles (the example billing app's, example/src/declarations.ts),
 * declared once for every suite: the core, store, Fastify and testing helpers import them from
 * here. `seed-declarations.test.ts` holds the example's copy equal to this one, since the example
 * is a consumer of the package and cannot import the package's tests (nor they it, without a build).
 */
import { type PermissionName, defineApps } from '../../src/core/permissions.js';
import { ALL_PERMISSIONS, type RolesDeclaration, defineRoles } from '../../src/core/roles.js';

/** The seed's apps: billing, shop, support and ops. */
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
  ops: { models: { metric: {}, job: {} }, permissions: { view_metrics: 'Can view internal metrics' } },
});

/** Every permission name of the seed's apps. */
export type SeedPermission = PermissionName<typeof seedApps>;

/** CRUD on every ops model plus ops.view_metrics (the `Staff Ops` role). */
export const staffOpsPermissions: readonly SeedPermission[] = Object.freeze([
  ...(['add', 'change', 'delete', 'view'] as const).map((action) => `ops.${action}_metric` as const),
  ...(['add', 'change', 'delete', 'view'] as const).map((action) => `ops.${action}_job` as const),
  'ops.view_metrics',
]);

/** The seed's role table; its role names stay literal, so a misspelt role fails `tsc`. */
export const seedRoles = defineRoles({
  'Regular User': [],
  Support: ['auth.view_user', 'support.view_ticket', 'shop.view_all_orders'],
  'Staff Ops': staffOpsPermissions,
  'Finance Approver': ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports', 'billing.view_audit_log'],
  Admin: ALL_PERMISSIONS,
} as const satisfies RolesDeclaration<SeedPermission>);

/** The seed's role names. */
export type SeedRole = keyof typeof seedRoles & string;
