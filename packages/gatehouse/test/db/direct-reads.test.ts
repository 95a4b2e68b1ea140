/**
 * The hot reads (`Precompiled`) skip Kysely's executor on SQLite and run straight on the
 * connection (`DirectSqlite`). Here: they return exactly what Kysely returns, a mapper that does
 * not match its select list is refused rather than trusted, and a read never slips into a
 * transaction that is open on the same connection — it waits for it and sees only what it
 * committed, as a read through Kysely does. The last runs on PostgreSQL too (a pool reads
 * committed data on its own), so both databases are held to the same promise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Precompiled, type StoreContext } from '../../src/db/stores/common.js';
import { testDatabases } from '../support/databases.js';
import { type SuiteDatabase, openSuiteDatabase, uniqueName, userRecord } from './helpers.js';

describe.each(testDatabases())('hot reads on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    await suite?.close();
  });

  async function startSession(): Promise<{ idHash: string; userId: number }> {
    const user = await suite.stores.users.create(userRecord({ username: uniqueName('direct') }));
    const idHash = Buffer.from(uniqueName('s').padEnd(32, 'x')).toString('hex').slice(0, 64).padEnd(64, '0');
    const now = Date.now();
    const record = {
      idHash,
      userId: user.id,
      authEpoch: 0,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 3_600_000,
      data: { a: 1 },
      ip: null,
      userAgent: null,
    };
    expect(await suite.stores.sessions.create(record)).toBe(true);
    return { idHash, userId: user.id };
  }

  it('the session lookup answers the same on the direct path as inside a transaction (through Kysely)', async () => {
    const { idHash, userId } = await startSession();
    const outside = await suite.stores.sessions.getWithUser(idHash);
    const inside = await suite.stores.transaction((tx) => tx.sessions.getWithUser(idHash));
    expect(outside?.user?.id).toBe(userId);
    expect(outside?.session).toEqual(inside?.session);
    expect(outside?.authzVersions).toEqual(inside?.authzVersions);
    expect(JSON.stringify(outside?.user)).toBe(JSON.stringify(inside?.user));
    expect(outside?.user?.password).toBe(inside?.user?.password);
  });

  it('a read from outside waits for a transaction open on the connection and never sees its uncommitted writes', async () => {
    const { idHash, userId } = await startSession();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let deleted!: () => void;
    const didDelete = new Promise<void>((resolve) => {
      deleted = resolve;
    });
    const transaction = suite.stores
      .transaction(async (tx) => {
        await tx.users.update(userId, { isActive: false });
        await tx.sessions.delete(idHash);
        deleted();
        await gate;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await didDelete;
    // The transaction has deleted the session and deactivated the user, uncommitted.
    const read = suite.stores.sessions.getWithUser(idHash);
    release();
    expect(await transaction).toBe('roll back');
    const found = await read;
    // Rolled back: the session and its active user are still there.
    expect(found?.session.idHash).toBe(idHash);
    expect(found?.user?.isActive).toBe(true);
  });
});

// The direct path exists on SQLite only (PostgreSQL goes through its pool).
describe('hot reads on SQLite: the row mapper', () => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase('sqlite');
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('every hot query still finds its rows by index once the database has been analyzed (STAT4 statistics present)', async () => {
    const ctx = (suite.stores.sessions as unknown as { ctx: StoreContext }).ctx;
    // Enough rows in every table a hot query reads for ANALYZE to keep samples (sqlite_stat4).
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const user = await suite.stores.users.create(userRecord({ username: uniqueName(`analyzed${i}`) }));
      ids.push(user.id);
      const now = Date.now();
      const idHash = (i.toString(16) + uniqueName('h').replace(/[^0-9a-f]/g, '')).padEnd(64, 'a').slice(0, 64);
      await suite.stores.sessions.create({
        idHash,
        userId: user.id,
        authEpoch: 0,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + 60_000,
        data: {},
        ip: null,
        userAgent: null,
      });
      await suite.stores.apiTokens.create({
        userId: user.id,
        name: 't',
        tokenHash: idHash,
        prefix: 'gh_x',
        permissions: null,
        createdAt: now,
        expiresAt: null,
        lastUsedAt: null,
        lastUsedIp: null,
      });
    }
    const handle = (suite.database.driver as { database: { exec(sql: string): void; prepare(sql: string): { all(...values: unknown[]): unknown[] } } })
      .database;
    handle.exec('analyze');
    expect(handle.prepare("select count(*) as n from sqlite_stat4 where tbl in ('gh_session', 'gh_api_token', 'auth_user')").all()).not.toEqual([{ n: 0 }]);
    const queries = Precompiled.all.map((query) => query.sql(ctx));
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const text of queries) {
      const parameters = [...text.matchAll(/\?/g)].map(() => ids[0]);
      const plan = (handle.prepare(`explain query plan ${text}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
      // The key is a subquery's value, `(select ?)`: the planner must still search by index.
      expect(text, text).toMatch(/\(select \?\)/);
      for (const step of plan.filter((detail) => /^(SCAN|SEARCH) (s|t|u|ug|up|auth_user)\b/.test(detail))) {
        expect(step, `${text}\n${plan.join('\n')}`).toMatch(/^SEARCH .* USING (INTEGER PRIMARY KEY|(COVERING )?INDEX)/);
      }
    }
  });

  it('a read waits for a stream open on the connection (its snapshot) and then sees what another connection committed', async () => {
    const user = await suite.stores.users.create(userRecord({ username: uniqueName('streamed') }));
    const now = Date.now();
    const idHash = `${'f'.repeat(63)}1`;
    await suite.stores.sessions.create({
      idHash,
      userId: user.id,
      authEpoch: 0,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + 60_000,
      data: {},
      ip: null,
      userAgent: null,
    });
    const other = await suite.openAnother();
    const stream = suite.database.db.selectFrom('auth_user').select('id').stream()[Symbol.asyncIterator]();
    // The first row is read: the stream's read transaction (and snapshot) is open.
    expect((await stream.next()).done).toBe(false);
    // Another process ends the session and commits.
    expect(await other.stores.sessions.delete(idHash)).toBe(true);
    const read = suite.stores.sessions.getWithUser(idHash);
    await stream.return?.(undefined);
    // Read inside the stream's snapshot, the session would still be there.
    expect(await read).toBeNull();
  });

  it('refuses a row mapper that does not follow the select list', async () => {
    const ctx = (suite.stores.sessions as unknown as { ctx: StoreContext }).ctx;
    expect(ctx.direct).toBeDefined();
    const swapped = new Precompiled<{ a: unknown; b: unknown }>(
      (db) => db.selectFrom('auth_user').select(['id as a', 'username as b']).where('id', '=', 0),
      (v) => ({ b: v[0], a: v[1] }),
    );
    await expect(swapped.run(ctx, [1])).rejects.toThrow(/row mapper does not match its columns \(a, b\)/);
    const right = new Precompiled<{ a: unknown; b: unknown }>(
      (db) => db.selectFrom('auth_user').select(['id as a', 'username as b']).where('username', '=', ''),
      (v) => ({ a: v[0], b: v[1] }),
    );
    const user = await suite.stores.users.create(userRecord({ username: uniqueName('mapped') }));
    expect(await right.run(ctx, [user.username])).toEqual([{ a: user.id, b: user.username }]);
  });
});
