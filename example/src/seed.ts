/**
 * The fixture data of CONTRACT.md, loaded into a fresh database (outside production, or with
 * DEMO_DATA=1). It goes through gatehouse's own account API, so passwords are hashed and
 * memberships audited exactly as for real users.
 */
import type { Gatehouse } from 'gatehouse';
import { type Kysely, sql } from 'kysely';
import type { DialectKind } from 'gatehouse/db';
import type { Permission } from './declarations.js';
import type { AppSchema } from './schema.js';

/** One demo user as the contract lists it. */
interface DemoUser {
  username: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  group: string;
}

export const demoUsers: readonly DemoUser[] = [
  { username: 'alice', isActive: true, isStaff: false, isSuperuser: false, group: 'Regular User' },
  { username: 'bob', isActive: true, isStaff: false, isSuperuser: false, group: 'Regular User' },
  { username: 'sam', isActive: true, isStaff: false, isSuperuser: false, group: 'Support' },
  { username: 'fin', isActive: true, isStaff: true, isSuperuser: false, group: 'Finance Approver' },
  { username: 'fin_nostaff', isActive: true, isStaff: false, isSuperuser: false, group: 'Finance Approver' },
  { username: 'ops', isActive: true, isStaff: true, isSuperuser: false, group: 'Staff Ops' },
  { username: 'root', isActive: true, isStaff: true, isSuperuser: true, group: 'Admin' },
  // A support lead: staff (may enter the admin) with Support's auth.view_user, nothing to change.
  { username: 'lead', isActive: true, isStaff: true, isSuperuser: false, group: 'Support' },
  { username: 'inactive', isActive: false, isStaff: false, isSuperuser: false, group: 'Regular User' },
];

/** True when the database has no users yet (a fresh database gets the fixture data). */
export async function isEmpty(gatehouse: Gatehouse<Permission>): Promise<boolean> {
  return (await gatehouse.stores.users.count()) === 0;
}

/** Loads the fixture data. Runs once, on an empty database. */
export async function seed(gatehouse: Gatehouse<Permission>, db: Kysely<AppSchema>, kind: DialectKind, password: string): Promise<void> {
  const ids = new Map<string, number>();
  for (const demo of demoUsers) {
    const user = await gatehouse.accounts.createUser(
      {
        username: demo.username,
        email: `${demo.username}@example.com`,
        password,
        isActive: demo.isActive,
        isStaff: demo.isStaff,
        isSuperuser: demo.isSuperuser,
      },
      { actor: 'seed' },
    );
    await gatehouse.accounts.addToGroup(user, demo.group, { actor: 'seed' });
    ids.set(demo.username, user.id);
  }
  const now = gatehouse.clock.now();
  await db
    .insertInto('shop_order')
    .values([
      { id: 1, owner_id: ids.get('alice')!, item: 'Ergonomic keyboard', amount_cents: 12900, created_at: now },
      { id: 2, owner_id: ids.get('bob')!, item: 'Standing desk', amount_cents: 45000, created_at: now },
    ])
    .execute();
  await db
    .insertInto('billing_payout')
    .values({ id: 1, amount_cents: 250000, requested_by: ids.get('ops')!, status: 'pending', approved_by: null, approved_at: null })
    .execute();
  await db
    .insertInto('billing_invoice')
    .values([
      { number: 'INV-2026-001', customer: 'Acme Ltd', amount_cents: 120000, status: 'paid' },
      { number: 'INV-2026-002', customer: 'Globex', amount_cents: 98000, status: 'open' },
      { number: 'INV-2026-003', customer: 'Initech', amount_cents: 15500, status: 'overdue' },
    ])
    .execute();
  await db
    .insertInto('support_ticket')
    .values([
      { subject: 'Cannot download invoice', requester_id: ids.get('alice')!, status: 'open' },
      { subject: 'Order arrived damaged', requester_id: ids.get('bob')!, status: 'closed' },
    ])
    .execute();
  await db
    .insertInto('ops_metric')
    .values([
      { name: 'queue_depth', value: 12 },
      { name: 'p99_latency_ms', value: 41.5 },
    ])
    .execute();
  if (kind === 'postgres') await fixIdentitySequences(db);
}

/**
 * Rows inserted with explicit ids leave PostgreSQL's identity sequences behind; the next insert
 * would collide. SQLite's autoincrement follows the largest id by itself.
 */
async function fixIdentitySequences(db: Kysely<AppSchema>): Promise<void> {
  for (const table of ['shop_order', 'billing_payout']) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db);
  }
}
