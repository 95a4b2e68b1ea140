/**
 * Orders: the seed's object-level rule, "users see their own orders; holders of
 * shop.view_all_orders see all". One rule gives both the check on a loaded order (the detail
 * page) and the where-clause for the list, so the two pages cannot disagree: the list is filtered
 * in the database, never in memory after loading everybody's rows.
 */
import type { FastifyInstance } from 'fastify';
import type { ExpressionBuilder } from 'kysely';
import { NotFoundError, type User } from 'gatehouse';
import { authorizeObject } from 'gatehouse/fastify';
import type { AppSchema } from '../schema.js';
import { asJson, formatCents, formatTime, sendPage } from '../views.js';
import { type RouteDeps, parseId } from './common.js';
import { compileOnce } from './compiled.js';

/** An order as the rule sees it. */
export interface OrderRow {
  id: number;
  owner_id: number;
  item: string;
  amount_cents: number;
  created_at: number;
}

/** Builds the order rule (typed by the example's permissions through the access builders). */
export function makeOrderRule(access: RouteDeps['access']) {
  return access.defineRule<OrderRow, AppSchema, 'shop_order'>({
    name: 'shop.order.view',
    grantedBy: ['shop.view_all_orders'],
    check: (user, order) => order.owner_id === user.id,
    where: (user, eb) => ownedBy(eb, user.id),
  });
}

/** The rule's where-clause for a user who may not see every order: theirs. */
function ownedBy(eb: ExpressionBuilder<AppSchema, 'shop_order'>, userId: number) {
  return eb('shop_order.owner_id', '=', userId);
}

function orderJson(order: OrderRow & { owner: string | null }): Record<string, unknown> {
  return { id: order.id, owner: order.owner, item: order.item, amountCents: order.amount_cents, createdAt: new Date(order.created_at).toISOString() };
}

const PAGE_SIZE = 200;

/** `/orders/` and `/orders/:id/`. */
export function registerShopRoutes(app: FastifyInstance, { services, access }: RouteDeps): void {
  const { db, gatehouse } = services;
  const orderRule = makeOrderRule(access);
  // Compiled once with a placeholder id (compiled.ts); each request runs it with its own id.
  const orderById = compileOnce(db, (q) =>
    q
      .selectFrom('shop_order')
      .leftJoin('auth_user', 'auth_user.id', 'shop_order.owner_id')
      .select(['shop_order.id', 'shop_order.owner_id', 'shop_order.item', 'shop_order.amount_cents', 'shop_order.created_at', 'auth_user.username as owner'])
      .where('shop_order.id', '=', 0),
  );

  // The list in the rule's two shapes, each compiled once (building a query through Kysely cost
  // more than running it: ~60 µs of this route's ~390 under load). Holders of the rule's
  // `grantedBy` see every order; everyone else gets the rule's own where-clause (ownedBy), run
  // with their id. The parameters follow the placeholders: the owner id, then the page size.
  // (With a rule whose filter depends on more than the user's id, build the query per request
  // from `ruleFilter(request, rule)` instead.)
  const listOrders = (filter: 'all' | 'own') =>
    compileOnce(db, (q) => {
      const base = q
        .selectFrom('shop_order')
        .leftJoin('auth_user', 'auth_user.id', 'shop_order.owner_id')
        .select(['shop_order.id', 'shop_order.owner_id', 'shop_order.item', 'shop_order.amount_cents', 'shop_order.created_at', 'auth_user.username as owner']);
      return (filter === 'own' ? base.where((eb) => ownedBy(eb, 0)) : base).orderBy('shop_order.id').limit(PAGE_SIZE);
    });
  const allOrders = listOrders('all');
  const ownOrders = listOrders('own');

  app.get('/orders/', { config: { access: access.authenticated() } }, async (request, reply) => {
    const seesAll = await orderRule.grantsAll(gatehouse, request.user);
    const rows = seesAll ? await allOrders([PAGE_SIZE]) : await ownOrders([(request.user as User).id, PAGE_SIZE]);
    if (asJson(request)) return { orders: rows.map(orderJson), scope: seesAll ? 'all' : 'own' };
    const orders = rows.map((o) => ({ ...o, amount: formatCents(o.amount_cents), created: formatTime(o.created_at) }));
    return sendPage(request, reply, gatehouse, 'orders.html', 'Orders', { orders, seesAll });
  });

  app.get<{ Params: { id: string } }>('/orders/:id/', { config: { access: access.objectRule(orderRule) } }, async (request, reply) => {
    const id = parseId(request.params.id);
    // An id no row can have is not a probe of anything: 404 for everyone, before any query.
    if (id === null) throw new NotFoundError('order', 'Not found.');
    const [found] = await orderById([id]);
    // Someone else's order → 403; a missing one → 404 only for users who may see every order.
    await authorizeObject(request, orderRule, found ?? null);
    const order = found;
    if (!order) throw new NotFoundError('order', 'Not found.'); // authorizeObject has thrown already
    if (asJson(request)) return { order: orderJson(order) };
    return sendPage(request, reply, gatehouse, 'order.html', `Order ${order.id}`, {
      order: { ...order, amount: formatCents(order.amount_cents), created: formatTime(order.created_at) },
      own: order.owner_id === (request.user.isAuthenticated ? request.user.id : -1),
    });
  });
}
