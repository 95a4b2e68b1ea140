/**
 * Scale benchmark (issue 6, item 4): the per-request costs that could grow with the user base —
 * session + user lookup, a cold `hasPerm` (one grant query) and a cached `hasPerm` — on one
 * database per size (10k, 100k, 1M users, one session each, every user in a group, every 20th
 * with a direct grant), on SQLite and, when `BENCH_PG_URL` names an admin URL, on PostgreSQL.
 * The sizes are measured in turns, round after round, so that other work on a shared machine
 * falls on all of them alike and the ratio between sizes stays meaningful.
 *
 *   npx tsx bench/scale.ts [--sizes 10000,100000,1000000] [--samples 3000] [--rounds 5]
 *                          [--json out.json] [--dir /tmp/x]
 *
 * Seeding goes around the stores, straight to the driver, in big batches inside transactions
 * (better-sqlite3 prepared inserts; PostgreSQL `INSERT … SELECT FROM unnest($1::int[], …)`), so
 * 1M users take seconds, not the hours one `createUser` per row (an argon2 hash each) would.
 * Lookups pick users uniformly at random over the whole population, so the working set is the
 * database, not a hot few rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ManualClock } from '../src/core/clock.js';
import { type Gatehouse, createGatehouse } from '../src/core/gatehouse.js';
import { hashSessionId } from '../src/core/sessions.js';
import type { User } from '../src/core/user.js';
import { type Database, openDatabase } from '../src/db/connect.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    json: { type: 'string' },
    dir: { type: 'string' },
    samples: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '5' },
  },
});
const SIZES = args.sizes
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const SAMPLES = Number(args.samples);
const ROUNDS = Math.max(1, Number(args.rounds));

const apps = {
  billing: {
    models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } },
    permissions: { export_reports: 'Can export reports' },
  },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
  support: { models: { ticket: {} } },
} as const;

const roles = {
  'Regular User': [],
  Support: ['support.view_ticket', 'shop.view_all_orders', 'auth.view_user'],
  'Finance Approver': ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports'],
  'Shop Staff': ['shop.view_order', 'shop.change_order', 'shop.view_all_orders'],
} as const;
const GROUPS = Object.keys(roles);

/** The permission every measurement asks about: a quarter of the users have it through a group. */
const PERM = 'billing.approve_payout';
const FAKE_HASH = 'argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
const SECRET = 'bench-scale-secret-key-0123456789-abcdefgh';

/** The raw session id of user number `n` (1-based): 43 characters, as a real id has. */
function sessionIdOf(n: number): string {
  return `s${String(n).padStart(42, '0')}`;
}

/** A small deterministic generator (mulberry32), so every run asks for the same users. */
function randomInts(seed: number, max: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % max) + 1;
  };
}

/** Latency summary in microseconds. */
export interface Latency {
  p50: number;
  p99: number;
  mean: number;
}

/** One database at one size. */
export interface ScaleStep {
  users: number;
  /** Seconds spent seeding this size's database. */
  seedSeconds: number;
  sessionLoad: Latency;
  hasPermCold: Latency;
  /** Nanoseconds per call, best run of all rounds, over a rotating set of already-checked users. */
  hasPermCachedNs: number;
  /**
   * Nanoseconds per call, best round: the first `hasPerm` on a user freshly loaded with its
   * session (a new `User` object, as the next request has), answered by the per-process cache
   * validated against the versions the session lookup read (issue 14).
   */
  hasPermWarmNs: number;
}

/** One database's results. */
export interface ScaleDatabase {
  name: string;
  version: string;
  steps: ScaleStep[];
}

function summarise(samplesNs: number[]): Latency {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length / 1000;
  return { p50: at(0.5), p99: at(0.99), mean };
}

/** Rows `from+1 … to` of every seeded table, built once for both databases. */
interface Batch {
  ids: number[];
  usernames: string[];
  emails: string[];
  sessionHashes: string[];
  groupIds: number[];
  directIds: number[];
}

