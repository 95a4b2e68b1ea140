/**
 * The admin's users list at scale (issue 13): the store query behind `/admin/users/` on 10k,
 * 100k and 1M users, on SQLite and on a throwaway PostgreSQL — the first page, a username prefix
 * search, an email prefix search, a deep keyset page (90% of the way in), a group's page and the
 * superusers filter. Medians of interleaved rounds (each size measured in turn, so other load on a
 * shared machine falls on all sizes alike), and the ratio of the largest size to the smallest.
 *
 *   npx tsx bench/admin-users.ts [--sizes 10000,100000,1000000] [--samples 200] [--rounds 5] [--no-pg]
 *
 * Seeding is one INSERT … SELECT per table (a recursive CTE on SQLite, generate_series on
 * PostgreSQL), with the indexes of 0005_admin_indexes in place, as a live database has them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import type { AdminUserQuery } from '../src/core/ports.js';
import { type Database, openDatabase } from '../src/db/connect.js';
// @ts-expect-error: a plain .mjs helper shared with the test runner
import { ThrowawayPostgres, findPostgresBin } from '../scripts/pg.mjs';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    samples: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    'no-pg': { type: 'boolean', default: false },
  },
});
const SIZES = args.sizes
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const SAMPLES = Number(args.samples);
const ROUNDS = Number(args.rounds);

type Case = { name: string; query: (size: number, groupId: number) => AdminUserQuery };
const CASES: Case[] = [
  { name: 'first page', query: () => ({ limit: 50 }) },
  { name: 'search username prefix "user12"', query: () => ({ search: 'user12', limit: 50 }) },
  { name: 'search email prefix "user77@"', query: () => ({ search: 'user77@', limit: 50 }) },
  { name: 'deep keyset page (90%)', query: (size) => ({ after: { id: Math.floor(size * 0.9) }, limit: 50 }) },
  { name: 'group page (deep, 50%)', query: (size, groupId) => ({ groupId, after: { id: Math.floor(size / 2) }, limit: 50 }) },
  { name: 'superusers', query: () => ({ isSuperuser: true, limit: 50 }) },
  { name: 'search + filters (staff, "user1")', query: () => ({ search: 'user1', isStaff: true, limit: 50 }) },
];

async function seed(database: Database, size: number): Promise<number> {
  const db = database.db;
  const pgKind = database.kind === 'postgres';
  const t = pgKind ? 'true' : '1';
  const f = pgKind ? 'false' : '0';
  const rows = pgKind ? sql.raw(`generate_series(1, ${size}) as n(i)`) : sql.raw('n');
  const cte = pgKind ? sql`` : sql.raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${size}) `);
  // 1% inactive, 0.1% staff, 1 in 100k superuser.
  await sql`${cte}insert into auth_user (username, email, password, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, auth_epoch, username_skeleton)
    select 'user' || i, 'user' || i || '@example.com', '!', '', '', case when i % 100 = 0 then ${sql.raw(f)} else ${sql.raw(t)} end,
      case when i % 1000 = 0 then ${sql.raw(t)} else ${sql.raw(f)} end, case when i % 100000 = 1 then ${sql.raw(t)} else ${sql.raw(f)} end,
      null, 0, 0, 'user' || i from ${rows}`.execute(db);
  const groups: number[] = [];
  for (const name of ['A', 'B', 'C', 'D']) groups.push((await database.stores.groups.create(name)).id);
  await sql`insert into auth_user_groups (user_id, group_id) select id, case id % 4 when 0 then ${sql.raw(String(groups[0]))} when 1 then ${sql.raw(String(groups[1]))} when 2 then ${sql.raw(String(groups[2]))} else ${sql.raw(String(groups[3]))} end from auth_user`.execute(
    db,
  );
  if (pgKind) await sql`analyze`.execute(db);
  return groups[1]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const kinds: ('sqlite' | 'postgres')[] = ['sqlite'];
  let server: { start(): Promise<string>; stop(): void } | null = null;
  let adminUrl = '';
  if (!args['no-pg']) {
    const bin = findPostgresBin();
    if (bin) {
      server = new ThrowawayPostgres(bin, ['shared_buffers=256MB']);
      adminUrl = await server!.start();
      kinds.push('postgres');
    } else {
      console.log('PostgreSQL binaries not found: SQLite only.');
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'gh-admin-bench-'));
  try {
    for (const kind of kinds) {
      const opened: { size: number; database: Database; groupId: number }[] = [];
      for (const size of SIZES) {
        let url = `sqlite:${join(dir, `users-${size}.sqlite3`)}`;
        if (kind === 'postgres') {
          const name = `gh_admin_bench_${size}`;
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          await client.query(`create database ${name}`);
          await client.end();
          const u = new URL(adminUrl);
          u.pathname = `/${name}`;
          url = u.toString();
        }
        const database = await openDatabase(url);
        await database.migrate();
        const started = performance.now();
        const groupId = await seed(database, size);
        console.log(`${kind}: seeded ${size} users in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        opened.push({ size, database, groupId });
      }
      const times = new Map<string, number[]>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const { size, database, groupId } of opened) {
          for (const c of CASES) {
            const query = c.query(size, groupId);
            const key = `${c.name}|${size}`;
            const list = times.get(key) ?? [];
            for (let i = 0; i < SAMPLES / ROUNDS; i++) {
              const t0 = performance.now();
              const page = await database.stores.admin!.listUsers(query);
              list.push(performance.now() - t0);
              if (page.users.length === 0) throw new Error(`${c.name} at ${size}: empty page`);
            }
            times.set(key, list);
          }
        }
      }
      console.log(`\n${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: median ms per page of 50 (${SAMPLES} samples)\n`);
      console.log(
        `| query | ${SIZES.map((s) => `${s.toLocaleString('en')} users`).join(' | ')} | ${SIZES.at(-1)!.toLocaleString('en')} / ${SIZES[0]!.toLocaleString('en')} |`,
      );
      console.log(`|---|${SIZES.map(() => '---:').join('|')}|---:|`);
      for (const c of CASES) {
        const medians = SIZES.map((s) => median(times.get(`${c.name}|${s}`)!));
        console.log(`| ${c.name} | ${medians.map((m) => m.toFixed(3)).join(' | ')} | ${(medians.at(-1)! / medians[0]!).toFixed(2)} |`);
      }
      for (const { database } of opened) await database.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    server?.stop();
  }
}

await main();
