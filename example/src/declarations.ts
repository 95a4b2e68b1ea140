/**
 * The example's apps, permissions and roles, kept in code (CONTRACT.md's role table). The
 * server, the migrations and the `gatehouse` command all read them from here, so there is one
 * source of truth and `gatehouse roles plan --check` catches any drift in a deployed database.
 */
import { ALL_PERMISSIONS, type PermissionName, defineApps, defineRoles } from 'gatehouse';

export const apps = defineApps({
  billing: {
    models: {
      invoice: {},
      payout: {
        permissions: {
          approve_payout: 'Can approve payouts',
          view_audit_log: 'Can view audit log',
        },
      },
    },
    permissions: { export_reports: 'Can export reports' },
  },
  shop: {
    models: { order: { permissions: { view_all_orders: 'Can view all orders' } } },
  },
  support: {
    models: { ticket: {} },
  },
  ops: {
    models: { metric: {}, job: {} },
    permissions: { view_metrics: 'Can view internal metrics' },
  },
});

/** Every permission name the example declares. */
export type Permission = PermissionName<typeof apps>;

export const roles = defineRoles<Permission>({
  'Regular User': [],
  Support: ['auth.view_user', 'support.view_ticket', 'shop.view_all_orders'],
  'Staff Ops': [
    'ops.add_metric',
    'ops.change_metric',
    'ops.delete_metric',
    'ops.view_metric',
    'ops.add_job',
    'ops.change_job',
    'ops.delete_job',
    'ops.view_job',
    'ops.view_metrics',
  ],
  'Finance Approver': ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports', 'billing.view_audit_log'],
  Admin: ALL_PERMISSIONS,
});
