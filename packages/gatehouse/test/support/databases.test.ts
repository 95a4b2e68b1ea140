import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, postgresAdminUrl, djangoFixturesDir, repoRoot, testDatabases } from './databases.js';

describe('testDatabases', () => {
  it('always lists SQLite, and PostgreSQL exactly when an admin URL is set', () => {
    const kinds = testDatabases().map((d) => d.kind);
    expect(kinds[0]).toBe('sqlite');
    expect(kinds.includes('postgres')).toBe(postgresAdminUrl() !== undefined);
  });
});

describe('freshDatabaseUrl on SQLite', () => {
  it('gives a file database that opens, answers and is gone after drop()', async () => {
    const db = await freshDatabaseUrl('sqlite');
    expect(db.url).toMatch(/^sqlite:\/.+\/db\.sqlite3$/);
    const file = db.url.slice('sqlite:'.length);
    const conn = new Database(file);
    expect(conn.prepare('select 1 as one').get()).toEqual({ one: 1 });
    conn.close();
    expect(existsSync(file)).toBe(true);
    await db.drop();
    expect(existsSync(file)).toBe(false);
  });

  it('gives a different database each time', async () => {
    const [a, b] = await Promise.all([freshDatabaseUrl('sqlite'), freshDatabaseUrl('sqlite')]);
    expect(a.url).not.toBe(b.url);
    await Promise.all([a.drop(), b.drop()]);
  });
});

describe.skipIf(postgresAdminUrl() === undefined)('freshDatabaseUrl on PostgreSQL', () => {
  async function query(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  it('gives a database that accepts connections and is gone after drop()', async () => {
    const db = await freshDatabaseUrl('postgres');
    const name = new URL(db.url).pathname.slice(1);
    expect(name).toMatch(/^gh_t_[0-9a-f]+$/);
    const result = await query(db.url, 'select 1 as one, current_database() as name');
    expect(result.rows[0]).toEqual({ one: 1, name });

    // drop() succeeds even with a connection still open (WITH (FORCE)).
    const lingering = new pg.Client({ connectionString: db.url });
    lingering.on('error', () => {});
    await lingering.connect();
    await db.drop();
    await lingering.end().catch(() => {});

    const adminUrl = postgresAdminUrl() as string;
    const left = await query(adminUrl, 'select 1 from pg_database where datname = $1', [name]);
    expect(left.rowCount).toBe(0);
  });

  it('gives a different database each time', async () => {
    const [a, b] = await Promise.all([freshDatabaseUrl('postgres'), freshDatabaseUrl('postgres')]);
    expect(a.url).not.toBe(b.url);
    await Promise.all([a.drop(), b.drop()]);
  });
});

describe('djangoFixturesDir', () => {
  it('finds the Django fixtures inside the repository, so a clone needs nothing beside it', () => {
    for (const file of ['django-password-hashes.json', 'django32-auth.sqlite3', 'django32-auth-dumpdata.json', 'django32-auth-manifest.json']) {
      expect(existsSync(join(djangoFixturesDir(), file)), file).toBe(true);
    }
    expect(djangoFixturesDir().startsWith(repoRoot())).toBe(true);
  });
});
