/**
 * The `UserStore` conformance suite, run on every test database: uniqueness as the database
 * enforces it (a clash is a `DuplicateError` naming the field, with nothing written), the
 * compare-and-swap password replacement, the auth epoch, cascades and odd input.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateError, NotFoundError } from '../../src/core/errors.js';
import { testDatabases, itWhen } from '../support/databases.js';
import { type SuiteDatabase, countRows, countWhere, openSuiteDatabase, rejectionOf, uniqueName, userRecord } from './helpers.js';

describe.each(testDatabases())('UserStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    await suite?.close();
  });

  describe('create and read', () => {
    it('returns the stored user with an id, every field, epoch 0 and the authenticated flags', async () => {
      const record = userRecord({ email: 'Kim@example.com', firstName: 'Kim', lastName: 'Ito', isStaff: true, lastLogin: 1_700_000_000_123 });
      const user = await suite.stores.users.create(record);
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
      expect(await suite.stores.users.getById(user.id)).toEqual(user);
      expect(await suite.stores.users.getByUsername(record.username)).toEqual(user);
    });

    it('returns null for an unknown id or username, and for an id that is not a safe integer', async () => {
      expect(await suite.stores.users.getById(2_000_000_000)).toBeNull();
      expect(await suite.stores.users.getById(Number.NaN)).toBeNull();
      expect(await suite.stores.users.getById(1.5)).toBeNull();
      expect(await suite.stores.users.getByUsername(uniqueName('nobody'))).toBeNull();
    });

    it('keeps usernames case-sensitive: Dana.Lee and dana.lee are two users', async () => {
      const suffix = uniqueName('x');
      const upper = await suite.stores.users.create(userRecord({ username: `Dana.Lee.${suffix}` }));
      const lower = await suite.stores.users.create(userRecord({ username: `dana.lee.${suffix}` }));
      expect(upper.id).not.toBe(lower.id);
      expect((await suite.stores.users.getByUsername(`Dana.Lee.${suffix}`))?.id).toBe(upper.id);
      expect((await suite.stores.users.getByUsername(`dana.lee.${suffix}`))?.id).toBe(lower.id);
      expect(await suite.stores.users.getByUsername(`DANA.LEE.${suffix}`)).toBeNull();
    });

    it('stores unicode usernames byte for byte, and tells case variants of non-ASCII letters apart', async () => {
      const suffix = uniqueName('u');
      const names = [`李小龍_${suffix}`, `Zoë_${suffix}`, `zoë_${suffix}`, `ñandú🔑_${suffix}`, `Ærøskøbing_${suffix}`];
      for (const username of names) {
        const user = await suite.stores.users.create(userRecord({ username }));
        expect(user.username).toBe(username);
        const found = await suite.stores.users.getByUsername(username);
        expect(found?.id).toBe(user.id);
        expect(found?.username).toBe(username);
      }
    });

    it('stores a boolean flag as read back: false stays false, true stays true', async () => {
      const user = await suite.stores.users.create(userRecord({ isActive: false, isStaff: false, isSuperuser: true }));
      const again = await suite.stores.users.getById(user.id);
      expect(again?.isActive).toBe(false);
      expect(again?.isStaff).toBe(false);
      expect(again?.isSuperuser).toBe(true);
    });
  });

  describe('uniqueness', () => {
    it('refuses a taken username with DuplicateError(field username) and writes nothing', async () => {
      const first = await suite.stores.users.create(userRecord({ firstName: 'First' }));
      const before = await countRows(suite.database, 'auth_user');
      const error = await rejectionOf(
        suite.stores.users.create(userRecord({ username: first.username, firstName: 'Second', email: `${uniqueName('e')}@example.com` })),
      );
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).field).toBe('username');
      expect((error as DuplicateError).code).toBe('gatehouse.duplicate.username');
      expect(await countRows(suite.database, 'auth_user')).toBe(before);
      expect((await suite.stores.users.getByUsername(first.username))?.firstName).toBe('First');
    });

    it('refuses an email that differs only in case with DuplicateError(field email) and writes nothing', async () => {
      const local = uniqueName('mail');
      await suite.stores.users.create(userRecord({ email: `${local}@example.com` }));
      const before = await countRows(suite.database, 'auth_user');
      const error = await rejectionOf(suite.stores.users.create(userRecord({ email: `${local.toUpperCase()}@EXAMPLE.com` })));
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).field).toBe('email');
      expect(await countRows(suite.database, 'auth_user')).toBe(before);
    });

    it('never lets empty emails clash', async () => {
      const users = [];
      for (let i = 0; i < 3; i += 1) users.push(await suite.stores.users.create(userRecord({ email: '' })));
      expect(new Set(users.map((u) => u.id)).size).toBe(3);
    });

    it('refuses an update to a taken username or email, leaving the row as it was', async () => {
      const taken = await suite.stores.users.create(userRecord({ email: `${uniqueName('taken')}@example.com` }));
      const mover = await suite.stores.users.create(userRecord({ email: `${uniqueName('mover')}@example.com` }));
      const byName = await rejectionOf(suite.stores.users.update(mover.id, { username: taken.username, firstName: 'Changed' }));
      expect(byName).toBeInstanceOf(DuplicateError);
      expect((byName as DuplicateError).field).toBe('username');
      const byEmail = await rejectionOf(suite.stores.users.update(mover.id, { email: taken.email.toUpperCase(), firstName: 'Changed' }));
      expect(byEmail).toBeInstanceOf(DuplicateError);
      expect((byEmail as DuplicateError).field).toBe('email');
      expect(await suite.stores.users.getById(mover.id)).toEqual(mover);
    });

    it('lets exactly one of two concurrent creations of one username win', async () => {
      const username = uniqueName('race');
      const results = await Promise.allSettled([
        suite.stores.users.create(userRecord({ username, firstName: 'A' })),
        suite.stores.users.create(userRecord({ username, firstName: 'B' })),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(DuplicateError);
      expect((lost[0]?.reason as DuplicateError | undefined)?.field).toBe('username');
      expect(await countWhere(suite.database, 'auth_user', 'username', username)).toBe(1);
    });

    itWhen(kind === 'postgres')('lets exactly one of two creations of one username from two separate connections win', async () => {
      const other = await suite.openAnother();
      const username = uniqueName('race2');
      // Several rounds, so the two inserts really overlap at least once on the server.
      for (let round = 0; round < 5; round += 1) {
        const name = `${username}_${round}`;
        const results = await Promise.allSettled([
          suite.stores.users.create(userRecord({ username: name })),
          other.stores.users.create(userRecord({ username: name })),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(DuplicateError);
        expect((lost?.reason as DuplicateError | undefined)?.field).toBe('username');
        expect(await countWhere(suite.database, 'auth_user', 'username', name)).toBe(1);
      }
    });
  });

  describe('update', () => {
    it('changes only the given fields and returns the new row', async () => {
      const user = await suite.stores.users.create(userRecord({ firstName: 'Old', lastName: 'Name' }));
      const updated = await suite.stores.users.update(user.id, { firstName: 'New', isStaff: true, lastLogin: 42 });
      expect(updated).toEqual({ ...user, firstName: 'New', isStaff: true, lastLogin: 42 });
      expect(await suite.stores.users.getById(user.id)).toEqual(updated);
    });

    it('throws NotFoundError for a missing user, with or without fields to change', async () => {
      expect(await rejectionOf(suite.stores.users.update(2_000_000_001, { firstName: 'x' }))).toBeInstanceOf(NotFoundError);
      expect(await rejectionOf(suite.stores.users.update(2_000_000_001, {}))).toBeInstanceOf(NotFoundError);
    });
  });

  describe('findByEmail', () => {
    it('matches case-insensitively and never matches the empty email', async () => {
      const local = uniqueName('Find');
      const user = await suite.stores.users.create(userRecord({ email: `${local}@example.com` }));
      expect((await suite.stores.users.findByEmail(`${local.toLowerCase()}@EXAMPLE.COM`)).map((u) => u.id)).toEqual([user.id]);
      expect(await suite.stores.users.findByEmail(`${uniqueName('none')}@example.com`)).toEqual([]);
      await suite.stores.users.create(userRecord({ email: '' }));
      expect(await suite.stores.users.findByEmail('')).toEqual([]);
    });

    it('finds an address with non-ASCII capitals when asked with exactly the stored address', async () => {
      const email = `Ünal.${uniqueName('x')}@example.com`;
      const user = await suite.stores.users.create(userRecord({ email }));
      expect((await suite.stores.users.findByEmail(email)).map((u) => u.id)).toEqual([user.id]);
    });

    it('treats two addresses as the same exactly when the unique index does', async () => {
      // SQLite's lower() folds ASCII only, PostgreSQL's folds more; whatever the database thinks,
      // lookup and uniqueness must agree, or a reset mail could go to the wrong one of two users.
      for (const [stored, asked] of [
        [`Ada.${uniqueName('x')}@example.com`, null],
        [`Ünal.${uniqueName('x')}@example.com`, null],
        [`Øre.${uniqueName('x')}@example.com`, null],
      ] as const) {
        const variant = asked ?? stored.toLowerCase();
        const user = await suite.stores.users.create(userRecord({ email: stored }));
        const found = (await suite.stores.users.findByEmail(variant)).map((u) => u.id);
        const clash = await suite.stores.users.create(userRecord({ email: variant })).then(
          () => false,
          (error: unknown) => error instanceof DuplicateError,
        );
        expect({ found: found.includes(user.id), clash }).toEqual({ found: clash, clash });
      }
      // ASCII case always folds, on every database.
      const ascii = `Bob.${uniqueName('x')}@example.com`;
      await suite.stores.users.create(userRecord({ email: ascii }));
      expect(await suite.stores.users.findByEmail(ascii.toLowerCase())).toHaveLength(1);
    });
  });

  describe('replacePassword (compare-and-swap)', () => {
    it('writes only while the stored hash is still the expected one', async () => {
      const user = await suite.stores.users.create(userRecord({ password: 'hash-v1' }));
      expect(await suite.stores.users.replacePassword(user.id, 'hash-v1', 'hash-v2')).toBe(true);
      expect((await suite.stores.users.getById(user.id))?.password).toBe('hash-v2');
      // A second writer that read v1 before the first wrote must not overwrite v2.
      expect(await suite.stores.users.replacePassword(user.id, 'hash-v1', 'hash-stale')).toBe(false);
      expect((await suite.stores.users.getById(user.id))?.password).toBe('hash-v2');
    });

    it('returns false for a missing user', async () => {
      expect(await suite.stores.users.replacePassword(2_000_000_002, 'a', 'b')).toBe(false);
    });
  });

  describe('bumpAuthEpoch', () => {
    it('increments by one each time and returns the new value, touching no one else', async () => {
      const user = await suite.stores.users.create(userRecord());
      const bystander = await suite.stores.users.create(userRecord());
      expect(await suite.stores.users.bumpAuthEpoch(user.id)).toBe(1);
      expect(await suite.stores.users.bumpAuthEpoch(user.id)).toBe(2);
      expect((await suite.stores.users.getById(user.id))?.authEpoch).toBe(2);
      expect((await suite.stores.users.getById(bystander.id))?.authEpoch).toBe(0);
    });

    it('loses no increment when bumped concurrently', async () => {
      const user = await suite.stores.users.create(userRecord());
      const values = await Promise.all(Array.from({ length: 10 }, () => suite.stores.users.bumpAuthEpoch(user.id)));
      expect([...values].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await suite.stores.users.getById(user.id))?.authEpoch).toBe(10);
    });

    it('throws NotFoundError for a missing user', async () => {
      expect(await rejectionOf(suite.stores.users.bumpAuthEpoch(2_000_000_003))).toBeInstanceOf(NotFoundError);
    });
  });

  describe('list and count', () => {
    it('counts every row', async () => {
      const before = await suite.stores.users.count();
      expect(before).toBe(await countRows(suite.database, 'auth_user'));
      await suite.stores.users.create(userRecord());
      expect(await suite.stores.users.count()).toBe(before + 1);
    });

    it('pages by id with afterId and limit, in id order', async () => {
      const made = [];
      for (let i = 0; i < 4; i += 1) made.push(await suite.stores.users.create(userRecord()));
      const page = await suite.stores.users.list({ afterId: made[0]!.id, limit: 2 });
      expect(page.map((u) => u.id)).toEqual([made[1]!.id, made[2]!.id]);
      const all = await suite.stores.users.list({ limit: 10_000 });
      expect(all.map((u) => u.id)).toEqual([...all.map((u) => u.id)].sort((a, b) => a - b));
    });

    it('searches username and email case-insensitively, taking % and _ literally', async () => {
      const tag = uniqueName('srch').toLowerCase();
      const byName = await suite.stores.users.create(userRecord({ username: `${tag}_A_b` }));
      const byEmail = await suite.stores.users.create(userRecord({ email: `someone.${tag}@Example.com` }));
      // Would match a_b through the `_` wildcard if it were not escaped.
      const decoy = await suite.stores.users.create(userRecord({ username: `${tag}_aXb` }));
      expect((await suite.stores.users.list({ search: tag.toUpperCase() })).map((u) => u.id).sort((a, b) => a - b)).toEqual(
        [byName.id, byEmail.id, decoy.id].sort((a, b) => a - b),
      );
      expect((await suite.stores.users.list({ search: `${tag}_a_b` })).map((u) => u.id)).toEqual([byName.id]);
      expect(await suite.stores.users.list({ search: `${tag}%` })).toEqual([]);
    });
  });

  describe('delete', () => {
    it('removes the user with their memberships, direct grants and sessions, and nobody else’s', async () => {
      await suite.stores.permissions.sync([{ appLabel: 'auth', model: 'user', codename: 'view_user', name: 'Can view user' }]);
      const group = await suite.stores.groups.create(uniqueName('Cascade'));
      const doomed = await suite.stores.users.create(userRecord());
      const keeper = await suite.stores.users.create(userRecord());
      for (const user of [doomed, keeper]) {
        await suite.stores.groups.addUser(user.id, group.id);
        await suite.stores.permissions.grantToUser(user.id, 'auth.view_user');
        await suite.stores.sessions.create({
          idHash: `${String(user.id).padStart(8, '0')}${'c'.repeat(56)}`,
          userId: user.id,
          authEpoch: 0,
          createdAt: 1,
          lastSeenAt: 1,
          expiresAt: 2,
          data: {},
          ip: null,
          userAgent: null,
        });
      }
      expect(await suite.stores.users.delete(doomed.id)).toBe(true);
      expect(await suite.stores.users.getById(doomed.id)).toBeNull();
      for (const table of ['auth_user_groups', 'auth_user_user_permissions', 'gh_session']) {
        expect(await countWhere(suite.database, table, 'user_id', doomed.id)).toBe(0);
        expect(await countWhere(suite.database, table, 'user_id', keeper.id)).toBe(1);
      }
      // The group and the permission themselves stay.
      expect(await suite.stores.groups.getByName(group.name)).not.toBeNull();
      expect(await suite.stores.groups.memberIds(group.id)).toEqual([keeper.id]);
    });

    it('returns false for a missing user', async () => {
      expect(await suite.stores.users.delete(2_000_000_004)).toBe(false);
    });
  });

  describe('huge values', () => {
    // The columns are varchar(150)/varchar(254)/varchar(255). PostgreSQL enforces the length;
    // SQLite does not enforce declared lengths at all. Either way the table must stay consistent:
    // no partial row, no truncated value passed off as the original.
    const huge = 'a'.repeat(10_000);

    it('a 10,000-character username is refused by PostgreSQL and kept whole by SQLite; the table stays usable', async () => {
      const before = await countRows(suite.database, 'auth_user');
      const attempt = suite.stores.users.create(userRecord({ username: huge }));
      if (kind === 'postgres') {
        const error = await rejectionOf(attempt);
        expect(error).not.toBeInstanceOf(DuplicateError);
        expect((error as { code?: string }).code).toBe('22001'); // string_data_right_truncation
        expect(await countRows(suite.database, 'auth_user')).toBe(before);
        expect(await suite.stores.users.getByUsername(huge)).toBeNull();
      } else {
        const user = await attempt;
        expect(user.username).toHaveLength(10_000);
        expect((await suite.stores.users.getByUsername(huge))?.id).toBe(user.id);
        expect(await countRows(suite.database, 'auth_user')).toBe(before + 1);
      }
      // The next write works as usual.
      const next = await suite.stores.users.create(userRecord());
      expect(await suite.stores.users.getById(next.id)).toEqual(next);
    });

    it('a 10,000-character email or password behaves the same way', async () => {
      for (const patch of [{ email: `${huge}@example.com` }, { password: huge }, { firstName: huge }]) {
        const before = await countRows(suite.database, 'auth_user');
        const attempt = suite.stores.users.create(userRecord(patch));
        if (kind === 'postgres') {
          expect(((await rejectionOf(attempt)) as { code?: string }).code).toBe('22001');
          expect(await countRows(suite.database, 'auth_user')).toBe(before);
        } else {
          const user = await attempt;
          const stored = await suite.stores.users.getById(user.id);
          expect(stored).toMatchObject(patch);
        }
      }
    });

    it('an oversized update on PostgreSQL leaves the row unchanged', async () => {
      const user = await suite.stores.users.create(userRecord({ firstName: 'Kept' }));
      const attempt = suite.stores.users.update(user.id, { firstName: huge, lastName: 'Also not written' });
      if (kind === 'postgres') {
        expect(((await rejectionOf(attempt)) as { code?: string }).code).toBe('22001');
        expect(await suite.stores.users.getById(user.id)).toEqual(user);
      } else {
        expect((await attempt).firstName).toBe(huge);
      }
      const raw = await sql<{ n: number | string }>`select count(*) as n from auth_user where id = ${user.id}`.execute(suite.database.db);
      expect(Number(raw.rows[0]?.n)).toBe(1);
    });
  });
});
