/** `SessionStore` scenarios: rows by hash, the join with the user, revocation, expiry, the guarded insert. */
import { rejectionOf, sessionRecord, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

/** Registers the session store's scenarios. */
export function sessionScenarios({ it, expect, stores }: ScenarioContext): void {
  it('stores a session and reads every field back, the data bag included', async () => {
    const user = await stores().users.create(userRecord());
    const record = sessionRecord({
      userId: user.id,
      createdAt: 1_700_000_000_000,
      lastSeenAt: 1_700_000_000_500,
      expiresAt: 1_700_043_200_000,
      data: { csrf: 'x'.repeat(43), reauthAt: 1_700_000_000_400, nested: { list: [1, 'two', null], ok: true }, text: 'Équipe 財務 "quoted"' },
      ip: '2001:db8::1',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    });
    expect(await stores().sessions.create(record)).toBe(true);
    expect(await stores().sessions.get(record.idHash)).toEqual(record);
  });

  it('returns null for an unknown hash', async () => {
    expect(await stores().sessions.get('f'.repeat(64))).toBeNull();
    expect(await stores().sessions.getWithUser('f'.repeat(64))).toBeNull();
  });

  it('refuses a second session with the same hash and keeps the first', async () => {
    const first = sessionRecord({ data: { n: 1 } });
    await stores().sessions.create(first);
    await rejectionOf(stores().sessions.create({ ...first, data: { n: 2 } }));
    expect(await stores().sessions.get(first.idHash)).toEqual(first);
  });

  it('joins the user in getWithUser, and gives a null user for an anonymous session', async () => {
    const user = await stores().users.create(userRecord());
    const mine = sessionRecord({ userId: user.id });
    const anonymous = sessionRecord();
    await stores().sessions.create(mine);
    await stores().sessions.create(anonymous);
    const joined = await stores().sessions.getWithUser(mine.idHash);
    expect(joined?.session).toEqual(mine);
    expect(joined?.user).toEqual(user);
    expect(joined?.user?.password).toBe(user.password);
    const alone = await stores().sessions.getWithUser(anonymous.idHash);
    expect(alone?.session).toEqual(anonymous);
    expect(alone?.user).toBeNull();
  });

  it('updates lastSeenAt and data separately or together, and says false when the session is gone', async () => {
    const record = sessionRecord();
    await stores().sessions.create(record);
    expect(await stores().sessions.update(record.idHash, { lastSeenAt: 2_000 })).toBe(true);
    expect(await stores().sessions.update(record.idHash, { data: { a: 1 } })).toBe(true);
    expect(await stores().sessions.get(record.idHash)).toEqual({ ...record, lastSeenAt: 2_000, data: { a: 1 } });
    expect(await stores().sessions.update(record.idHash, { lastSeenAt: 3_000, data: { b: 2 } })).toBe(true);
    expect(await stores().sessions.get(record.idHash)).toEqual({ ...record, lastSeenAt: 3_000, data: { b: 2 } });
    expect(await stores().sessions.update(record.idHash, {})).toBe(true);
    expect(await stores().sessions.update('e'.repeat(64), { lastSeenAt: 1 })).toBe(false);
    expect(await stores().sessions.update('e'.repeat(64), {})).toBe(false);
  });

  it('hands out copies: changing a returned data bag changes nothing stored', async () => {
    const record = sessionRecord({ data: { role: 'reader' } });
    await stores().sessions.create(record);
    record.data.role = 'admin';
    const read = await stores().sessions.get(record.idHash);
    expect(read?.data).toEqual({ role: 'reader' });
    (read as { data: Record<string, unknown> }).data.role = 'admin';
    expect((await stores().sessions.get(record.idHash))?.data).toEqual({ role: 'reader' });
  });

  it('deletes one session and says whether it existed', async () => {
    const record = sessionRecord();
    await stores().sessions.create(record);
    expect(await stores().sessions.delete(record.idHash)).toBe(true);
    expect(await stores().sessions.delete(record.idHash)).toBe(false);
    expect(await stores().sessions.get(record.idHash)).toBeNull();
  });

  it('lists a user’s sessions newest first, and ends them all or all but one', async () => {
    const user = await stores().users.create(userRecord());
    const other = await stores().users.create(userRecord());
    const mine = [1, 3, 2].map((n) => sessionRecord({ userId: user.id, createdAt: n * 1_000 }));
    for (const record of mine) await stores().sessions.create(record);
    const theirs = sessionRecord({ userId: other.id });
    await stores().sessions.create(theirs);
    expect((await stores().sessions.list({ userId: user.id })).map((s) => s.createdAt)).toEqual([3_000, 2_000, 1_000]);
    expect(await stores().sessions.list({ userId: user.id, limit: 1 })).toHaveLength(1);
    expect(await stores().sessions.list()).toHaveLength(4);
    const keep = mine[0]!;
    expect(await stores().sessions.deleteByUser(user.id, { except: keep.idHash })).toBe(2);
    expect((await stores().sessions.list({ userId: user.id })).map((s) => s.idHash)).toEqual([keep.idHash]);
    expect(await stores().sessions.deleteByUser(user.id)).toBe(1);
    expect(await stores().sessions.list({ userId: user.id })).toEqual([]);
    expect(await stores().sessions.get(theirs.idHash)).toEqual(theirs);
  });

  it('purges sessions past their absolute end or idle too long, and only those', async () => {
    const now = 50_000;
    const expired = sessionRecord({ expiresAt: now, lastSeenAt: now });
    const idle = sessionRecord({ expiresAt: now + 10_000, lastSeenAt: 9_999 });
    const alive = sessionRecord({ expiresAt: now + 10_000, lastSeenAt: 10_000 });
    for (const record of [expired, idle, alive]) await stores().sessions.create(record);
    expect(await stores().sessions.deleteExpired(now, 10_000)).toBe(2);
    expect(await stores().sessions.get(expired.idHash)).toBeNull();
    expect(await stores().sessions.get(idle.idHash)).toBeNull();
    expect(await stores().sessions.get(alive.idHash)).toEqual(alive);
  });

  it('refuses a session for a user that does not exist, and says so', async () => {
    const record = sessionRecord({ userId: 2_000_000_000 });
    expect(await stores().sessions.create(record)).toBe(false);
    expect(await stores().sessions.get(record.idHash)).toBeNull();
  });

  it('always creates an anonymous session and says true', async () => {
    const record = sessionRecord();
    expect(await stores().sessions.create(record)).toBe(true);
    expect(await stores().sessions.create(sessionRecord(), { password: 'ignored for anonymous sessions' })).toBe(true);
    expect(await stores().sessions.get(record.idHash)).toEqual(record);
  });

  it('creates a user’s session only under the user’s current auth epoch', async () => {
    const user = await stores().users.create(userRecord());
    const stale = sessionRecord({ userId: user.id, authEpoch: 0 });
    await stores().users.bumpAuthEpoch(user.id);
    expect(await stores().sessions.create(stale, { password: user.password })).toBe(false);
    expect(await stores().sessions.create({ ...stale, authEpoch: 2 })).toBe(false);
    expect(await stores().sessions.list({ userId: user.id })).toEqual([]);
    const current = sessionRecord({ userId: user.id, authEpoch: 1 });
    expect(await stores().sessions.create(current, { password: user.password })).toBe(true);
    expect(await stores().sessions.get(current.idHash)).toEqual(current);
  });

  it('creates a user’s session only while the guarded password hash is still the stored one', async () => {
    const user = await stores().users.create(userRecord({ password: 'argon2$old' }));
    // Changed without an epoch bump (an out-of-band write): the guard alone catches it.
    await stores().users.update(user.id, { password: 'argon2$new' });
    const record = sessionRecord({ userId: user.id });
    expect(await stores().sessions.create(record, { password: 'argon2$old' })).toBe(false);
    expect(await stores().sessions.get(record.idHash)).toBeNull();
    expect(await stores().sessions.create(record, { password: 'argon2$new' })).toBe(true);
    // Without a password guard (a rotation continuing a login) the epoch and activity decide.
    expect(await stores().sessions.create(sessionRecord({ userId: user.id }))).toBe(true);
    expect(await stores().sessions.list({ userId: user.id })).toHaveLength(2);
  });

  it('creates no session for an inactive user, guarded or not', async () => {
    const user = await stores().users.create(userRecord({ isActive: false }));
    expect(await stores().sessions.create(sessionRecord({ userId: user.id }), { password: user.password })).toBe(false);
    expect(await stores().sessions.create(sessionRecord({ userId: user.id }))).toBe(false);
    expect(await stores().sessions.list({ userId: user.id })).toEqual([]);
  });

  it('lets exactly one of a login and a racing password change win: the login sees the change or its session is refused', async () => {
    const user = await stores().users.create(userRecord({ password: 'hash$verified' }));
    const login = sessionRecord({ userId: user.id, authEpoch: user.authEpoch });
    const [created] = await Promise.all([
      stores().sessions.create(login, { password: 'hash$verified' }),
      stores().transaction(async (tx) => {
        await tx.users.update(user.id, { password: 'hash$changed' });
        await tx.users.bumpAuthEpoch(user.id);
        await tx.sessions.deleteByUser(user.id);
      }),
    ]);
    // Whichever ran first, no session of the old credentials survives the change.
    expect(await stores().sessions.get(login.idHash)).toBeNull();
    expect(typeof created).toBe('boolean');
  });

  it('keeps every field intact, nulls, large numbers and long values included', async () => {
    const user = await stores().users.create(userRecord());
    const record = sessionRecord({
      userId: user.id,
      createdAt: 9_007_199_254_740_000,
      lastSeenAt: 9_007_199_254_740_001,
      expiresAt: 9_007_199_254_740_991,
      data: { quote: `it's "quoted"`, long: 'x'.repeat(10_000) },
      ip: null,
      userAgent: 'u'.repeat(512),
    });
    expect(await stores().sessions.create(record, { password: user.password })).toBe(true);
    expect(await stores().sessions.get(record.idHash)).toEqual(record);
  });
}
