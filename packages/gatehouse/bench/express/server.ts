/**
 * gatehouse on Express, for the benchmark (issue 11): the example's measured routes written with
 * `gatehouse/express` on Express 5, over the example's own services (the same database file,
 * gatehouse configuration, apps and roles, throttle), answering the same JSON as the example and
 * the Express/Passport peer. Every route declares its access with a guard first; the account
 * views are mounted at /accounts/ (the bench logs in through them, CSRF form and all).
 *
 *   PORT=… HOST=127.0.0.1 DATABASE_URL=sqlite:/tmp/x.sqlite3 SECRET_KEY=… npx tsx bench/express/server.ts
 *
 * The database must have been prepared by the example (scripts/bench.mjs does it).
 */
import express, { type Request, type Response } from 'express';
import { NotFoundError } from 'gatehouse';
import { access, accessFor, authorizeObject, gatehouseExpress, loggedInUser } from 'gatehouse/express';
import { CompiledQuery } from 'kysely';
import { loadSettings } from '../../../../example/src/config.js';
import type { AppSchema } from '../../../../example/src/schema.js';
import { openServices } from '../../../../example/src/services.js';

const settings = loadSettings(process.env);
const services = await openServices(settings);
const { db, gatehouse } = services;
const { publicAccess, authenticated, permission, objectRule, defineRule } = accessFor(gatehouse);

interface OrderRow {
  id: number;
  owner_id: number;
  item: string;
  amount_cents: number;
  created_at: number;
  owner: string | null;
}

const orderRule = defineRule<OrderRow, AppSchema, 'shop_order'>({
  name: 'shop.order.view',
  grantedBy: ['shop.view_all_orders'],
  check: (user, order) => order.owner_id === user.id,
  where: (user, eb) => eb('shop_order.owner_id', '=', user.id),
});
const PAGE_SIZE = 200;

/** The links the dashboard lists, as the example's navigation bar (a permission hides one). */
const NAV: readonly { href: string; perm?: Parameters<typeof gatehouse.hasPerm>[1] }[] = [
  { href: '/orders/' },
  { href: '/invoices/', perm: 'billing.view_invoice' },
  { href: '/reports/export/', perm: 'billing.export_reports' },
  { href: '/audit/', perm: 'billing.view_audit_log' },
  { href: '/internal/metrics/', perm: 'ops.view_metrics' },
  { href: '/account/email/' },
];

/** A query compiled once, run with its parameters (as the example's compiled.ts does). */
function compiled<Row>(query: { compile(): CompiledQuery<Row> }): (parameters?: readonly unknown[]) => Promise<Row[]> {
  const done = query.compile();
  return async (parameters) =>
    (await db.executeQuery(parameters === undefined ? done : (CompiledQuery.raw(done.sql, [...parameters]) as CompiledQuery<Row>))).rows;
}

const orderColumns = [
  'shop_order.id',
  'shop_order.owner_id',
  'shop_order.item',
  'shop_order.amount_cents',
  'shop_order.created_at',
  'auth_user.username as owner',
] as const;
const pendingPayouts = compiled(
  db
    .selectFrom('billing_payout')
    .leftJoin('auth_user', 'auth_user.id', 'billing_payout.requested_by')
    .select(['billing_payout.id', 'billing_payout.amount_cents', 'auth_user.username as requestedBy'])
    .where('billing_payout.status', '=', 'pending')
    .orderBy('billing_payout.id')
    .limit(20),
);
const listInvoices = compiled(db.selectFrom('billing_invoice').select(['id', 'number', 'customer', 'amount_cents', 'status']).orderBy('number'));
const orderById = compiled(
  db.selectFrom('shop_order').leftJoin('auth_user', 'auth_user.id', 'shop_order.owner_id').select(orderColumns).where('shop_order.id', '=', 0),
);
const ordersBase = db.selectFrom('shop_order').leftJoin('auth_user', 'auth_user.id', 'shop_order.owner_id').select(orderColumns);
const allOrders = compiled(ordersBase.orderBy('shop_order.id').limit(0));
const ownOrders = compiled(ordersBase.where('shop_order.owner_id', '=', 0).orderBy('shop_order.id').limit(0));

function orderJson(order: OrderRow): Record<string, unknown> {
  return { id: order.id, owner: order.owner, item: order.item, amountCents: order.amount_cents, createdAt: new Date(order.created_at).toISOString() };
}

const gh = await gatehouseExpress({
  gatehouse,
  mailer: services.mailer,
  throttle: services.throttle,
  rateLimits: services.rateLimits,
  siteName: 'Billing',
  logger: { info() {}, warn() {}, error: (object, message) => console.error(message, object) },
});
const app = express();
app.use(gh.middleware);
app.use('/accounts', gh.accountViews);

app.get('/health/', access(publicAccess({ session: false })), (_req: Request, res: Response) => {
  res.json({ status: 'ok' });
});

app.get('/dashboard/', access(authenticated()), async (req: Request, res: Response) => {
  const user = loggedInUser(req);
  const groups = (await gatehouse.stores.groups.groupsOfUser(user.id)).map((g) => g.name).sort();
  const links: string[] = [];
  for (const entry of NAV) if (!entry.perm || (await gatehouse.hasPerm(user, entry.perm))) links.push(entry.href);
  const canApprove = user.isStaff && (await gatehouse.hasPerm(user, 'billing.approve_payout'));
  const pending = canApprove ? await pendingPayouts() : [];
  res.json({
    user: { username: user.username, email: user.email, isStaff: user.isStaff, isSuperuser: user.isSuperuser, groups },
    links,
    pendingPayouts: pending.map((p) => ({ id: p.id, amountCents: p.amount_cents, requestedBy: p.requestedBy })),
  });
});

app.get('/invoices/', access(permission('billing.view_invoice')), async (_req: Request, res: Response) => {
  const rows = await listInvoices();
  res.json({ invoices: rows.map((r) => ({ id: r.id, number: r.number, customer: r.customer, amountCents: r.amount_cents, status: r.status })) });
});

app.get('/orders/', access(authenticated()), async (req: Request, res: Response) => {
  // The rule's two shapes, compiled once, as the example does (example/src/routes/shop.ts).
  const seesAll = await orderRule.grantsAll(gatehouse, req.user);
  const rows = seesAll ? await allOrders([PAGE_SIZE]) : await ownOrders([loggedInUser(req).id, PAGE_SIZE]);
  res.json({ orders: rows.map(orderJson), scope: seesAll ? 'all' : 'own' });
});

app.get('/orders/:id/', access(objectRule(orderRule)), async (req: Request, res: Response) => {
  const raw = String(req.params.id);
  const id = /^[1-9][0-9]{0,9}$/.test(raw) && Number(raw) <= 2_147_483_647 ? Number(raw) : null;
  if (id === null) throw new NotFoundError('order', 'Not found.');
  const [found] = await orderById([id]);
  const order = await authorizeObject(req, orderRule, found ?? null);
  res.json({ order: orderJson(order) });
});

app.use(gh.notFoundHandler);
app.use(gh.errorHandler);
gh.check(app);

const server = app.listen(settings.port, settings.host, () => {
  process.stdout.write(`gatehouse on Express listening on http://${settings.host}:${settings.port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void gh
      .close()
      .then(() => services.close())
      .finally(() => process.exit(0));
  });
}