function makeBatch(from: number, to: number, groupIds: readonly number[]): Batch {
  const batch: Batch = { ids: [], usernames: [], emails: [], sessionHashes: [], groupIds: [], directIds: [] };
  for (let n = from + 1; n <= to; n++) {
    batch.ids.push(n);
    batch.usernames.push(`user${n}`);
    batch.emails.push(`user${n}@example.com`);
    batch.sessionHashes.push(hashSessionId(sessionIdOf(n)));
    batch.groupIds.push(groupIds[n % groupIds.length]!);
    if (n % 20 === 0) batch.directIds.push(n);
  }
  return batch;
}

const BATCH_ROWS = 20_000;

async function seedSqlite(database: Database, from: number, to: number, groupIds: readonly number[], directPermId: number, now: number): Promise<void> {
  if (database.driver.kind !== 'sqlite') throw new Error('not SQLite');
  // The full better-sqlite3 API (transactions); gatehouse's own type describes only what it uses.
  const handle = database.driver.database as unknown as import('better-sqlite3').Database;
  const insertUser = handle.prepare(
    `insert into auth_user (id, username, email, password, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, auth_epoch)
     values (?, ?, ?, ?, '', '', 1, 0, 0, null, ?, 0)`,
  );
  const insertSession = handle.prepare(
    `insert into gh_session (id_hash, user_id, auth_epoch, created_at, last_seen_at, expires_at, data, ip, user_agent)
     values (?, ?, 0, ?, ?, ?, '{}', '127.0.0.1', 'bench')`,
  );
  const insertMembership = handle.prepare('insert into auth_user_groups (user_id, group_id) values (?, ?)');
  const insertGrant = handle.prepare('insert into auth_user_user_permissions (user_id, permission_id) values (?, ?)');
  const insertAll = handle.transaction((batch: Batch) => {
    for (let i = 0; i < batch.ids.length; i++) {
      const id = batch.ids[i]!;
      insertUser.run(id, batch.usernames[i], batch.emails[i], FAKE_HASH, now);
      insertSession.run(batch.sessionHashes[i], id, now, now, now + 43_200_000);
      insertMembership.run(id, batch.groupIds[i]);
    }
    for (const id of batch.directIds) insertGrant.run(id, directPermId);
  });
  for (let start = from; start < to; start += BATCH_ROWS) {
    insertAll(makeBatch(start, Math.min(start + BATCH_ROWS, to), groupIds));
  }
  handle.exec('analyze');
}

async function seedPostgres(database: Database, from: number, to: number, groupIds: readonly number[], directPermId: number, now: number): Promise<void> {
  if (database.driver.kind !== 'postgres') throw new Error('not PostgreSQL');
  const client = await database.driver.pool.connect();
  try {
    for (let start = from; start < to; start += BATCH_ROWS) {
      const batch = makeBatch(start, Math.min(start + BATCH_ROWS, to), groupIds);
      await client.query('begin');
      await client.query(
        `insert into auth_user (id, username, email, password, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, auth_epoch)
         select u.id, u.username, u.email, $4, '', '', true, false, false, null, $5, 0
         from unnest($1::int[], $2::text[], $3::text[]) as u(id, username, email)`,
        [batch.ids, batch.usernames, batch.emails, FAKE_HASH, now],
      );
      await client.query(
        `insert into gh_session (id_hash, user_id, auth_epoch, created_at, last_seen_at, expires_at, data, ip, user_agent)
         select s.id_hash, s.user_id, 0, $3, $3, $4, '{}', '127.0.0.1', 'bench'
         from unnest($1::text[], $2::int[]) as s(id_hash, user_id)`,
        [batch.sessionHashes, batch.ids, now, now + 43_200_000],
      );
      await client.query('insert into auth_user_groups (user_id, group_id) select * from unnest($1::int[], $2::int[])', [batch.ids, batch.groupIds]);
      await client.query('insert into auth_user_user_permissions (user_id, permission_id) select u, $2 from unnest($1::int[]) as u', [
        batch.directIds,
        directPermId,
      ]);
      await client.query('commit');
    }
    // Explicit ids leave the identity sequence behind; later inserts would collide.
    await client.query(`select setval(pg_get_serial_sequence('auth_user', 'id'), (select max(id) from auth_user))`);
    await client.query('vacuum analyze');
  } finally {
    client.release();
  }
}

