/**
 * Accounts on every test database: usernames (NFKC, unique, case-sensitive, at most 150
 * characters), optional emails (unique case-insensitively unless `emailUnique` is off),
 * `createUser` / `createSuperuser`, and the account changes that must end sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEmail, cleanUsername } from '../../src/core/accounts.js';
import { DuplicateError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { anonymousUser } from '../../src/core/user.js';
import type { TestGatehouse } from '../../src/testing/index.js';
import { testDatabases } from '../support/databases.js';
import { GOOD_PASSWORD, type SeedPermission, freshUsername, seedGatehouse } from './helpers.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('cleanUsername and cleanEmail', () => {
  it('NFKC-normalises usernames: full-width letters and ligatures become plain ones', () => {
    expect(cleanUsername('ｄａｎａ')).toBe('dana');
    expect(cleanUsername('ﬁona')).toBe('fiona');
    expect(cleanUsername('e\u0301mile')).toBe('émile');
  });

  it('refuses an empty, over-long or ill-charactered username with a coded ValidationError', () => {
    const codeOf = (raw: string): string => {
      try {
        cleanUsername(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).code;
      }
      return 'accepted';
    };
    expect(codeOf('')).toBe('username_required');
    expect(codeOf('a'.repeat(151))).toBe('username_too_long');
    expect(codeOf('a'.repeat(150))).toBe('accepted');
    expect(codeOf('dana lee')).toBe('username_invalid');
    expect(codeOf('dana/lee')).toBe('username_invalid');
    expect(codeOf('dana\u0000')).toBe('username_invalid');
    expect(codeOf('dana.lee+ops@example-co_1')).toBe('accepted');
    expect(codeOf('李小龍')).toBe('accepted');
  });

  it('keeps the local part of an email as typed and lower-cases the domain', () => {
    expect(cleanEmail('  Dana.Lee@Example.COM ')).toBe('Dana.Lee@example.com');
    expect(cleanEmail('')).toBe('');
    expect(() => cleanEmail('not-an-email')).toThrow(ValidationError);
    expect(() => cleanEmail(`${'a'.repeat(250)}@example.com`)).toThrow(ValidationError);
  });
});

describe('AnonymousUser', () => {
  it('has exactly the fields of a stored user, every privilege off, and cannot be changed', () => {
    const userKeys = [
      'id',
      'username',
      'email',
      'firstName',
      'lastName',
      'isActive',
      'isStaff',
      'isSuperuser',
      'lastLogin',
      'dateJoined',
      'authEpoch',
      'isAuthenticated',
      'isAnonymous',
    ];
    // The password field is there (empty) but not enumerable, as on a stored user (issue 9, item 12).
    expect(Object.keys(anonymousUser).sort()).toEqual([...userKeys].sort());
    expect(anonymousUser.password).toBe('');
    expect(anonymousUser).toMatchObject({ id: null, isActive: false, isStaff: false, isSuperuser: false, isAuthenticated: false, isAnonymous: true });
    expect(Object.isFrozen(anonymousUser)).toBe(true);
    expect(() => {
      (anonymousUser as { isSuperuser: boolean }).isSuperuser = true;
    }).toThrow(TypeError);
  });
});

describe.each(testDatabases())('Accounts on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;

  beforeAll(async () => {
    t = await seedGatehouse(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('createUser', () => {
    it('stores a normal active user with a hashed password and the same field names as AnonymousUser', async () => {
      const username = freshUsername('create');
      const user = await t.gatehouse.accounts.createUser({ username, password: GOOD_PASSWORD, email: 'Create@Example.com', firstName: 'Cre', lastName: 'Ate' });
      expect(user).toMatchObject({
        username,
        email: 'Create@example.com',
        firstName: 'Cre',
        lastName: 'Ate',
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        lastLogin: null,
        authEpoch: 0,
      });
      expect(user.dateJoined).toBe(t.clock.now());
      expect(user.password.startsWith('argon2$')).toBe(true);
      expect(user.password).not.toContain(GOOD_PASSWORD);
      expect(Object.keys(user).sort()).toEqual(Object.keys(anonymousUser).sort());
      expect(await t.gatehouse.accounts.checkPassword(user, GOOD_PASSWORD)).toBe(true);
    });

    it('gives a user without a password an unusable one, which never checks', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('nopass') });
      expect(user.password.startsWith('!')).toBe(true);
      expect(await t.gatehouse.accounts.checkPassword(user, '')).toBe(false);
      expect(await t.gatehouse.accounts.checkPassword(user, user.password)).toBe(false);
    });

    it('createSuperuser sets staff and superuser', async () => {
      const root = await t.gatehouse.accounts.createSuperuser({ username: freshUsername('root'), password: GOOD_PASSWORD });
      expect(root).toMatchObject({ isActive: true, isStaff: true, isSuperuser: true });
    });

    it('records the creation in the audit log', async () => {
      const username = freshUsername('audited');
      await t.gatehouse.accounts.createUser({ username }, { actor: 'admin', ip: '198.51.100.7' });
      const [entry] = await t.gatehouse.audit.list({ action: 'user.create', limit: 1 });
      expect(entry).toMatchObject({ actor: 'admin', target: username, ip: '198.51.100.7', data: { isStaff: false, isSuperuser: false } });
    });

    it('runs the password validators only when asked to', async () => {
      const error = await rejection(t.gatehouse.accounts.createUser({ username: freshUsername('weak'), password: '123', validatePassword: true }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.code)).toEqual(expect.arrayContaining(['password_too_short', 'password_entirely_numeric']));
      // As Django's create_user: no validation unless asked.
      await t.gatehouse.accounts.createUser({ username: freshUsername('weak_ok'), password: '123' });
    });
  });

  describe('usernames', () => {
    it('allows Dana.Lee and dana.lee as two users (case-sensitive, as in Django)', async () => {
      const tag = freshUsername('x');
      const upper = await t.gatehouse.accounts.createUser({ username: `Dana.Lee.${tag}` });
      const lower = await t.gatehouse.accounts.createUser({ username: `dana.lee.${tag}` });
      expect(upper.id).not.toBe(lower.id);
    });

    it('refuses a username that is the same after NFKC, with DuplicateError(field username)', async () => {
      const tag = freshUsername('nfkc');
      await t.gatehouse.accounts.createUser({ username: `dana${tag}` });
      const fullWidth = `ｄａｎａ${tag}`;
      const error = await rejection(t.gatehouse.accounts.createUser({ username: fullWidth }));
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).field).toBe('username');

      await t.gatehouse.accounts.createUser({ username: `\u00e9mile${tag}` });
      const decomposed = await rejection(t.gatehouse.accounts.createUser({ username: `e\u0301mile${tag}` }));
      expect((decomposed as DuplicateError).field).toBe('username');
    });

    it('refuses a 151-character username with ValidationError before touching the database', async () => {
      const before = await t.database.stores.users.count();
      const error = await rejection(t.gatehouse.accounts.createUser({ username: 'u'.repeat(151), password: GOOD_PASSWORD }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('username_too_long');
      expect(await t.database.stores.users.count()).toBe(before);
      const longest = await t.gatehouse.accounts.createUser({ username: `${freshUsername('l')}`.padEnd(150, 'x') });
      expect(longest.username).toHaveLength(150);
    });

    it('stores unicode usernames and finds them again through authenticate', async () => {
      const username = `Zoë_李_${freshUsername('uni')}`;
      await t.gatehouse.accounts.createUser({ username, password: GOOD_PASSWORD });
      expect((await t.gatehouse.authenticate({ username, password: GOOD_PASSWORD }))?.username).toBe(username);
    });
  });

  describe('emails (emailUnique on)', () => {
    it('refuses an email that differs only in case, with DuplicateError(field email), writing nothing', async () => {
      const local = freshUsername('mail');
      await t.gatehouse.accounts.createUser({ username: freshUsername('m1'), email: `${local}@example.com` });
      const before = await t.database.stores.users.count();
      const error = await rejection(t.gatehouse.accounts.createUser({ username: freshUsername('m2'), email: `${local.toUpperCase()}@EXAMPLE.COM` }));
      expect(error).toBeInstanceOf(DuplicateError);
      expect((error as DuplicateError).field).toBe('email');
      expect(await t.database.stores.users.count()).toBe(before);
    });

    it('never lets users without an email clash', async () => {
      const a = await t.gatehouse.accounts.createUser({ username: freshUsername('noemail') });
      const b = await t.gatehouse.accounts.createUser({ username: freshUsername('noemail'), email: '' });
      expect([a.email, b.email]).toEqual(['', '']);
    });

    it('setEmail validates, normalises and refuses a taken address', async () => {
      const taken = `${freshUsername('taken')}@example.com`;
      await t.gatehouse.accounts.createUser({ username: freshUsername('holder'), email: taken });
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('mover') });
      expect((await t.gatehouse.accounts.setEmail(user, 'New.Address@EXAMPLE.org')).email).toBe('New.Address@example.org');
      expect(await rejection(t.gatehouse.accounts.setEmail(user, 'nope'))).toBeInstanceOf(ValidationError);
      const clash = await rejection(t.gatehouse.accounts.setEmail(user, taken.toUpperCase()));
      expect((clash as DuplicateError).field).toBe('email');
      expect((await t.database.stores.users.getById(user.id))?.email).toBe('New.Address@example.org');
    });
  });

  describe('password reset candidates', () => {
    it('are the active users with a usable password whose email matches case-insensitively', async () => {
      const local = freshUsername('reset');
      const active = await t.gatehouse.accounts.createUser({ username: freshUsername('r'), email: `${local}@example.com`, password: GOOD_PASSWORD });
      expect((await t.gatehouse.accounts.usersForPasswordReset(`${local.toUpperCase()}@Example.com`)).map((u) => u.id)).toEqual([active.id]);
      await t.gatehouse.accounts.setActive(active, false);
      expect(await t.gatehouse.accounts.usersForPasswordReset(`${local}@example.com`)).toEqual([]);
      const unusable = await t.gatehouse.accounts.createUser({ username: freshUsername('r'), email: `${freshUsername('u')}@example.com` });
      expect(await t.gatehouse.accounts.usersForPasswordReset(unusable.email)).toEqual([]);
    });
  });

  describe('groups', () => {
    it('addToGroup throws NotFoundError for a group that does not exist', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('g') });
      const error = await rejection(t.gatehouse.accounts.addToGroup(user, 'No Such Role'));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).code).toBe('gatehouse.not_found.group');
    });

    it('removeFromGroup says whether the user was a member', async () => {
      const user = await t.gatehouse.accounts.createUser({ username: freshUsername('g') });
      expect(await t.gatehouse.accounts.removeFromGroup(user, 'Support')).toBe(false);
      await t.gatehouse.accounts.addToGroup(user, 'Support');
      expect(await t.gatehouse.accounts.removeFromGroup(user, 'Support')).toBe(true);
    });
  });

  describe('flags', () => {
    it('setActive(false), setStaff(false) and setSuperuser(false) each bump the auth epoch; granting does not', async () => {
      let user = await t.gatehouse.accounts.createUser({ username: freshUsername('flags') });
      user = await t.gatehouse.accounts.setStaff(user, true);
      user = await t.gatehouse.accounts.setSuperuser(user, true);
      expect(user).toMatchObject({ isStaff: true, isSuperuser: true, authEpoch: 0 });
      user = await t.gatehouse.accounts.setSuperuser(user, false);
      expect(user).toMatchObject({ isSuperuser: false, authEpoch: 1 });
      user = await t.gatehouse.accounts.setStaff(user, false);
      expect(user).toMatchObject({ isStaff: false, authEpoch: 2 });
      user = await t.gatehouse.accounts.setActive(user, false);
      expect(user).toMatchObject({ isActive: false, authEpoch: 3 });
      user = await t.gatehouse.accounts.setActive(user, true);
      expect(user).toMatchObject({ isActive: true, authEpoch: 3 });
    });
  });
});

describe.each(testDatabases())('Accounts with emailUnique off on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;

  beforeAll(async () => {
    t = await seedGatehouse(kind, { config: { emailUnique: false }, roles: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allows two users with the same email, as Django does, and offers both for a reset', async () => {
    const a = await t.gatehouse.accounts.createUser({ username: freshUsername('dup'), email: 'shared@example.com', password: GOOD_PASSWORD });
    const b = await t.gatehouse.accounts.createUser({ username: freshUsername('dup'), email: 'SHARED@example.com', password: GOOD_PASSWORD });
    expect(a.id).not.toBe(b.id);
    expect((await t.gatehouse.accounts.usersForPasswordReset('shared@example.com')).map((u) => u.id)).toEqual([a.id, b.id]);
  });

  it('still refuses a duplicate username', async () => {
    const username = freshUsername('same');
    await t.gatehouse.accounts.createUser({ username });
    expect(((await rejection(t.gatehouse.accounts.createUser({ username }))) as DuplicateError).field).toBe('username');
  });
});
