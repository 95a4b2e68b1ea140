/**
 * Type test, checked by `tsc -p tsconfig.test.json`: access declarations and guards built through
 * `accessFor(gatehouse)` / `guardsFor(gatehouse)` are typed by the app's permission names, and the
 * request decorations and route config keys are typed.
 */
import Fastify from 'fastify';
import type { Gatehouse } from '../../src/core/gatehouse.js';
import { type PermissionName, defineApps } from '../../src/core/permissions.js';
import type { AnyUser } from '../../src/core/user.js';
import { accessFor, authorizeObject, gatehouseFastify, guardsFor, ruleFilter } from '../../src/fastify/index.js';

const apps = defineApps({
  billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
});
declare const gatehouse: Gatehouse<PermissionName<typeof apps>>;

const { permission, permissions, critical, recentAuth, authenticated, defineRule, objectRule, publicAccess, staffOnly } = accessFor(gatehouse);
const { permissionRequired } = guardsFor(gatehouse);

permission('billing.approve_payout');
permission('billing.view_invoice', 'shop.view_all_orders');
permissions(['billing.view_invoice'], { recentAuth: 600 });
critical('billing.approve_payout', { recentAuth: true });
recentAuth(permission('billing.view_invoice'), 300);
permissionRequired('shop.view_all_orders');
permissionRequired(['shop.view_all_orders', 'billing.view_invoice'], { raiseException: true });

// @ts-expect-error misspelt permission
permission('billing.aprove_payout');
// @ts-expect-error permission() needs at least one permission
permission();
// @ts-expect-error unknown app
critical('ops.view_metrics');
// @ts-expect-error misspelt permission in a list
permissions(['billing.view_invoice', 'billing.view_invoices']);
// @ts-expect-error misspelt permission in a guard
permissionRequired('shop.view_all_order');
// @ts-expect-error recentAuth must be seconds or true
authenticated({ recentAuth: '10m' });

interface Order {
  id: number;
  userId: number;
}
interface DB {
  orders: { id: number; user_id: number };
}
const orders = defineRule<Order, DB, 'orders'>({
  name: 'orders',
  grantedBy: ['shop.view_all_orders'],
  check: (user, order) => order.userId === user.id,
  where: (user, eb) => eb('orders.user_id', '=', user.id),
});
defineRule<Order, DB, 'orders'>({
  name: 'orders',
  // @ts-expect-error grantedBy is checked against the app's permissions
  grantedBy: ['shop.view_every_order'],
  check: () => true,
  where: (_user, eb) => eb('orders.id', '>', 0),
});
defineRule<Order, DB, 'orders'>({
  name: 'orders',
  check: () => true,
  // @ts-expect-error the where-clause is checked against the table
  where: (_user, eb) => eb('orders.owner', '=', 1),
});

const app = Fastify();
await app.register(gatehouseFastify, { gatehouse });
app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async (request) => {
  const user: AnyUser = request.user;
  const token: string = request.csrfToken();
  return { user: user.username, token };
});
app.get<{ Params: { id: string } }>(
  '/orders/:id/',
  { config: { access: objectRule(orders) }, preHandler: permissionRequired('shop.view_all_orders') },
  async (request) => {
    const order = await authorizeObject(request, orders, { id: Number(request.params.id), userId: 1 });
    const where = await ruleFilter(request, orders);
    return { id: order.id, filtered: typeof where === 'function' };
  },
);
app.post('/hook/', { config: { access: permission('billing.view_invoice'), csrf: false } }, async () => 'ok');
// @ts-expect-error access must be a declaration, not a permission name
app.get('/bad/', { config: { access: 'billing.view_invoice' } }, async () => 'x');
// @ts-expect-error login takes a stored user, not the anonymous one (a public route's user may be anonymous)
app.post('/login-anon/', { config: { access: publicAccess() } }, async (request) => request.login(request.user));

// A route whose access needs a logged-in user hands its handler a `User`: the id is a number.
app.get('/me/', { config: { access: authenticated() } }, async (request) => {
  const id: number = request.user.id;
  return { id };
});
app.get('/staff/', { config: { access: staffOnly({ recentAuth: true }) } }, async (request) => ({ id: request.user.id satisfies number }));
app.get('/public/', { config: { access: publicAccess() } }, async (request) => {
  // @ts-expect-error on a public route the user may be anonymous (id null)
  const id: number = request.user.id;
  return { id };
});
