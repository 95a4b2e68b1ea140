/**
 * Micro-benchmarks of the core's per-request costs (issue 2): `hasPerm` cold (first check on a
 * freshly loaded user: one query) and cached (same `User` object), and session + user lookup with
 * 100k users and 100k sessions, on SQLite and, when `BENCH_PG_URL` names an admin URL, PostgreSQL.
 *
 *   npx tsx bench/core-micro.ts [--users 100000] [--out bench/results/core-micro.md]
 *
 * Prints a Markdown table; medians over several rounds, each round timing a batch of calls.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ManualClock } from '../src/core/clock.js';
import { createGatehouse } from '../src/core/gatehouse.js';
import { hashSessionId } from '../src/core/sessions.js';
import { openDatabase, type Database } from '../src/db/connect.js';
import type { Schema } from '../src/db/schema.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    out: { type: 'string' },
    rounds: { type: 'string', default: '7' },
  },
});
const USERS = Number(args.users);
const ROUNDS = Number(args.rounds);

const apps = {
  billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
} as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `batch` calls of `fn` per round and returns the median time per call in nanoseconds. */
async function measure(batch: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(batch, 1000); i++) await fn(i); // warm-up
  const perCall: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn(i);
    perCall.push(Number(process.hrtime.bigint() - start) / batch);
  }
  return median(perCall);
}

async function seed(database: Database, users: number, clock: ManualClock): Promise<string[]> {
  const { db, kind } = database;
  const flag = (v: boolean) => (kind === 'sqlite' ? (v ? 1 : 0) : v);
  const now = clock.now();
  const sessionIds: string[] = [];
  const BATCH = 1000;
  for (let start = 0; start < users; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(start + BATCH, users); i++) {
      rows.push({
        username: `user${i}`,
        email: `user${i}@example.com`,
        password: 'argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
        first_name: '',
        last_name: '',
        is_active: flag(true),
        is_staff: flag(false),
        is_superuser: flag(false),
        last_login: null,
        date_joined: now,
      });
    }
    const ids = await db.insertInto('auth_user').values(rows).returning('id').execute();
    const sessions = ids.map((row, j) => {
      const id = Buffer.from(`session-${start + j}`.padEnd(32, '.'))
        .toString('base64url')
        .slice(0, 43)
        .padEnd(43, 'A');
      sessionIds.push(id);
      return {
        id_hash: hashSessionId(id),
        user_id: Number(row.id),
        auth_epoch: 0,
        created_at: now,
        last_seen_at: now,
        expires_at: now + 43_200_000,
        data: '{}',
        ip: '127.0.0.1',
        user_agent: 'bench',
      };
    });
    await db.insertInto('gh_session').values(sessions).execute();
  }
  return sessionIds;
}

interface Row {
  database: string;
  metric: string;
  value: string;
}

async function benchDatabase(label: string, url: string): Promise<Row[]> {
  const database = await openDatabase(url);
  await database.migrate({ emailUnique: true });
  const clock = new ManualClock(Date.UTC(2026, 10, 27));
  const gatehouse = createGatehouse({
    stores: database.stores,
    apps,
    roles: { Finance: ['billing.view_invoice', 'billing.approve_payout'] },
    config: { secretKey: 'bench-secret-key-bench-secret-key-0000' },
    clock,
  });
  await gatehouse.setup();
  const t0 = Date.now();
  const sessionIds = await seed(database, USERS, clock);
  const seedMs = Date.now() - t0;
  const alice = (await gatehouse.stores.users.getByUsername('user42'))!;
  await gatehouse.accounts.addToGroup(alice, 'Finance');

  const rows: Row[] = [];
  const cached = (await gatehouse.stores.users.getById(alice.id))!;
  await gatehouse.hasPerm(cached, 'billing.approve_payout');
  const cachedNs = await measure(200_000, () => gatehouse.hasPerm(cached, 'billing.approve_payout'));
  // A loaded user's permission set is returned without a promise; looking a name up in it is the floor.
  const syncNs = await measure(1_000_000, () => {
    const set = gatehouse.authz.permissionsOf(cached);
    return set instanceof Promise ? set : set.all.has('billing.approve_payout');
  });
  const coldNs = await measure(500, async (i) => {
    const u = (await gatehouse.stores.users.getById(((i * 7919) % USERS) + 1))!;
    return gatehouse.hasPerm(u, 'billing.approve_payout');
  });
  const loadNs = await measure(500, (i) => gatehouse.stores.users.getById(((i * 7919) % USERS) + 1));
  const sessionNs = await measure(2000, (i) => gatehouse.sessions.load(sessionIds[(i * 7919) % sessionIds.length]!));

  // One lookup through stores over a second Kysely on the same driver, whose log counts queries.
  let queries = 0;
  const { Kysely, SqliteDialect, PostgresDialect } = await import('kysely');
  const { createSqlStores } = await import('../src/db/stores/index.js');
  const log = () => {
    queries++;
  };
  const counted =
    database.driver.kind === 'sqlite'
      ? new Kysely<Schema>({ dialect: new SqliteDialect({ database: database.driver.database as unknown as import('better-sqlite3').Database }), log })
      : new Kysely<Schema>({ dialect: new PostgresDialect({ pool: database.driver.pool as unknown as import('pg').Pool }), log });
  const countingStores = createSqlStores({ db: counted, kind: database.kind });
  await countingStores.sessions.getWithUser(hashSessionId(sessionIds[5]!));
  const lookupQueries = queries;

  rows.push(
    { database: label, metric: `seed ${USERS} users + sessions`, value: `${(seedMs / 1000).toFixed(1)} s` },
    { database: label, metric: 'hasPerm, cached (await)', value: `${(cachedNs / 1000).toFixed(3)} µs` },
    { database: label, metric: 'permissionsOf + has (loaded set, sync)', value: `${(syncNs / 1000).toFixed(3)} µs` },
    { database: label, metric: 'hasPerm, cold (load user + 1 permission query)', value: `${(coldNs / 1000).toFixed(1)} µs` },
    { database: label, metric: '… of which loading the user', value: `${(loadNs / 1000).toFixed(1)} µs` },
    { database: label, metric: 'session + user lookup (sessions.load)', value: `${(sessionNs / 1000).toFixed(1)} µs` },
    { database: label, metric: 'queries per session + user lookup', value: String(lookupQueries) },
  );
  await database.close();
  return rows;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-'));
  const rows: Row[] = [];
  try {
    rows.push(...(await benchDatabase('SQLite', `sqlite:${join(dir, 'bench.sqlite3')}`)));
    const admin = process.env.BENCH_PG_URL;
    if (admin) {
      const name = `gh_bench_${Date.now()}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`create database ${name}`);
      try {
        const url = new URL(admin);
        url.pathname = `/${name}`;
        rows.push(...(await benchDatabase('PostgreSQL', url.toString())));
      } finally {
        await client.query(`drop database ${name} with (force)`);
        await client.end();
      }
    } else {
      rows.push({ database: 'PostgreSQL', metric: 'skipped', value: 'BENCH_PG_URL not set' });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const lines = [
    `# gatehouse core micro-benchmarks`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. ${USERS} users, ${USERS} sessions. Medians of ${ROUNDS} rounds.`,
    '',
    '| database | metric | median |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.database} | ${r.metric} | ${r.value} |`),
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  if (args.out) {
    await mkdir(join(args.out, '..'), { recursive: true });
    await writeFile(args.out, text);
  }
}

await main();
