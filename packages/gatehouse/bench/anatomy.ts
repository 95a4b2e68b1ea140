/**
 * Where a permission-checked request's time goes (issue 6: profile the missed targets). Run by
 * scripts/bench.mjs on the benchmark's own database after the HTTP measurements, with nothing
 * else using it. Each piece of work a request to `GET /invoices/` adds to the bare route is timed
 * on its own, in CPU time per call (steadier than wall time on a shared machine):
 *
 * - the session + user lookup (`sessions.load`: SHA-256 of the id, one joined query), on a
 *   database analyzed with the session in it (`ANALYZE`, as `PRAGMA optimize` would: with STAT4
 *   statistics a naive lookup is re-prepared on every run, see `keyParam`);
 * - the first `hasPerm` on that user (one grant query; later checks are cached);
 * - the route's own query (3 invoices, compiled once and run through Kysely, as the example does);
 * - the floor: one primary-key lookup straight through better-sqlite3.
 *
 *   npx tsx bench/anatomy.ts --db /tmp/…/bench.sqlite3 --user fin [--calls 3000]
 *
 * Prints one JSON line. The sessions it starts for `--user` are deleted again.
 */
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { createGatehouse } from '../src/core/gatehouse.js';
import { openDatabase } from '../src/db/connect.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    user: { type: 'string', default: 'fin' },
    calls: { type: 'string', default: '3000' },
  },
});
if (!args.db) throw new Error('--db <sqlite file> is required');
const CALLS = Number(args.calls);

/** CPU microseconds per call of `fn`, best of 5 rounds of `CALLS` calls (after a warm-up round). */
async function cpuPerCall(fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < CALLS; i++) await fn(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) await fn(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / CALLS);
  }
  return best;
}

const database = await openDatabase(`sqlite:${args.db}`);
try {
  // Only the permission asked about needs declaring: hasPerm reads the grants in the database.
  const apps = { billing: { models: { invoice: {} } } } as const;
  const gatehouse = createGatehouse({ stores: database.stores, apps, config: { secretKey: 'bench-anatomy-secret-key-0123456789-abcdef' } });
  const user = await gatehouse.stores.users.getByUsername(args.user);
  if (!user) throw new Error(`no user ${args.user}`);
  const session = await gatehouse.sessions.start(user, { ip: '127.0.0.1', userAgent: 'bench' });
  // The example's own tables are not in gatehouse's schema type.
  // biome-ignore lint/suspicious/noExplicitAny: a table of the example app
  const db = database.db as unknown as Kysely<any>;
  if (database.driver.kind !== 'sqlite') throw new Error('SQLite only');
  const floor = database.driver.database.prepare('select id from auth_user where id = ?');
  database.driver.database.exec('analyze');
  const listInvoices = db.selectFrom('billing_invoice').select(['id', 'number', 'customer', 'amount_cents', 'status']).orderBy('number').compile();

  const sessionLoad = await cpuPerCall(() => gatehouse.sessions.load(session.id));
  const sessionAndPerm = await cpuPerCall(async () => {
    const loaded = await gatehouse.sessions.load(session.id);
    return gatehouse.hasPerm(loaded!.user!, 'billing.view_invoice');
  });
  const invoices = await cpuPerCall(() => db.executeQuery(listInvoices));
  const primaryKey = await cpuPerCall(() => floor.get(user.id));
  await gatehouse.sessions.end(session.id);
  process.stdout.write(
    `${JSON.stringify({
      sessionLoad,
      firstHasPerm: sessionAndPerm - sessionLoad,
      invoicesQuery: invoices,
      primaryKeyLookup: primaryKey,
    })}\n`,
  );
} finally {
  await database.close();
}
