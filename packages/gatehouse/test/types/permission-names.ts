/**
 * Type test, checked by `tsc -p tsconfig.test.json` (part of `npm test`): permission names are a
 * union derived from the declaration, so a typo does not compile.
 */
import { defineApps, type PermissionName } from '../../src/core/permissions.js';

const apps = defineApps({
  billing: {
    models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } },
    permissions: { export_reports: 'Can export reports' },
  },
  ops: { models: { metric: { defaultPermissions: ['view'] } } },
});
type Perm = PermissionName<typeof apps>;

function takes(_perm: Perm): void {}

takes('billing.approve_payout');
takes('billing.view_invoice');
takes('billing.delete_payout');
takes('billing.export_reports');
takes('ops.view_metric');
takes('auth.view_user');
// @ts-expect-error misspelt custom permission
takes('billing.aprove_payout');
// @ts-expect-error defaultPermissions limits ops.metric to view
takes('ops.add_metric');
// @ts-expect-error unknown app
takes('shop.view_order');
// @ts-expect-error permissions are case-sensitive, as in Django
takes('Billing.view_invoice');
