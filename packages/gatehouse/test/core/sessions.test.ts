/**
 * Sessions on every test database: random ids stored only as their SHA-256, idle and absolute
 * expiry on a manual clock, rotation, per-user listing and revocation, and the auth epoch that
 * ends every older session of a user at once (password change, deactivation, leaving a group,
 * losing a permission, "log out everywhere") — even a copy of the session row that survived.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RandomSource } from '../../src/core/clock.js';
import { createGatehouse } from '../../src/core/gatehouse.js';
import type { SessionRecord } from '../../src/core/ports.js';
import { PermissionDenied } from '../../src/core/errors.js';
import { type LoadedSession, SessionRevokedError, hashSessionId } from '../../src/core/sessions.js';
import type { User } from '../../src/core/user.js';
import type { TestGatehouse } from '../../src/testing/index.js';
import { testDatabases } from '../support/databases.js';
import { GOOD_PASSWORD, type SeedPermission, freshUsername, seedGatehouse } from './helpers.js';

const SECOND = 1000;
const IDLE = 1800 * SECOND;
const MAX_AGE = 43_200 * SECOND;

describe.each(testDatabases())('sessions on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;

  async function newUser(options: { password?: string } = {}): Promise<User> {
    return t.gatehouse.accounts.createUser({ username: freshUsername('s'), password: options.password ?? null });
  }

  async function rowOf(idHash: string): Promise<Record<string, unknown> | undefined> {
    return t.database.db.selectFrom('gh_session').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  beforeAll(async () => {
    t = await seedGatehouse(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('ids', () => {
    it('are 256 random bits from the injected random source, base64url, all different', async () => {
      const requested: number[] = [];
      const random: RandomSource = {
        bytes(length) {
          requested.push(length);
          return randomBytes(length);
        },
      };
      const gatehouse = createGatehouse({
        stores: t.database.stores,
        config: { secretKey: 'session-test-secret-key-0123456789abcdef' },
        clock: t.clock,
        random,
      });
      requested.length = 0;
      const ids = new Set<string>();
      for (let i = 0; i < 50; i += 1) ids.add((await gatehouse.sessions.start(null)).id);
      expect(ids.size).toBe(50);
      expect(requested.every((n) => n >= 16)).toBe(true);
      expect(requested).toContain(32);
      for (const id of ids) {
        expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(id, 'base64url')).toHaveLength(32);
      }
    });

    it('are stored only as their SHA-256: no column of the row holds the id itself', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user, { ip: '203.0.113.5', userAgent: 'test' }, { note: 'x' });
      const sha256 = createHash('sha256').update(session.id).digest('hex');
      expect(session.record.idHash).toBe(sha256);
      expect(hashSessionId(session.id)).toBe(sha256);
      const row = await rowOf(sha256);
      expect(row?.id_hash).toBe(sha256);
      for (const value of Object.values(row ?? {})) expect(String(value)).not.toContain(session.id);
      const byRawId = await t.database.db.selectFrom('gh_session').select('id_hash').where('id_hash', '=', session.id).execute();
      expect(byRawId).toEqual([]);
    });

    it('a malformed id never reaches the database and gives null', async () => {
      const getWithUser = vi.spyOn(t.database.stores.sessions, 'getWithUser');
      const remove = vi.spyOn(t.database.stores.sessions, 'delete');
      const good = (await t.gatehouse.sessions.start(null)).id;
      for (const bad of [
        '',
        'short',
        `${good}x`,
        good.slice(1),
        `${good.slice(0, 42)}!`,
        `${good.slice(0, 42)}=`,
        "' or 1=1 --",
        'a'.repeat(10_000),
        hashSessionId(good),
      ]) {
        expect(await t.gatehouse.sessions.load(bad)).toBeNull();
        expect(await t.gatehouse.sessions.end(bad)).toBe(false);
      }
      expect(getWithUser).not.toHaveBeenCalled();
      expect(remove).not.toHaveBeenCalled();
    });

    it('a well-formed id nobody was given loads as null', async () => {
      expect(await t.gatehouse.sessions.load(randomBytes(32).toString('base64url'))).toBeNull();
    });
  });

  describe('create, read, end', () => {
    it('loads a user’s session with the user, and an anonymous one with null', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user, { ip: '198.51.100.1', userAgent: 'UA' }, { csrf: 'secret' });
      const loaded = await t.gatehouse.sessions.load(session.id);
      expect(loaded?.user?.id).toBe(user.id);
      expect(loaded?.record).toMatchObject({ userId: user.id, authEpoch: user.authEpoch, data: { csrf: 'secret' }, ip: '198.51.100.1', userAgent: 'UA' });
      expect(loaded?.record.expiresAt).toBe(t.clock.now() + MAX_AGE);

      const anonymous = await t.gatehouse.sessions.start(null, {}, { resetToken: 't' });
      expect(await t.gatehouse.sessions.load(anonymous.id)).toMatchObject({ user: null, record: { userId: null, data: { resetToken: 't' } } });
    });

    it('saves the data bag', async () => {
      const session = await t.gatehouse.sessions.start(await newUser());
      expect(await t.gatehouse.sessions.saveData(session, { reauthAt: 123 })).toBe(true);
      expect((await t.gatehouse.sessions.load(session.id))?.record.data).toEqual({ reauthAt: 123 });
    });

    it('ends a session: it no longer loads and its row is gone', async () => {
      const session = await t.gatehouse.sessions.start(await newUser());
      expect(await t.gatehouse.sessions.end(session.id)).toBe(true);
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
      expect(await rowOf(session.record.idHash)).toBeUndefined();
      expect(await t.gatehouse.sessions.end(session.id)).toBe(false);
    });

    it('cuts over-long request metadata to the column sizes', async () => {
      const session = await t.gatehouse.sessions.start(null, { ip: '1'.repeat(100), userAgent: 'u'.repeat(2_000) });
      const row = await rowOf(session.record.idHash);
      expect(String(row?.ip)).toHaveLength(64);
      expect(String(row?.user_agent)).toHaveLength(512);
    });

    it('ends the sessions of a deleted user', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user);
      await t.database.stores.users.delete(user.id);
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
    });
  });

  describe('expiry', () => {
    it('idle: alive at exactly the idle timeout, dead (and deleted) one millisecond later', async () => {
      const a = await t.gatehouse.sessions.start(await newUser());
      const b = await t.gatehouse.sessions.start(await newUser());
      t.clock.advance(IDLE);
      expect(await t.gatehouse.sessions.load(a.id)).not.toBeNull();
      t.clock.advance(1);
      expect(await t.gatehouse.sessions.load(b.id)).toBeNull();
      expect(await rowOf(b.record.idHash)).toBeUndefined();
    });

    it('activity keeps a session alive past the idle timeout', async () => {
      const session = await t.gatehouse.sessions.start(await newUser());
      for (let i = 0; i < 4; i += 1) {
        t.clock.advance(IDLE - SECOND);
        expect(await t.gatehouse.sessions.load(session.id)).not.toBeNull();
      }
    });

    it('writes lastSeenAt at most once per touchInterval', async () => {
      const session = await t.gatehouse.sessions.start(await newUser());
      const update = vi.spyOn(t.database.stores.sessions, 'update');
      t.clock.advance(59 * SECOND);
      await t.gatehouse.sessions.load(session.id);
      expect(update).not.toHaveBeenCalled();
      t.clock.advance(SECOND);
      const loaded = await t.gatehouse.sessions.load(session.id);
      expect(update).toHaveBeenCalledTimes(1);
      expect(loaded?.record.lastSeenAt).toBe(t.clock.now());
      expect(Number((await rowOf(session.record.idHash))?.last_seen_at)).toBe(t.clock.now());
    });

    it('absolute: dead at maxAge however active', async () => {
      const session = await t.gatehouse.sessions.start(await newUser());
      const end = session.record.expiresAt;
      while (t.clock.now() + IDLE / 2 < end) {
        t.clock.advance(IDLE / 2);
        expect(await t.gatehouse.sessions.load(session.id)).not.toBeNull();
      }
      t.clock.set(end - 1);
      expect(await t.gatehouse.sessions.load(session.id)).not.toBeNull();
      t.clock.set(end);
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
      expect(await rowOf(session.record.idHash)).toBeUndefined();
    });

    it('purgeExpired deletes expired and idle sessions and keeps live ones', async () => {
      const idle = await t.gatehouse.sessions.start(await newUser());
      t.clock.advance(IDLE / 2);
      const live = await t.gatehouse.sessions.start(await newUser());
      t.clock.advance(IDLE / 2 + 1);
      expect(await t.gatehouse.sessions.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await rowOf(idle.record.idHash)).toBeUndefined();
      expect(await rowOf(live.record.idHash)).toBeDefined();
    });
  });

  describe('rotation', () => {
    it('gives a new id, ends the old one and keeps the data for the same user', async () => {
      const user = await newUser();
      const old = await t.gatehouse.sessions.start(user, {}, { cart: [1, 2] });
      const rotated = await t.gatehouse.sessions.rotate(old, user);
      expect(rotated.id).not.toBe(old.id);
      expect(await t.gatehouse.sessions.load(old.id)).toBeNull();
      expect((await t.gatehouse.sessions.load(rotated.id))?.record.data).toEqual({ cart: [1, 2] });
    });

    it('keepExpiry carries the absolute end over for the same user (reauth), and a login starts a new one', async () => {
      const user = await newUser();
      const first = await t.gatehouse.sessions.start(user);
      t.clock.advance(60 * SECOND);
      const kept = await t.gatehouse.sessions.rotate(first, user, { keepExpiry: true });
      expect(kept.record.expiresAt).toBe(first.record.expiresAt);
      const fresh = await t.gatehouse.sessions.rotate(kept, user);
      expect(fresh.record.expiresAt).toBe(first.record.expiresAt + 60 * SECOND);
      const other = await newUser();
      const switched = await t.gatehouse.sessions.rotate(fresh, other, { keepExpiry: true });
      expect(switched.record.expiresAt).toBe(t.clock.now() + t.gatehouse.config.session.maxAge * 1000);
    });

    it('carries an anonymous session’s data into the login, but never one user’s data to another', async () => {
      const alice = await newUser();
      const bob = await newUser();
      const anonymous = await t.gatehouse.sessions.start(null, {}, { next: '/invoices/' });
      const loggedIn = await t.gatehouse.sessions.rotate(anonymous, alice);
      expect(loggedIn.record).toMatchObject({ userId: alice.id, data: { next: '/invoices/' } });
      await t.gatehouse.sessions.saveData(loggedIn, { secret: 'alice-only' });
      const loaded = (await t.gatehouse.sessions.load(loggedIn.id))!;
      const switched = await t.gatehouse.sessions.rotate(loaded, bob);
      expect(switched.record).toMatchObject({ userId: bob.id, data: {} });
    });

    it('login rotates, records the login time and audits; logout ends the session and audits', async () => {
      const user = await newUser({ password: GOOD_PASSWORD });
      const before = await t.gatehouse.sessions.start(null);
      t.clock.advance(SECOND);
      const session = await t.gatehouse.login(user, before, { ip: '192.0.2.10', backend: 'model' });
      expect(session.id).not.toBe(before.id);
      expect(await t.gatehouse.sessions.load(before.id)).toBeNull();
      expect(session.user?.lastLogin).toBe(t.clock.now());
      expect((await t.database.stores.users.getById(user.id))?.lastLogin).toBe(t.clock.now());
      const [login] = await t.gatehouse.audit.list({ action: 'auth.login', limit: 1 });
      expect(login).toMatchObject({ actor: user.username, ip: '192.0.2.10', data: { backend: 'model' } });

      const loaded = await t.gatehouse.sessions.load(session.id);
      await t.gatehouse.logout(loaded);
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
      const [logout] = await t.gatehouse.audit.list({ action: 'auth.logout', limit: 1 });
      expect(logout).toMatchObject({ actor: user.username });
    });
  });

  describe('a user’s sessions', () => {
    it('are listed newest first and can be ended all at once, sparing the current one', async () => {
      const user = await newUser();
      const first = await t.gatehouse.sessions.start(user);
      t.clock.advance(SECOND);
      const second = await t.gatehouse.sessions.start(user);
      t.clock.advance(SECOND);
      const current = await t.gatehouse.sessions.start(user);
      const other = await t.gatehouse.sessions.start(await newUser());
      expect((await t.gatehouse.sessions.listForUser(user.id)).map((s) => s.idHash)).toEqual([current, second, first].map((s) => s.record.idHash));

      expect(await t.gatehouse.sessions.endAllForUser(user.id, { except: current })).toBe(2);
      expect(await t.gatehouse.sessions.load(first.id)).toBeNull();
      expect(await t.gatehouse.sessions.load(second.id)).toBeNull();
      expect(await t.gatehouse.sessions.load(current.id)).not.toBeNull();
      expect(await t.gatehouse.sessions.load(other.id)).not.toBeNull();
    });

    it('can be ended one by one by hash, as an admin tool that never sees raw ids would', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user);
      const [listed] = await t.gatehouse.sessions.listForUser(user.id);
      expect(await t.gatehouse.sessions.endByHash(listed!.idHash)).toBe(true);
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
    });
  });

  describe('the auth epoch ends every older session at once', () => {
    /**
     * Starts two sessions for `user`, runs `change`, and checks that both are dead: their rows
     * are gone, and a copy of a row put back (as another instance or a replica might still hold
     * it) still does not load, because the user's epoch moved on. A session started afterwards works.
     */
    async function expectChangeEndsSessions(user: User, change: (user: User) => Promise<unknown>): Promise<void> {
      const sessions: LoadedSession[] = [await t.gatehouse.sessions.start(user), await t.gatehouse.sessions.start(user)];
      const copies: SessionRecord[] = sessions.map((s) => s.record);
      await change(user);
      const after = (await t.database.stores.users.getById(user.id))!;
      expect(after.authEpoch).toBeGreaterThan(user.authEpoch);
      for (const session of sessions) {
        expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
        expect(await rowOf(session.record.idHash)).toBeUndefined();
      }
      await t.database.stores.sessions.create(copies[0]!);
      expect(await t.gatehouse.sessions.load(sessions[0]!.id)).toBeNull();
      if (after.isActive) {
        const fresh = await t.gatehouse.sessions.start(after);
        expect((await t.gatehouse.sessions.load(fresh.id))?.user?.id).toBe(user.id);
      }
    }

    it('on a password change', async () => {
      const user = await newUser({ password: GOOD_PASSWORD });
      await expectChangeEndsSessions(user, (u) => t.gatehouse.accounts.setPassword(u, 'another-Passw0rd-entirely'));
    });

    it('on deactivation', async () => {
      const user = await newUser();
      await expectChangeEndsSessions(user, (u) => t.gatehouse.accounts.setActive(u, false));
    });

    it('on removal from a group', async () => {
      const user = await newUser();
      await t.gatehouse.accounts.addToGroup(user, 'Support');
      await expectChangeEndsSessions(user, (u) => t.gatehouse.accounts.removeFromGroup(u, 'Support'));
    });

    it('on revoking a permission', async () => {
      const user = await newUser();
      await t.gatehouse.accounts.grantPermission(user, 'support.view_ticket');
      await expectChangeEndsSessions(user, (u) => t.gatehouse.accounts.revokePermission(u, 'support.view_ticket'));
    });

    it('on "log out everywhere"', async () => {
      const user = await newUser();
      await expectChangeEndsSessions(user, async (u) => {
        expect(await t.gatehouse.accounts.logoutEverywhere(u)).toBe(2);
      });
    });

    it('on a bare epoch bump, with the rows still there', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user);
      await t.database.stores.users.bumpAuthEpoch(user.id);
      expect(await rowOf(session.record.idHash)).toBeDefined();
      expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
      expect(await rowOf(session.record.idHash)).toBeUndefined();
    });

    it('but not on changes that only add privileges', async () => {
      const user = await newUser();
      const session = await t.gatehouse.sessions.start(user);
      await t.gatehouse.accounts.addToGroup(user, 'Support');
      await t.gatehouse.accounts.grantPermission(user, 'ops.view_metrics');
      await t.gatehouse.accounts.setStaff(user, true);
      expect((await t.gatehouse.sessions.load(session.id))?.user?.isStaff).toBe(true);
    });

    it('leaves other users’ sessions alone', async () => {
      const user = await newUser();
      const bystander = await t.gatehouse.sessions.start(await newUser());
      await t.gatehouse.sessions.start(user);
      await t.gatehouse.accounts.logoutEverywhere(user);
      expect(await t.gatehouse.sessions.load(bystander.id)).not.toBeNull();
    });
  });

  describe('guarded creation: a session is made only under the verified snapshot (issue 9, item 2)', () => {
    async function userRows(userId: number): Promise<number> {
      return (await t.database.stores.sessions.list({ userId })).length;
    }

    /** A hash of `password` with other argon2 costs than the gatehouse's: verifying it asks for an upgrade. */
    async function outdatedHash(password: string): Promise<string> {
      const other = createGatehouse({
        stores: t.database.stores,
        config: { secretKey: 'another-test-secret-key-0123456789', passwordHasherSettings: { argon2: { memoryCost: 2048, timeCost: 1, parallelism: 1 } } },
      });
      return other.hashers.makePassword(password);
    }

    for (const [name, revoke] of [
      ['a password change', (u: User) => t.gatehouse.accounts.setPassword(u, 'Tundra-Quokka-5841-Velvet')],
      ['a deactivation', (u: User) => t.gatehouse.accounts.setActive(u, false)],
      ['"log out everywhere"', (u: User) => t.gatehouse.accounts.logoutEverywhere(u)],
    ] as const) {
      it(`login refuses a snapshot read before ${name}: SessionRevokedError, no session, no last login, audited`, async () => {
        const user = await newUser({ password: GOOD_PASSWORD });
        const verified = (await t.gatehouse.authenticate({ username: user.username, password: GOOD_PASSWORD }))!;
        expect(verified).not.toBeNull();
        const before = await t.gatehouse.sessions.start(null, {}, { keep: 'me' });
        await revoke(verified);
        const error = await t.gatehouse.login(verified, before, { ip: '192.0.2.77', backend: 'model' }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SessionRevokedError);
        expect(error).toBeInstanceOf(PermissionDenied);
        expect((error as SessionRevokedError).code).toBe('gatehouse.session.credentials_changed');
        expect(await userRows(user.id)).toBe(0);
        expect((await t.database.stores.users.getById(user.id))?.lastLogin).toBeNull();
        // The anonymous session the login started from is left as it was.
        expect((await t.gatehouse.sessions.load(before.id))?.record.data).toEqual({ keep: 'me' });
        const [failed] = await t.gatehouse.audit.list({ action: 'auth.login_failed', limit: 1 });
        expect(failed).toMatchObject({ target: user.username, ip: '192.0.2.77', data: { reason: 'credentials_changed', backend: 'model' } });
      });
    }

    it('login refuses a snapshot whose password hash was replaced out of band (no epoch bump)', async () => {
      const user = await newUser({ password: GOOD_PASSWORD });
      await t.database.stores.users.update(user.id, { password: await t.gatehouse.hashers.makePassword('Tundra-Quokka-5841-Velvet') });
      await expect(t.gatehouse.login(user, null)).rejects.toBeInstanceOf(SessionRevokedError);
      expect(await userRows(user.id)).toBe(0);
    });

    it('start(user) is guarded like a login; an anonymous start is not', async () => {
      const user = await newUser({ password: GOOD_PASSWORD });
      await t.gatehouse.accounts.logoutEverywhere(user);
      await expect(t.gatehouse.sessions.start(user)).rejects.toBeInstanceOf(SessionRevokedError);
      expect(await userRows(user.id)).toBe(0);
      expect(await t.gatehouse.sessions.start(null)).toMatchObject({ user: null });
    });

    it('a rotation continuing the same login (reauth, password change) is guarded by the epoch', async () => {
      const user = await newUser({ password: GOOD_PASSWORD });
      const session = await t.gatehouse.login(user, null);
      // The password change view: the new snapshot from setPassword, the epoch it bumped.
      const updated = await t.gatehouse.accounts.setPassword(user, 'Tundra-Quokka-5841-Velvet');
      const rotated = await t.gatehouse.sessions.rotate(session, updated, { keepExpiry: true });
      expect((await t.gatehouse.sessions.load(rotated.id))?.user?.id).toBe(user.id);
      // A reauth holding the snapshot from before a revocation gets no session.
      await t.gatehouse.accounts.logoutEverywhere(updated);
      await expect(t.gatehouse.sessions.rotate(rotated, updated, { keepExpiry: true })).rejects.toBeInstanceOf(SessionRevokedError);
      expect(await userRows(user.id)).toBe(0);
    });

    it('a reauth whose password check upgraded the hash still rotates (the hash upgrade is no revocation)', async () => {
      const user = await newUser();
      const stale = await t.database.stores.users.update(user.id, { password: await outdatedHash(GOOD_PASSWORD) });
      const session = await t.gatehouse.login(stale, null);
      expect(await t.gatehouse.accounts.checkPassword(stale, GOOD_PASSWORD)).toBe(true);
      expect((await t.database.stores.users.getById(user.id))?.password).not.toBe(stale.password);
      const rotated = await t.gatehouse.sessions.rotate(session, stale, { keepExpiry: true });
      expect((await t.gatehouse.sessions.load(rotated.id))?.user?.id).toBe(user.id);
    });

    it('authenticate hands back the upgraded snapshot, not a re-read, and the login under it succeeds', async () => {
      const user = await newUser();
      await t.database.stores.users.update(user.id, { password: await outdatedHash(GOOD_PASSWORD) });
      const getById = vi.spyOn(t.database.stores.users, 'getById');
      const verified = (await t.gatehouse.authenticate({ username: user.username, password: GOOD_PASSWORD }))!;
      expect(getById).not.toHaveBeenCalled();
      const stored = (await t.database.stores.users.getById(user.id))!;
      expect(verified.password).toBe(stored.password);
      expect(verified.authEpoch).toBe(stored.authEpoch);
      const session = await t.gatehouse.login(verified, null);
      expect((await t.gatehouse.sessions.load(session.id))?.user?.id).toBe(user.id);
    });
  });
});
