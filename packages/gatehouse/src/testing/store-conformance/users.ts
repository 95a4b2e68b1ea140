/** `UserStore` scenarios: reading back, uniqueness, compare-and-set, the auth epoch, paging, cascades. */
import { DuplicateError, NotFoundError } from '../../core/errors.js';
import { usernameSkeleton } from '../../core/skeleton.js';
import { PERMISSIONS, rejectionOf, sessionRecord, uniqueName, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

/** Registers the user store's scenarios (emails unique). */
export function userScenarios({ it, expect, stores }: ScenarioContext): void {
  it('returns the stored user with an id, every field, epoch 0 and the authenticated flags', async () => {
    const record = userRecord({ email: 'Kim@example.com', firstName: 'Kim', lastName: 'Ito', isStaff: true, lastLogin: 1_700_000_000_123 });
    const user = await stores().users.create(record);
    expect(user.id).toBeGreaterThan(0);
    expect(user).toMatchObject({
      username: record.username,
      email: 'Kim@example.com',
      password: record.password,
      firstName: 'Kim',
      lastName: 'Ito',
      isActive: true,
      isStaff: true,
      isSuperuser: false,
      dateJoined: record.dateJoined,
      lastLogin: 1_700_000_000_123,
      authEpoch: 0,
      isAuthenticated: true,
      isAnonymous: false,
    });
    expect(Object.isFrozen(user)).toBe(true);
    expect(await stores().users.getById(user.id)).toEqual(user);
    expect(await stores().users.getByUsername(record.username)).toEqual(user);
  });

  it('returns null for an unknown id or username, and for an id that is not a safe integer', async () => {
    expect(await stores().users.getById(2_000_000_000)).toBeNull();
    expect(await stores().users.getById(Number.NaN)).toBeNull();
    expect(await stores().users.getById(1.5)).toBeNull();
    expect(await stores().users.getById(2 ** 53)).toBeNull();
    expect(await stores().users.getByUsername('nobody')).toBeNull();
  });

  it('keeps usernames case-sensitive and unicode byte for byte', async () => {
    const upper = await stores().users.create(userRecord({ username: 'Dana.Lee' }));
    const lower = await stores().users.create(userRecord({ username: 'dana.lee' }));
    expect(upper.id).not.toBe(lower.id);
    expect((await stores().users.getByUsername('Dana.Lee'))?.id).toBe(upper.id);
    expect(await stores().users.getByUsername('DANA.LEE')).toBeNull();
    for (const username of ['李小龍', 'Zoë', 'zoë', 'ñandú🔑']) {
      const user = await stores().users.create(userRecord({ username }));
      expect((await stores().users.getByUsername(username))?.id).toBe(user.id);
    }
  });

  it('reads flags back as written: false stays false, true stays true', async () => {
    const user = await stores().users.create(userRecord({ isActive: false, isStaff: false, isSuperuser: true }));
    expect(await stores().users.getById(user.id)).toMatchObject({ isActive: false, isStaff: false, isSuperuser: true });
  });

  it('refuses a taken username with DuplicateError(field username) and writes nothing', async () => {
    const first = await stores().users.create(userRecord());
    const error = await rejectionOf(stores().users.create(userRecord({ username: first.username })));
    expect(error).toBeInstanceOf(DuplicateError);
    expect((error as DuplicateError).field).toBe('username');
    expect(await stores().users.count()).toBe(1);
  });

  it('refuses an email that differs only in case with DuplicateError(field email) and writes nothing', async () => {
    await stores().users.create(userRecord({ email: 'Robin@Example.com' }));
    const error = await rejectionOf(stores().users.create(userRecord({ email: 'robin@example.COM' })));
    expect(error).toBeInstanceOf(DuplicateError);
    expect((error as DuplicateError).field).toBe('email');
    expect(await stores().users.count()).toBe(1);
  });

  it('never lets empty emails clash', async () => {
    await stores().users.create(userRecord({ email: '' }));
    await stores().users.create(userRecord({ email: '' }));
    expect(await stores().users.count()).toBe(2);
  });

  it('refuses an update to a taken username or email, leaving the row as it was', async () => {
    const a = await stores().users.create(userRecord());
    const b = await stores().users.create(userRecord());
    expect(await rejectionOf(stores().users.update(b.id, { username: a.username }))).toBeInstanceOf(DuplicateError);
    expect(await rejectionOf(stores().users.update(b.id, { email: a.email.toUpperCase(), firstName: 'Changed' }))).toBeInstanceOf(DuplicateError);
    expect(await stores().users.getById(b.id)).toEqual(b);
  });

  it('lets exactly one of two concurrent creations of one username win', async () => {
    const username = uniqueName('race');
    const results = await Promise.allSettled([stores().users.create(userRecord({ username })), stores().users.create(userRecord({ username }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(DuplicateError);
    expect(await stores().users.count()).toBe(1);
  });

  it('updates only the given fields and returns the new row; a missing user is NotFoundError', async () => {
    const user = await stores().users.create(userRecord({ firstName: 'Ann' }));
    const updated = await stores().users.update(user.id, { lastName: 'Lee', isStaff: true });
    expect(updated).toMatchObject({ id: user.id, username: user.username, firstName: 'Ann', lastName: 'Lee', isStaff: true, authEpoch: 0 });
    expect(await stores().users.getById(user.id)).toEqual(updated);
    expect(await stores().users.update(user.id, {})).toEqual(updated);
    expect(await rejectionOf(stores().users.update(2_000_000_000, { firstName: 'x' }))).toBeInstanceOf(NotFoundError);
    expect(await rejectionOf(stores().users.update(2_000_000_000, {}))).toBeInstanceOf(NotFoundError);
  });

  it('finds by email case-insensitively and never matches the empty email', async () => {
    const user = await stores().users.create(userRecord({ email: 'Sam.Taylor@Example.com' }));
    await stores().users.create(userRecord({ email: '' }));
    expect((await stores().users.findByEmail('sam.taylor@example.com')).map((u) => u.id)).toEqual([user.id]);
    expect((await stores().users.findByEmail('Sam.Taylor@Example.com')).map((u) => u.id)).toEqual([user.id]);
    expect(await stores().users.findByEmail('')).toEqual([]);
    expect(await stores().users.findByEmail('nobody@example.com')).toEqual([]);
  });

  it('replaces a password only while the stored hash is still the expected one', async () => {
    const user = await stores().users.create(userRecord({ password: 'hash$old' }));
    expect(await stores().users.replacePassword(user.id, 'hash$wrong', 'hash$new')).toBe(false);
    expect((await stores().users.getById(user.id))?.password).toBe('hash$old');
    expect(await stores().users.replacePassword(user.id, 'hash$old', 'hash$new')).toBe(true);
    expect((await stores().users.getById(user.id))?.password).toBe('hash$new');
    expect(await stores().users.replacePassword(2_000_000_000, 'a', 'b')).toBe(false);
  });

  it('bumps the auth epoch by one, touching no one else, and loses no concurrent bump', async () => {
    const user = await stores().users.create(userRecord());
    const other = await stores().users.create(userRecord());
    expect(await stores().users.bumpAuthEpoch(user.id)).toBe(1);
    expect(await stores().users.bumpAuthEpoch(user.id)).toBe(2);
    await Promise.all(Array.from({ length: 10 }, () => stores().users.bumpAuthEpoch(user.id)));
    expect((await stores().users.getById(user.id))?.authEpoch).toBe(12);
    expect((await stores().users.getById(other.id))?.authEpoch).toBe(0);
    expect(await rejectionOf(stores().users.bumpAuthEpoch(2_000_000_000))).toBeInstanceOf(NotFoundError);
  });

  it('compare-and-sets the auth epoch: of two bumps expecting the same value, one wins', async () => {
    const user = await stores().users.create(userRecord());
    const results = await Promise.all([stores().users.bumpAuthEpochIf(user.id, 0), stores().users.bumpAuthEpochIf(user.id, 0)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await stores().users.getById(user.id))?.authEpoch).toBe(1);
    expect(await stores().users.bumpAuthEpochIf(user.id, 0)).toBe(false);
    expect(await stores().users.bumpAuthEpochIf(user.id, 1)).toBe(true);
    expect(await stores().users.bumpAuthEpochIf(2_000_000_000, 0)).toBe(false);
  });

  it('counts, pages by id with afterId and limit, and searches case-insensitively taking % and _ literally', async () => {
    const made = [];
    for (const username of ['ann_x', 'annex', 'Bob%1', 'carol']) made.push(await stores().users.create(userRecord({ username })));
    expect(await stores().users.count()).toBe(4);
    const ids = made.map((u) => u.id);
    expect((await stores().users.list({ limit: 2 })).map((u) => u.id)).toEqual(ids.slice(0, 2));
    expect((await stores().users.list({ afterId: ids[1], limit: 10 })).map((u) => u.id)).toEqual(ids.slice(2));
    expect((await stores().users.list({ search: 'ANN_' })).map((u) => u.username)).toEqual(['ann_x']);
    expect((await stores().users.list({ search: 'b%' })).map((u) => u.username)).toEqual(['Bob%1']);
    expect((await stores().users.list({ search: made[3]!.email.toUpperCase() })).map((u) => u.username)).toEqual(['carol']);
  });

  it('deletes a user with their memberships, direct grants and sessions, and nobody else’s', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const group = await stores().groups.create('Finance');
    const [gone, kept] = [await stores().users.create(userRecord()), await stores().users.create(userRecord())];
    for (const user of [gone, kept]) {
      await stores().groups.addUser(user.id, group.id);
      await stores().permissions.grantToUser(user.id, 'billing.view_invoice');
    }
    const goneSession = sessionRecord({ userId: gone.id });
    const keptSession = sessionRecord({ userId: kept.id });
    await stores().sessions.create(goneSession);
    await stores().sessions.create(keptSession);
    expect(await stores().users.delete(gone.id)).toBe(true);
    expect(await stores().users.getById(gone.id)).toBeNull();
    expect(await stores().groups.memberIds(group.id)).toEqual([kept.id]);
    expect(await stores().permissions.userPermissionRows(gone.id)).toEqual({ direct: [], viaGroups: [] });
    expect(await stores().sessions.get(goneSession.idHash)).toBeNull();
    expect(await stores().sessions.get(keptSession.idHash)).toEqual(keptSession);
    expect((await stores().permissions.userPermissionRows(kept.id)).direct).toEqual(['billing.view_invoice']);
    expect(await stores().users.delete(gone.id)).toBe(false);
  });

  it('keeps the confusable skeleton on create and rename, and answers who else holds it', async () => {
    const paypal = await stores().users.create(userRecord({ username: 'paypal' }));
    expect(await stores().users.skeletonTaken(usernameSkeleton('pаypal'))).toBe(true); // Cyrillic а
    expect(await stores().users.skeletonTaken(usernameSkeleton('paypal'), paypal.id)).toBe(false);
    await stores().users.update(paypal.id, { username: 'merchant' });
    expect(await stores().users.skeletonTaken(usernameSkeleton('paypal'))).toBe(false);
    expect(await stores().users.skeletonTaken(usernameSkeleton('rnerchant'))).toBe(true);
  });
}

/** Scenarios for a store whose emails are not unique (`emailUnique: false`). */
export function sharedEmailScenarios({ it, expect, stores }: ScenarioContext): void {
  it('lets emails repeat and finds every holder, in id order', async () => {
    const first = await stores().users.create(userRecord({ email: 'Shared@example.com' }));
    const second = await stores().users.create(userRecord({ email: 'shared@EXAMPLE.com' }));
    expect((await stores().users.findByEmail('shared@example.com')).map((u) => u.id)).toEqual([first.id, second.id]);
  });
}