/** One database of one size, seeded and ready to measure. */
interface Sized {
  users: number;
  database: Database;
  gatehouse: Gatehouse<string>;
  seedSeconds: number;
  /** Fresh `User` objects are drawn from here, over the whole population. */
  pick: () => number;
}

async function openSized(name: string, url: string, users: number): Promise<Sized & { version: string }> {
  const database = await openDatabase(url);
  try {
    await database.migrate({ emailUnique: true });
    const clock = new ManualClock(Date.UTC(2026, 10, 27));
    const gatehouse = createGatehouse({ stores: database.stores, apps, roles, config: { secretKey: SECRET }, clock }) as unknown as Gatehouse<string>;
    await gatehouse.setup();
    const groups = new Map((await database.db.selectFrom('auth_group').select(['id', 'name']).execute()).map((g) => [g.name, Number(g.id)]));
    const groupIds = GROUPS.map((g) => groups.get(g)!);
    const direct = await database.db
      .selectFrom('auth_permission')
      .select('id')
      .where('app_label', '=', 'billing')
      .where('codename', '=', 'view_invoice')
      .executeTakeFirstOrThrow();
    const driver = database.driver;
    const version =
      driver.kind === 'sqlite'
        ? `SQLite ${(driver.database.prepare('select sqlite_version() as v').get() as { v: string }).v}`
        : `PostgreSQL ${((await driver.pool.query('show server_version')).rows[0] as { server_version: string }).server_version}`;
    const started = Date.now();
    const seed = database.kind === 'sqlite' ? seedSqlite : seedPostgres;
    await seed(database, 0, users, groupIds, Number(direct.id), clock.now());
    const seedSeconds = (Date.now() - started) / 1000;
    process.stderr.write(`[scale] ${name}: ${users} users and sessions seeded in ${seedSeconds.toFixed(1)} s\n`);
    return { users, database, gatehouse, seedSeconds, pick: randomInts(users, users), version };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** One round's samples (nanoseconds) for one size. */
interface RoundSamples {
  session: number[];
  cold: number[];
  cachedNs: number;
  warmNs: number;
}

async function measureRound(sized: Sized, samples: number): Promise<RoundSamples> {
  const { gatehouse, pick } = sized;
  const timeEach = async (fn: (i: number) => Promise<unknown>): Promise<number[]> => {
    for (let i = 0; i < 100; i++) await fn(samples + i); // warm-up
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = process.hrtime.bigint();
      await fn(i);
      out.push(Number(process.hrtime.bigint() - start));
    }
    return out;
  };
  const session = await timeEach(async () => {
    const loaded = await gatehouse.sessions.load(sessionIdOf(pick()));
    if (!loaded?.user) throw new Error('seeded session did not load');
  });

  // Cold: a fresh User object (loaded beforehand, outside the timing) asked its first question.
  const fresh: User[] = [];
  for (let i = 0; i < samples + 100; i++) fresh.push((await gatehouse.stores.users.getById(pick()))!);
  const cold = await timeEach(async (i) => gatehouse.hasPerm(fresh[i]!, PERM));

  // Cached: the same objects asked again, round robin. No I/O at all: the best of three short
  // runs, since a slower one only measures other processes (or a garbage collection).
  let sink = 0;
  let cachedNs = Number.POSITIVE_INFINITY;
  const calls = 50_000;
  for (let run = 0; run < 3; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (await gatehouse.hasPerm(fresh[i % fresh.length]!, PERM)) sink++;
    cachedNs = Math.min(cachedNs, Number(process.hrtime.bigint() - start) / calls);
  }
  // Warm across requests: each call is the FIRST question to a new User object, loaded with its
  // session (stamped with the versions) beforehand, whose id the cache already holds.
  const ids = Array.from({ length: Math.min(samples, 500) }, () => pick());
  for (const id of ids) {
    const loaded = await gatehouse.sessions.load(sessionIdOf(id));
    await gatehouse.hasPerm(loaded!.user!, PERM);
  }
  let warmNs = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const users: User[] = [];
    for (const id of ids) users.push((await gatehouse.sessions.load(sessionIdOf(id)))!.user!);
    const start = process.hrtime.bigint();
    for (const user of users) if (await gatehouse.hasPerm(user, PERM)) sink++;
    warmNs = Math.min(warmNs, Number(process.hrtime.bigint() - start) / users.length);
  }
  if (sink < 0) throw new Error('unreachable');
  return { session, cold, cachedNs, warmNs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Seeds one database per size, then measures them in turns, round after round, so that a burst
 * of other work on the machine lands on every size alike rather than on whichever came last. Per
 * size: p50 = the median of the rounds' p50s, p99 over every sample, cached = the best round.
 */
async function benchDatabases(name: string, urls: readonly { users: number; url: string }[]): Promise<ScaleDatabase> {
  const opened: (Sized & { version: string })[] = [];
  try {
    for (const { users, url } of urls) opened.push(await openSized(name, url, users));
    const perRound = Math.max(100, Math.ceil(SAMPLES / ROUNDS));
    const rounds = new Map<number, RoundSamples[]>(opened.map((o) => [o.users, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const sized of opened) rounds.get(sized.users)!.push(await measureRound(sized, perRound));
    }
    const steps: ScaleStep[] = opened.map((sized) => {
      const mine = rounds.get(sized.users)!;
      const pooled = (key: 'session' | 'cold'): Latency => {
        const all = summarise(mine.flatMap((r) => r[key]));
        return { ...all, p50: median(mine.map((r) => summarise(r[key]).p50)) };
      };
      const step: ScaleStep = {
        users: sized.users,
        seedSeconds: sized.seedSeconds,
        sessionLoad: pooled('session'),
        hasPermCold: pooled('cold'),
        hasPermCachedNs: Math.min(...mine.map((r) => r.cachedNs)),
        hasPermWarmNs: Math.min(...mine.map((r) => r.warmNs)),
      };
      process.stderr.write(
        `[scale] ${name} ${sized.users} users: session p50 ${step.sessionLoad.p50.toFixed(1)} µs, ` +
          `cold hasPerm p50 ${step.hasPermCold.p50.toFixed(1)} µs, cached ${step.hasPermCachedNs.toFixed(0)} ns, warm (new request) ${step.hasPermWarmNs.toFixed(0)} ns\n`,
      );
      return step;
    });
    return { name, version: opened[0]?.version ?? name, steps };
  } finally {
    for (const sized of opened) await sized.database.close();
  }
}

async function main(): Promise<void> {
  const dir = args.dir ?? (await mkdtemp(join(tmpdir(), 'gh-scale-')));
  const results: ScaleDatabase[] = [];
  try {
    results.push(
      await benchDatabases(
        'SQLite',
        SIZES.map((users) => ({ users, url: `sqlite:${join(dir, `scale-${users}.sqlite3`)}` })),
      ),
    );
    const admin = process.env.BENCH_PG_URL;
    if (admin) {
      const stamp = Date.now();
      const names = SIZES.map((users) => ({ users, name: `gh_scale_${stamp}_${users}` }));
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        for (const { name } of names) await client.query(`create database ${name}`);
        const urls = names.map(({ users, name }) => {
          const url = new URL(admin);
          url.pathname = `/${name}`;
          return { users, url: url.toString() };
        });
        results.push(await benchDatabases('PostgreSQL', urls));
      } finally {
        for (const { name } of names) await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      }
    }
  } finally {
    if (!args.dir) await rm(dir, { recursive: true, force: true });
  }
  const text = JSON.stringify({ sizes: SIZES, samples: SAMPLES, rounds: ROUNDS, databases: results }, null, 2);
  if (args.json) await writeFile(args.json, text);
  else process.stdout.write(`${text}\n`);
}

await main();
