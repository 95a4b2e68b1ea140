/**
 * Object rules: one definition gives the in-memory check and the SQL filter, and they agree on
 * every row for every user (a property test over random tables). Through HTTP: someone else's
 * object → 403, a missing one → 404 only for users who could see it, a forgotten check → 500.
 */
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anonymousUser, type AnyUser } from '../../src/core/user.js';
import { accessFor, authenticated, authorizeObject, defineRule, objectRule, ruleFilter } from '../../src/fastify/index.js';
import { Client, type TestApp, buildApp } from './helpers.js';

interface OrdersTable {
  id: number;
  user_id: number;
  total: number;
}
interface ShopDB {
  orders: OrdersTable;
}

const orderRule = defineRule<OrdersTable, ShopDB, 'orders'>({
  name: 'shop.order.view',
  grantedBy: ['shop.view_all_orders'],
  check: (user, order) => order.user_id === user.id,
  where: (user, eb) => eb('orders.user_id', '=', user.id),
});

describe('object rules', () => {
  let h: TestApp;
  let db: Kysely<ShopDB>;

  beforeAll(async () => {
    h = await buildApp({
      routes: (app) => {
        app.get('/orders/', { config: { access: authenticated() } }, async (request) => {
          const rows = await db
            .selectFrom('orders')
            .selectAll()
            .where(await ruleFilter(request, orderRule))
            .orderBy('id')
            .execute();
          return rows.map((r) => r.id);
        });
        app.get<{ Params: { id: string } }>('/orders/:id/', { config: { access: objectRule(orderRule) } }, async (request) => {
          const order = await db
            .selectFrom('orders')
            .selectAll()
            .where('id', '=', Number(request.params.id) || 0)
            .executeTakeFirst();
          await authorizeObject(request, orderRule, order);
          return { id: order!.id };
        });
        app.get<{ Params: { id: string } }>('/forgetful/:id/', { config: { access: objectRule(orderRule) } }, async (request) => ({ id: request.params.id }));
      },
    });
    db = h.t.database.db as unknown as Kysely<ShopDB>;
    await db.schema
      .createTable('orders')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .execute();
    await db
      .insertInto('orders')
      .values([
        { id: 1, user_id: h.users.alice!.id, total: 10 },
        { id: 2, user_id: h.users.bob!.id, total: 20 },
        { id: 3, user_id: h.users.alice!.id, total: 30 },
      ])
      .execute();
  });
  afterAll(async () => h.close());

  async function agree(user: AnyUser): Promise<void> {
    const all = await db.selectFrom('orders').selectAll().orderBy('id').execute();
    const byCheck: number[] = [];
    for (const row of all) if (await orderRule.can(h.t.gatehouse, user, row)) byCheck.push(row.id);
    const byFilter = (
      await db
        .selectFrom('orders')
        .select('id')
        .where(await orderRule.filter(h.t.gatehouse, user))
        .orderBy('id')
        .execute()
    ).map((r) => r.id);
    expect(byFilter, user.username || 'anonymous').toEqual(byCheck);
  }

  test('check and filter agree for every user on the fixture table', async () => {
    for (const user of [...Object.values(h.users), anonymousUser]) await agree(user);
  });

  test('check and filter agree on random tables (property)', async () => {
    const people = [...Object.values(h.users), anonymousUser];
    const ids = Object.values(h.users).map((u) => u.id);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ owner: fc.constantFrom(...ids, 9999), total: fc.nat(1000) }), { maxLength: 25 }), async (rows) => {
        await db.deleteFrom('orders').where('id', '>', 100).execute();
        if (rows.length > 0)
          await db
            .insertInto('orders')
            .values(rows.map((r, i) => ({ id: 101 + i, user_id: r.owner, total: r.total })))
            .execute();
        for (const user of people) await agree(user);
      }),
      { numRuns: 30 },
    );
    await db.deleteFrom('orders').where('id', '>', 100).execute();
  });

  test('anonymous and inactive users pass neither half', async () => {
    const row = { id: 1, user_id: h.users.inactive!.id, total: 1 };
    expect(await orderRule.can(h.t.gatehouse, h.users.inactive!, row)).toBe(false);
    expect(await orderRule.can(h.t.gatehouse, anonymousUser, row)).toBe(false);
  });

  test('lists are filtered in the database: own orders, or all with the permission', async () => {
    const alice = Client.inject(h.app);
    await alice.login('alice');
    expect((await alice.request('/orders/')).json()).toEqual([1, 3]);
    const sam = Client.inject(h.app);
    await sam.login('sam');
    expect((await sam.request('/orders/')).json()).toEqual([1, 2, 3]);
    const ops = Client.inject(h.app);
    await ops.login('ops');
    expect((await ops.request('/orders/')).json()).toEqual([]);
  });

  test('detail: own → 200, someone else’s → 403, missing → 403 unless the user could see every order (then 404)', async () => {
    const alice = Client.inject(h.app);
    await alice.login('alice');
    expect((await alice.request('/orders/1/')).status).toBe(200);
    const other = await alice.request('/orders/2/');
    expect(other.status).toBe(403);
    expect(other.body).not.toMatch(/order|shop\./i);
    expect((await alice.request('/orders/999/')).status).toBe(403);
    const sam = Client.inject(h.app);
    await sam.login('sam');
    expect((await sam.request('/orders/2/')).status).toBe(200);
    expect((await sam.request('/orders/999/')).status).toBe(404);
    expect((await Client.inject(h.app).request('/orders/1/')).location).toBe('/accounts/login/?next=/orders/1/');
    expect(h.logs.some((l) => (l.gatehouse as { reason?: string })?.reason === 'rule shop.order.view refused')).toBe(true);
  });

  test('a route declared objectRule that never checks fails closed (500)', async () => {
    const alice = Client.inject(h.app);
    await alice.login('alice');
    const res = await alice.request('/forgetful/2/');
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('"id"');
    expect(h.logs.some((l) => l.msg === 'gatehouse: objectRule route answered without authorizeObject()')).toBe(true);
  });

  test('the inventory names the rule and the permission that grants every object', () => {
    expect(h.app.gatehouseRoutes().find((r) => r.url === '/orders/:id/')).toMatchObject({
      access: 'object',
      rule: 'shop.order.view',
      permissions: ['shop.view_all_orders'],
    });
  });

  test('accessFor(gatehouse).defineRule types grantedBy by the app’s permissions', () => {
    const typed = accessFor(h.t.gatehouse).defineRule<OrdersTable, ShopDB, 'orders'>({
      name: 'typed',
      grantedBy: ['shop.view_all_orders'],
      check: () => false,
      where: (_user, eb) => eb('orders.id', '<', 0),
    });
    expect(typed.grantedBy).toEqual(['shop.view_all_orders']);
  });
});
