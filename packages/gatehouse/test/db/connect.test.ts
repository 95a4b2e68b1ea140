/**
 * `openDatabase` and `migrate`, on every test database: migrations run once, the email index
 * follows `emailUnique` both ways, and `close()` really closes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DuplicateError } from '../../src/core/errors.js';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases, itWhen } from '../support/databases.js';
import { rejectionOf, userRecord } from './helpers.js';

describe.each(testDatabases())('openDatabase and migrate on $label', ({ kind }) => {
  const cleanups: (() => Promise<void>)[] = [];

  async function open(): Promise<{ fresh: FreshDatabase; database: Database }> {
    const fresh = await freshDatabaseUrl(kind);
    const database = await openDatabase(fresh.url);
    cleanups.push(async () => {
      await database.close();
      await fresh.drop();
    });
    return { fresh, database };
  }

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  it('reports its kind and driver handle', async () => {
    const { database } = await open();
    expect(database.kind).toBe(kind);
    expect(database.driver.kind).toBe(kind);
  });

  it('lists the migration as pending, applies it once, and then has nothing to do', async () => {
    const { database } = await open();
    expect(await database.showMigrations()).toEqual([
      { name: '0001_initial', executedAt: null },
      { name: '0002_username_skeleton', executedAt: null },
      { name: '0003_authz_versions', executedAt: null },
      { name: '0004_api_tokens', executedAt: null },
      { name: '0005_admin_indexes', executedAt: null },
      { name: '0006_authz_triggers', executedAt: null },
    ]);
    expect(await database.migrate({ emailUnique: true })).toEqual({
      applied: ['0001_initial', '0002_username_skeleton', '0003_authz_versions', '0004_api_tokens', '0005_admin_indexes', '0006_authz_triggers'],
    });
    expect(await database.migrate({ emailUnique: true })).toEqual({ applied: [] });
    const [shown] = await database.showMigrations();
    expect(shown?.name).toBe('0001_initial');
    expect(shown?.executedAt).toBeInstanceOf(Date);
  });

  it('creates every table the stores use, with the audit head seeded empty', async () => {
    const { database } = await open();
    await database.migrate();
    for (const table of [
      'auth_user',
      'auth_group',
      'auth_permission',
      'auth_user_groups',
      'auth_group_permissions',
      'auth_user_user_permissions',
      'gh_session',
      'gh_audit_log',
    ]) {
      const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(database.db);
      expect(Number(result.rows[0]?.n)).toBe(0);
    }
    expect(await database.stores.audit.head()).toBeNull();
  });

  it('a bare migrate() makes emails unique, as the config default says', async () => {
    const { database } = await open();
    await database.migrate();
    await database.stores.users.create(userRecord({ username: 'one', email: 'same@example.com' }));
    const clash = await rejectionOf(database.stores.users.create(userRecord({ username: 'two', email: 'SAME@example.com' })));
    expect(clash).toBeInstanceOf(DuplicateError);
    expect((clash as DuplicateError).field).toBe('email');
  });

  itWhen(kind === 'sqlite')('creates a new SQLite file readable by its owner only', async () => {
    const { fresh } = await open();
    const { statSync } = await import('node:fs');
    expect(statSync(fresh.url.slice('sqlite:'.length)).mode & 0o777).toBe(0o600);
  });

  it('with emailUnique off allows duplicate emails, refuses to turn it on over them, and enforces it once they are gone', async () => {
    const { database } = await open();
    await database.migrate({ emailUnique: false });
    const a = await database.stores.users.create(userRecord({ email: 'shared@example.com' }));
    const b = await database.stores.users.create(userRecord({ email: 'SHARED@example.com' }));
    expect((await database.stores.users.findByEmail('shared@example.com')).map((u) => u.id)).toEqual([a.id, b.id]);

    const error = await rejectionOf(database.migrate({ emailUnique: true }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('gatehouse.db.duplicate_emails');
    // Still off: another duplicate goes in.
    await database.stores.users.create(userRecord({ email: 'Shared@example.com' }));

    await database.db.deleteFrom('auth_user').where('id', '<>', a.id).execute();
    await database.migrate({ emailUnique: true });
    const clash = await rejectionOf(database.stores.users.create(userRecord({ email: 'shared@EXAMPLE.com' })));
    expect(clash).toBeInstanceOf(DuplicateError);
    expect((clash as DuplicateError).field).toBe('email');

    // And it can be turned off again.
    await database.migrate({ emailUnique: false });
    await database.stores.users.create(userRecord({ email: 'shared@EXAMPLE.com' }));
  });

  it('leaves the email index alone when migrate is not told about emailUnique', async () => {
    const { database } = await open();
    await database.migrate({ emailUnique: true });
    await database.migrate();
    await database.stores.users.create(userRecord({ email: 'once@example.com' }));
    expect(await rejectionOf(database.stores.users.create(userRecord({ email: 'ONCE@example.com' })))).toBeInstanceOf(DuplicateError);
  });

  itWhen(kind === 'sqlite')('turns foreign keys on, which the cascades depend on', async () => {
    const { database } = await open();
    if (database.driver.kind !== 'sqlite') throw new Error('expected SQLite');
    expect(database.driver.database.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  itWhen(kind === 'postgres')('close() resolves only after every pooled connection has ended', async () => {
    const fresh = await freshDatabaseUrl(kind);
    try {
      const database = await openDatabase(fresh.url);
      if (database.driver.kind !== 'postgres') throw new Error('expected PostgreSQL');
      const ended: boolean[] = [];
      database.driver.pool.on('connect', (client: pg.PoolClient) => {
        const index = ended.push(false) - 1;
        client.on('end', () => {
          ended[index] = true;
        });
      });
      // Several connections at once, so the pool holds more than one.
      await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.02)`.execute(database.db)));
      expect(ended.length).toBeGreaterThan(1);
      await database.close();
      expect(ended.every(Boolean)).toBe(true);
    } finally {
      await fresh.drop();
    }
  });
});

describe('openDatabase with SQLite specifics', () => {
  it('opens an in-memory database that works end to end', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      await database.migrate({ emailUnique: true });
      const user = await database.stores.users.create(userRecord());
      expect(await database.stores.users.getById(user.id)).toEqual(user);
    } finally {
      await database.close();
    }
  });

  it('refuses a file in a folder that does not exist with database_unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-t-missing-'));
    try {
      const error = await rejectionOf(openDatabase(`sqlite:${join(dir, 'no', 'such', 'folder', 'db.sqlite3')}`));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('gatehouse.config.database_unreachable');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the file through a memory map of 1 GiB by default, sqliteMmapBytes sets it (0: none), and a bad value is refused before anything opens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-t-mmap-'));
    const mmapOf = (database: Database) =>
      (database.driver as { database: { pragma(source: string, options: { simple: true }): unknown } }).database.pragma('mmap_size', { simple: true });
    try {
      const file = join(dir, 'db.sqlite3');
      for (const [options, expected] of [
        [{}, 1024 ** 3],
        [{ sqliteMmapBytes: 64 * 1024 ** 2 }, 64 * 1024 ** 2],
        [{ sqliteMmapBytes: 0 }, 0],
      ] as const) {
        const database = await openDatabase(`sqlite:${file}`, options);
        try {
          expect(mmapOf(database)).toBe(expected);
        } finally {
          await database.close();
        }
      }
      for (const bad of [-1, 1.5, Number.NaN]) {
        const error = await rejectionOf(openDatabase(`sqlite:${join(dir, 'other.sqlite3')}`, { sqliteMmapBytes: bad }));
        expect((error as ConfigError).code).toBe('gatehouse.config.sqlite_mmap_bytes');
        expect(existsSync(join(dir, 'other.sqlite3'))).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
