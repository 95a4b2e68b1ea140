/**
 * The `SessionStore` conformance suite, run on every test database: rows keyed by the id's hash,
 * the session-plus-user join every request makes, per-user listing and revocation, and expiry,
 * and the guarded creation: a user's session goes in only while the user row still matches the
 * snapshot it was created against (epoch, active, and the verified password hash when given).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/core/ports.js';
import { testDatabases } from '../support/databases.js';
import { type SuiteDatabase, countWhere, openSuiteDatabase, rejectionOf, userRecord } from './helpers.js';

function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: randomBytes(32).toString('hex'),
    userId: null,
    authEpoch: 0,
    createdAt: 1_000,
    lastSeenAt: 1_000,
    expiresAt: 100_000,
    data: {},
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

describe.each(testDatabases())('SessionStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('stores a session and reads every field back, the data bag included', async () => {
    const user = await suite.stores.users.create(userRecord());
    for (let i = 0; i < 3; i++) await suite.stores.users.bumpAuthEpoch(user.id);
    const record = sessionRecord({
      userId: user.id,
      authEpoch: 3,
      createdAt: 1_767_225_600_000,
      lastSeenAt: 1_767_225_601_000,
      expiresAt: 1_767_268_800_000,
      data: { csrf: 'abc', reauthAt: 5, nested: { list: [1, 'two', null] }, unicode: 'ключ 🔑' },
      ip: '203.0.113.9',
      userAgent: 'Mozilla/5.0',
    });
    expect(await suite.stores.sessions.create(record, { password: user.password })).toBe(true);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual(record);
  });

  it('returns null for an unknown hash', async () => {
    expect(await suite.stores.sessions.get('f'.repeat(64))).toBeNull();
    expect(await suite.stores.sessions.getWithUser('f'.repeat(64))).toBeNull();
  });

  it('refuses a second session with the same hash and keeps the first', async () => {
    const record = sessionRecord({ data: { first: true } });
    await suite.stores.sessions.create(record);
    expect(await rejectionOf(suite.stores.sessions.create({ ...record, data: { second: true } }))).toBeInstanceOf(Error);
    expect((await suite.stores.sessions.get(record.idHash))?.data).toEqual({ first: true });
  });

  it('joins the user in getWithUser, and gives null for an anonymous session', async () => {
    const user = await suite.stores.users.create(userRecord({ isStaff: true, email: 'joined@example.com' }));
    await suite.stores.users.bumpAuthEpoch(user.id);
    const fresh = await suite.stores.users.getById(user.id);
    const owned = sessionRecord({ userId: user.id, authEpoch: 1 });
    const anonymous = sessionRecord({ data: { resetToken: 'x' } });
    await suite.stores.sessions.create(owned);
    await suite.stores.sessions.create(anonymous);
    // The authorization versions ride along (bumpAuthEpoch bumped the user's once).
    expect(await suite.stores.sessions.getWithUser(owned.idHash)).toEqual({
      session: owned,
      user: fresh,
      authzVersions: { user: 1, global: expect.any(Number) },
    });
    expect(await suite.stores.sessions.getWithUser(anonymous.idHash)).toEqual({ session: anonymous, user: null });
  });

  it('updates lastSeenAt and data separately or together, and says false when the session is gone', async () => {
    const record = sessionRecord({ data: { a: 1 } });
    await suite.stores.sessions.create(record);
    expect(await suite.stores.sessions.update(record.idHash, { lastSeenAt: 2_000 })).toBe(true);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual({ ...record, lastSeenAt: 2_000 });
    expect(await suite.stores.sessions.update(record.idHash, { data: { b: 2 } })).toBe(true);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual({ ...record, lastSeenAt: 2_000, data: { b: 2 } });
    expect(await suite.stores.sessions.update(record.idHash, {})).toBe(true);
    expect(await suite.stores.sessions.update('e'.repeat(64), { lastSeenAt: 1 })).toBe(false);
    expect(await suite.stores.sessions.update('e'.repeat(64), {})).toBe(false);
  });

  it('deletes one session and says whether it existed', async () => {
    const record = sessionRecord();
    await suite.stores.sessions.create(record);
    expect(await suite.stores.sessions.delete(record.idHash)).toBe(true);
    expect(await suite.stores.sessions.delete(record.idHash)).toBe(false);
    expect(await suite.stores.sessions.get(record.idHash)).toBeNull();
  });

  it('lists a user’s sessions newest first, and ends them all or all but one', async () => {
    const user = await suite.stores.users.create(userRecord());
    const other = await suite.stores.users.create(userRecord());
    const mine = [1, 3, 2].map((n) => sessionRecord({ userId: user.id, createdAt: n * 1_000 }));
    for (const record of mine) await suite.stores.sessions.create(record);
    const theirs = sessionRecord({ userId: other.id });
    await suite.stores.sessions.create(theirs);

    const listed = await suite.stores.sessions.list({ userId: user.id });
    expect(listed.map((s) => s.createdAt)).toEqual([3_000, 2_000, 1_000]);
    expect(await suite.stores.sessions.list({ userId: user.id, limit: 1 })).toHaveLength(1);

    const keep = mine[0]!;
    expect(await suite.stores.sessions.deleteByUser(user.id, { except: keep.idHash })).toBe(2);
    expect((await suite.stores.sessions.list({ userId: user.id })).map((s) => s.idHash)).toEqual([keep.idHash]);
    expect(await suite.stores.sessions.deleteByUser(user.id)).toBe(1);
    expect(await suite.stores.sessions.list({ userId: user.id })).toEqual([]);
    expect(await suite.stores.sessions.get(theirs.idHash)).toEqual(theirs);
  });

  it('purges sessions past their absolute end or idle too long, and only those', async () => {
    const user = await suite.stores.users.create(userRecord());
    const now = 50_000;
    const expired = sessionRecord({ userId: user.id, expiresAt: now, lastSeenAt: now });
    const idle = sessionRecord({ userId: user.id, expiresAt: now + 10_000, lastSeenAt: 9_999 });
    const alive = sessionRecord({ userId: user.id, expiresAt: now + 10_000, lastSeenAt: 10_000 });
    for (const record of [expired, idle, alive]) await suite.stores.sessions.create(record);
    expect(await suite.stores.sessions.deleteExpired(now, 10_000)).toBeGreaterThanOrEqual(2);
    expect(await suite.stores.sessions.get(expired.idHash)).toBeNull();
    expect(await suite.stores.sessions.get(idle.idHash)).toBeNull();
    expect(await suite.stores.sessions.get(alive.idHash)).toEqual(alive);
  });

  it('ends with its user: deleting the user deletes the sessions', async () => {
    const user = await suite.stores.users.create(userRecord());
    await suite.stores.sessions.create(sessionRecord({ userId: user.id }));
    await suite.stores.sessions.create(sessionRecord({ userId: user.id }));
    await suite.stores.users.delete(user.id);
    expect(await countWhere(suite.database, 'gh_session', 'user_id', user.id)).toBe(0);
  });

  it('refuses a session for a user that does not exist, and says so', async () => {
    const record = sessionRecord({ userId: 2_000_000_000 });
    expect(await suite.stores.sessions.create(record)).toBe(false);
    expect(await suite.stores.sessions.get(record.idHash)).toBeNull();
  });

  it('always creates an anonymous session and says true', async () => {
    const record = sessionRecord();
    expect(await suite.stores.sessions.create(record)).toBe(true);
    expect(await suite.stores.sessions.create(sessionRecord(), { password: 'ignored for anonymous sessions' })).toBe(true);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual(record);
  });

  it('creates a user’s session only under the user’s current auth epoch', async () => {
    const user = await suite.stores.users.create(userRecord());
    const stale = sessionRecord({ userId: user.id, authEpoch: 0 });
    await suite.stores.users.bumpAuthEpoch(user.id);
    expect(await suite.stores.sessions.create(stale, { password: user.password })).toBe(false);
    expect(await suite.stores.sessions.create({ ...stale, authEpoch: 2 })).toBe(false);
    expect(await countWhere(suite.database, 'gh_session', 'user_id', user.id)).toBe(0);
    const current = sessionRecord({ userId: user.id, authEpoch: 1 });
    expect(await suite.stores.sessions.create(current, { password: user.password })).toBe(true);
    expect(await suite.stores.sessions.get(current.idHash)).toEqual(current);
  });

  it('creates a user’s session only while the guarded password hash is still the stored one', async () => {
    const user = await suite.stores.users.create(userRecord({ password: 'argon2$old' }));
    // Changed without an epoch bump (an out-of-band write): the guard alone catches it.
    await suite.stores.users.update(user.id, { password: 'argon2$new' });
    const record = sessionRecord({ userId: user.id });
    expect(await suite.stores.sessions.create(record, { password: 'argon2$old' })).toBe(false);
    expect(await suite.stores.sessions.get(record.idHash)).toBeNull();
    expect(await suite.stores.sessions.create(record, { password: 'argon2$new' })).toBe(true);
    // Without a password guard (a rotation continuing a login) the epoch and activity decide.
    expect(await suite.stores.sessions.create(sessionRecord({ userId: user.id }))).toBe(true);
    expect(await countWhere(suite.database, 'gh_session', 'user_id', user.id)).toBe(2);
  });

  it('creates no session for an inactive user, guarded or not', async () => {
    const user = await suite.stores.users.create(userRecord({ isActive: false }));
    expect(await suite.stores.sessions.create(sessionRecord({ userId: user.id }), { password: user.password })).toBe(false);
    expect(await suite.stores.sessions.create(sessionRecord({ userId: user.id }))).toBe(false);
    expect(await countWhere(suite.database, 'gh_session', 'user_id', user.id)).toBe(0);
  });

  it('keeps every field of a guarded insert intact, nulls and long values included', async () => {
    const user = await suite.stores.users.create(userRecord());
    const record = sessionRecord({
      userId: user.id,
      createdAt: 9_007_199_254_740_000,
      lastSeenAt: 9_007_199_254_740_001,
      expiresAt: 9_007_199_254_740_991,
      data: { quote: `it's "quoted"`, nul: 'ok' },
      ip: null,
      userAgent: 'u'.repeat(512),
    });
    expect(await suite.stores.sessions.create(record, { password: user.password })).toBe(true);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual(record);
  });

  it('keeps a 10,000-character data value whole (the data column is unbounded text)', async () => {
    const record = sessionRecord({ data: { blob: 'x'.repeat(10_000) } });
    await suite.stores.sessions.create(record);
    expect(await suite.stores.sessions.get(record.idHash)).toEqual(record);
  });

  it('reads a corrupt data bag as empty instead of failing the request', async () => {
    const record = sessionRecord({ data: { ok: true } });
    await suite.stores.sessions.create(record);
    await suite.database.db.updateTable('gh_session').set({ data: '{not json' }).where('id_hash', '=', record.idHash).execute();
    expect((await suite.stores.sessions.get(record.idHash))?.data).toEqual({});
    await suite.database.db.updateTable('gh_session').set({ data: '[1,2]' }).where('id_hash', '=', record.idHash).execute();
    expect((await suite.stores.sessions.getWithUser(record.idHash))?.session.data).toEqual({});
  });
});
