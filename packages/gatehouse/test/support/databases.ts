/**
 * Databases for the test suites: every store suite runs once per entry of `testDatabases()`, each
 * test file on a database of its own from `freshDatabaseUrl()`.
 *
 * SQLite is always there. PostgreSQL is there when `GATEHOUSE_TEST_PG_URL` holds an admin URL
 * (`npm test` starts a throwaway server and sets it; see scripts/test.mjs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { it } from 'vitest';

/** A database engine the suites run against. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** One database engine to run a suite on; `label` names it in test titles. */
export interface TestDatabase {
  kind: DatabaseKind;
  label: string;
}

/** A database made for one test file; `drop()` removes it and everything in it. */
export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

const PG_ENV = 'GATEHOUSE_TEST_PG_URL';

/** The admin URL of the test PostgreSQL server, or undefined when the PostgreSQL suites are off. */
export function postgresAdminUrl(): string | undefined {
  const url = process.env[PG_ENV];
  return url !== undefined && url !== '' ? url : undefined;
}

/** The engines to run each store suite on: SQLite always, PostgreSQL when a server is available. */
export function testDatabases(): TestDatabase[] {
  const databases: TestDatabase[] = [{ kind: 'sqlite', label: 'SQLite' }];
  if (postgresAdminUrl() !== undefined) databases.push({ kind: 'postgres', label: 'PostgreSQL' });
  return databases;
}

/**
 * Makes an empty database and returns its URL in the form `DATABASE_URL` takes:
 * `sqlite:/tmp/…/db.sqlite3` (a file in a new temp folder) or `postgres://…/gh_t_<random>`.
 */
export async function freshDatabaseUrl(kind: DatabaseKind): Promise<FreshDatabase> {
  if (kind === 'sqlite') return freshSqlite();
  return freshPostgres();
}

async function freshSqlite(): Promise<FreshDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-t-sqlite-'));
  return {
    url: `sqlite:${join(dir, 'db.sqlite3')}`,
    // The whole folder, so the -wal and -shm files go too.
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function freshPostgres(): Promise<FreshDatabase> {
  const adminUrl = postgresAdminUrl();
  if (adminUrl === undefined) {
    throw new Error(
      `freshDatabaseUrl('postgres'): ${PG_ENV} is not set. Run the tests with \`npm test\`, which starts ` +
        `a throwaway PostgreSQL server, or set ${PG_ENV} to an admin URL (postgres://user@host:port/postgres).`,
    );
  }
  // Hex only, so the name needs no quoting rules beyond the double quotes below.
  const name = `gh_t_${randomBytes(8).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) ends connections a test left open (PostgreSQL 13+).
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The library package's folder (packages/gatehouse: src/, dist/, test/). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The repository's root: the workspace holding the example, the docs, README.md and node_modules. */
export function workspaceRoot(): string {
  return resolve(repoRoot(), '..', '..');
}

/** The Django 3.2 fixtures kept with the tests (test/fixtures: hashes, a whole auth database, its dump). */
export function djangoFixturesDir(): string {
  return join(repoRoot(), 'test', 'fixtures');
}

/**
 * `it` where the test applies, and nothing at all where it does not (a PostgreSQL-only test in
 * the SQLite run): such a test is not "skipped", it does not exist there, so the skipped count
 * only ever means something could not run.
 */
export function itWhen(condition: boolean): typeof it {
  return condition ? it : (noTest as unknown as typeof it);
}

// Chained modifiers (`.sequential`, `.concurrent`) lead to the same nothing.
const noTest = Object.assign((): void => {}, {
  sequential: (): void => {},
  concurrent: (): void => {},
});
