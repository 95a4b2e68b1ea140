/**
 * Issue 9 item 19: new usernames whose UTS #39 confusable skeleton matches an existing account's
 * are refused, through `accounts.createUser`, on SQLite and PostgreSQL; the skeleton lives in an
 * indexed column kept by the user store on create and rename and backfilled by its migration.
 */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateError, ValidationError } from '../../src/core/errors.js';
import { confusableSkeleton, usernameSkeleton } from '../../src/core/skeleton.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrationsFor } from '../../src/db/migrations.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('usernameSkeleton (UTS #39)', () => {
  it('maps look-alikes to one key and keeps different names apart', () => {
    expect(usernameSkeleton('pаypal')).toBe(usernameSkeleton('paypal')); // Cyrillic а (U+0430)
    expect(usernameSkeleton('m')).toBe(usernameSkeleton('rn')); // confusables.txt: m → rn
    expect(usernameSkeleton('PayPaI')).toBe(usernameSkeleton('PayPal')); // capital i → l
    expect(usernameSkeleton('ｐａｙｐａｌ')).toBe(usernameSkeleton('paypal')); // full-width, through NFKC
    expect(usernameSkeleton('paypal')).not.toBe(usernameSkeleton('paypa1x'));
    expect(usernameSkeleton('alice')).not.toBe(usernameSkeleton('bob'));
    // Case is kept, as usernames are case-sensitive in Django and gatehouse.
    expect(usernameSkeleton('Dana.Lee')).not.toBe(usernameSkeleton('dana.lee'));
    // skeleton(X) is NFD → prototypes → NFD: a precomposed and a decomposed letter meet.
    expect(confusableSkeleton('é')).toBe(confusableSkeleton('e\u0301'));
  });
});

describe.each(testDatabases())('confusable usernames on $label', ({ kind }) => {
  let database: FreshDatabase;
  let t: TestGatehouse<string>;

  beforeAll(async () => {
    database = await freshDatabaseUrl(kind);
    t = await createTestGatehouse({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('refuses pаypal (Cyrillic а) once paypal exists, with a code and without naming the other account', async () => {
    await t.gatehouse.accounts.createUser({ username: 'paypal' });
    const error = await rejection(t.gatehouse.accounts.createUser({ username: 'pаypal' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('username_confusable');
    expect((error as ValidationError).message).not.toContain('paypal');
    expect(await t.gatehouse.stores.users.getByUsername('pаypal')).toBeNull();
  });

  it('refuses rn once m exists and m once rn exists (the table maps m to rn)', async () => {
    await t.gatehouse.accounts.createUser({ username: 'm' });
    expect(((await rejection(t.gatehouse.accounts.createUser({ username: 'rn' }))) as ValidationError).code).toBe('username_confusable');
    await t.gatehouse.accounts.createUser({ username: 'corn' });
    expect(((await rejection(t.gatehouse.accounts.createUser({ username: 'com' }))) as ValidationError).code).toBe('username_confusable');
  });

  it('leaves exact duplicates to the unique index and case-only variants allowed, as before', async () => {
    expect(await rejection(t.gatehouse.accounts.createUser({ username: 'paypal' }))).toBeInstanceOf(DuplicateError);
    await t.gatehouse.accounts.createUser({ username: 'Dana.Lee' });
    await t.gatehouse.accounts.createUser({ username: 'dana.lee' });
  });

  it('keeps the skeleton on rename, so a renamed account is protected too', async () => {
    const user = await t.gatehouse.accounts.createUser({ username: 'original' });
    await t.gatehouse.stores.users.update(user.id, { username: 'stripe' });
    expect(await t.gatehouse.stores.users.skeletonTaken(usernameSkeleton('stripe'))).toBe(true);
    expect(await t.gatehouse.stores.users.skeletonTaken(usernameSkeleton('stripe'), user.id)).toBe(false);
    expect(await t.gatehouse.stores.users.skeletonTaken(usernameSkeleton('original'))).toBe(false);
    expect(((await rejection(t.gatehouse.accounts.createUser({ username: 'ѕtripe' }))) as ValidationError).code).toBe('username_confusable'); // Cyrillic ѕ
  });

  it('can be turned off with confusableUsernameCheck: false', async () => {
    const off = await createTestGatehouse({ databaseUrl: database.url, config: { confusableUsernameCheck: false } });
    try {
      await off.gatehouse.accounts.createUser({ username: 'pаypal' });
      expect(await off.gatehouse.stores.users.getByUsername('pаypal')).not.toBeNull();
    } finally {
      await off.close();
    }
  });

  it('answers from an index: the column is indexed and (on SQLite) the lookup plan uses it', async () => {
    const db = t.database.db;
    if (kind === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan select id from auth_user where username_skeleton = ${'x'} limit 1`.execute(db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING (COVERING )?INDEX auth_user_username_skeleton_idx/);
    } else {
      const found = await sql<{
        indexname: string;
      }>`select indexname from pg_indexes where tablename = 'auth_user' and indexname = 'auth_user_username_skeleton_idx'`.execute(db);
      expect(found.rows).toHaveLength(1);
    }
  });

  it('the migration backfills the skeleton of rows that existed before it', async () => {
    const fresh = await freshDatabaseUrl(kind);
    const old = await openDatabase(fresh.url);
    try {
      const first = migrationsFor(old.kind)['0001_initial']!;
      const migrator = new Migrator({
        db: old.db,
        provider: { getMigrations: async () => ({ '0001_initial': first }) },
        migrationTableName: 'gh_migrations',
        migrationLockTableName: 'gh_migrations_lock',
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const names = ['paypal', 'Ꮇoney', ...Array.from({ length: 1203 }, (_, i) => `user${i}`)];
      for (let i = 0; i < names.length; i += 400) {
        await sql`insert into auth_user (username, email, password, first_name, last_name, is_active, is_staff, is_superuser, date_joined)
          values ${sql.join(names.slice(i, i + 400).map((n) => sql`(${n}, '', '!', '', '', ${kind === 'postgres' ? sql`true` : sql`1`}, ${kind === 'postgres' ? sql`false` : sql`0`}, ${kind === 'postgres' ? sql`false` : sql`0`}, 0)`))}`.execute(
          old.db,
        );
      }
      expect((await old.migrate()).applied).toEqual([
        '0002_username_skeleton',
        '0003_authz_versions',
        '0004_api_tokens',
        '0005_admin_indexes',
        '0006_authz_triggers',
      ]);
      const rows = await sql<{ username: string; username_skeleton: string }>`select username, username_skeleton from auth_user`.execute(old.db);
      expect(rows.rows).toHaveLength(names.length);
      for (const row of rows.rows) expect(row.username_skeleton, row.username).toBe(usernameSkeleton(row.username));
      expect(await old.stores.users.skeletonTaken(usernameSkeleton('pаypal'))).toBe(true);
    } finally {
      await old.close();
      await fresh.drop();
    }
  });
});
