/**
 * Type test (tsc, part of `npm test`): the account and explanation APIs take the app's own
 * permission and role names, so a typo fails to compile like it does for `hasPerm`.
 */
import { ALL_PERMISSIONS, createGatehouse, defineApps, defineRoles } from '../../src/core/index.js';
import type { Stores, User } from '../../src/core/index.js';
import { createTestGatehouse } from '../../src/testing/index.js';

declare const stores: Stores;
declare const user: User;

const apps = defineApps({
  billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } },
});
const roles = defineRoles({ 'Finance Approver': ['billing.view_invoice', 'billing.approve_payout'], Admin: ALL_PERMISSIONS });
const gatehouse = createGatehouse({ stores, apps, roles });

export async function typed(): Promise<void> {
  await gatehouse.accounts.addToGroup(user, 'Finance Approver');
  await gatehouse.accounts.removeFromGroup(user, 'Admin');
  // @ts-expect-error misspelt role
  await gatehouse.accounts.addToGroup(user, 'Finanse Approver');
  // @ts-expect-error misspelt role
  await gatehouse.accounts.removeFromGroup(user, 'admin');
  // An ad-hoc group that no role declares goes through the groups API, by any name.
  await gatehouse.groups.addMember(user, 'Auditors');

  await gatehouse.accounts.grantPermission(user, 'billing.approve_payout');
  await gatehouse.accounts.revokePermission(user, 'billing.view_invoice');
  // @ts-expect-error misspelt permission
  await gatehouse.accounts.grantPermission(user, 'billing.aprove_payout');
  // @ts-expect-error misspelt permission
  await gatehouse.accounts.revokePermission(user, 'billing.view_invoices');
  await gatehouse.explainPerm(user, 'billing.view_payout');
  // @ts-expect-error misspelt permission
  await gatehouse.explainPerm(user, 'billing.view_payouts');

  // A role granting a permission the apps do not declare fails where the two meet.
  // @ts-expect-error unknown permission in a role
  createGatehouse({ stores, apps, roles: defineRoles({ Clerk: ['billing.view_invoices'] }) });

  // Without roles, any group name is accepted (nothing to check against).
  const plain = createGatehouse({ stores, apps });
  await plain.accounts.addToGroup(user, 'Anything');

  const untyped = await createTestGatehouse({ apps });
  await untyped.gatehouse.accounts.addToGroup(user, 'Anything');

  // Test gatehouses carry the names too.
  const t = await createTestGatehouse({ apps, roles });
  await t.gatehouse.accounts.addToGroup(user, 'Admin');
  // @ts-expect-error misspelt role
  await t.gatehouse.accounts.addToGroup(user, 'Admn');
}
