/**
 * `authenticate` on every test database: backends tried in order, inactive users never
 * authenticated, usernames normalised, and Django's PBKDF2 hashes accepted as they are and
 * upgraded to argon2 at the first successful login (never by a wrong password, never over a
 * password changed meanwhile).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuthBackend, authenticateWith } from '../../src/core/authentication.js';
import { PermissionDenied } from '../../src/core/errors.js';
import { createGatehouse } from '../../src/core/gatehouse.js';
import type { User } from '../../src/core/user.js';
import { createMemoryStores, fastHasherSettings, type TestGatehouse } from '../../src/testing/index.js';
import { djangoFixturesDir, testDatabases } from '../support/databases.js';
import { GOOD_PASSWORD, type SeedPermission, freshUsername, seedGatehouse } from './helpers.js';

interface DjangoHash {
  hasher: string;
  password: string | null;
  encoded: string;
  matches: boolean;
}

/** A PBKDF2-SHA256 hash Django 3.2 made, with its password (shared/fixtures). */
function djangoPbkdf2(): { password: string; encoded: string } {
  const all = JSON.parse(readFileSync(join(djangoFixturesDir(), 'django-password-hashes.json'), 'utf8')) as DjangoHash[];
  const entry = all.find((e) => e.hasher === 'pbkdf2_sha256' && e.matches && e.password !== null && e.encoded.startsWith('pbkdf2_sha256$'));
  if (!entry || entry.password === null) throw new Error('no matching pbkdf2_sha256 entry in the fixture');
  return { password: entry.password, encoded: entry.encoded };
}

describe.each(testDatabases())('authenticate on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;
  const django = djangoPbkdf2();

  /** A user whose stored password is Django's own PBKDF2 hash, as after importing a Django database. */
  async function djangoUser(options: { isActive?: boolean } = {}): Promise<User> {
    const user = await t.gatehouse.accounts.createUser({ username: freshUsername('django'), isActive: options.isActive ?? true });
    return t.database.stores.users.update(user.id, { password: django.encoded });
  }

  async function storedPassword(user: User): Promise<string> {
    return (await t.database.stores.users.getById(user.id))!.password;
  }

  beforeAll(async () => {
    t = await seedGatehouse(kind, { roles: false });
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('with the model backend', () => {
    it('returns the user for the right password and null for a wrong one', async () => {
      const username = freshUsername('login');
      const created = await t.gatehouse.accounts.createUser({ username, password: GOOD_PASSWORD });
      expect((await t.gatehouse.authenticate({ username, password: GOOD_PASSWORD }))?.id).toBe(created.id);
      expect(await t.gatehouse.authenticate({ username, password: `${GOOD_PASSWORD}x` })).toBeNull();
      expect(await t.gatehouse.authenticate({ username, password: '' })).toBeNull();
    });

    it('returns null for an unknown username, after spending a dummy hash on it', async () => {
      const spy = vi.spyOn(t.gatehouse.hashers, 'runDummyCheck');
      expect(await t.gatehouse.authenticate({ username: freshUsername('ghost'), password: GOOD_PASSWORD })).toBeNull();
      expect(spy).toHaveBeenCalledTimes(1);
    });

    it('never authenticates an inactive user, even with the right password', async () => {
      const username = freshUsername('inactive');
      await t.gatehouse.accounts.createUser({ username, password: GOOD_PASSWORD, isActive: false });
      expect(await t.gatehouse.authenticate({ username, password: GOOD_PASSWORD })).toBeNull();
    });

    it('never authenticates a user with an unusable password', async () => {
      const username = freshUsername('unusable');
      const user = await t.gatehouse.accounts.createUser({ username });
      expect(await t.gatehouse.authenticate({ username, password: user.password })).toBeNull();
      expect(await t.gatehouse.authenticate({ username, password: '' })).toBeNull();
    });

    it('normalises the username (NFKC) but keeps it case-sensitive', async () => {
      const tag = freshUsername('n');
      await t.gatehouse.accounts.createUser({ username: `dana${tag}`, password: GOOD_PASSWORD });
      expect((await t.gatehouse.authenticate({ username: `ｄａｎａ${tag}`, password: GOOD_PASSWORD }))?.username).toBe(`dana${tag}`);
      expect(await t.gatehouse.authenticate({ username: `DANA${tag}`, password: GOOD_PASSWORD })).toBeNull();
    });

    it('returns null, without a query, for credentials that are not two strings or a username over 150 characters', async () => {
      const spy = vi.spyOn(t.database.stores.users, 'getByUsername');
      expect(await t.gatehouse.authenticate({})).toBeNull();
      expect(await t.gatehouse.authenticate({ username: 'someone' })).toBeNull();
      expect(await t.gatehouse.authenticate({ username: 42, password: GOOD_PASSWORD } as never)).toBeNull();
      expect(await t.gatehouse.authenticate({ username: 'u'.repeat(151), password: GOOD_PASSWORD })).toBeNull();
      expect(await t.gatehouse.authenticate({ username: '', password: GOOD_PASSWORD })).toBeNull();
      expect(spy).not.toHaveBeenCalled();
    });
  });

  describe('upgrading a Django hash at login', () => {
    it('accepts the PBKDF2 hash as it is, then stores argon2 in its place', async () => {
      const user = await djangoUser();
      expect((await storedPassword(user)).startsWith('pbkdf2_sha256$')).toBe(true);
      const authenticated = await t.gatehouse.authenticate({ username: user.username, password: django.password });
      expect(authenticated?.id).toBe(user.id);
      const upgraded = await storedPassword(user);
      expect(upgraded.startsWith('argon2$')).toBe(true);
      expect(authenticated?.password).toBe(upgraded);
      // The new hash checks, and needs no further upgrade.
      expect(await t.gatehouse.hashers.checkPassword(django.password, upgraded)).toEqual({ valid: true, needsUpgrade: false });
      expect((await t.gatehouse.authenticate({ username: user.username, password: django.password }))?.id).toBe(user.id);
      expect(await storedPassword(user)).toBe(upgraded);
    });

    it('does not upgrade on a wrong password', async () => {
      const user = await djangoUser();
      expect(await t.gatehouse.authenticate({ username: user.username, password: `${django.password}!` })).toBeNull();
      expect(await storedPassword(user)).toBe(django.encoded);
    });

    it('does not upgrade for an inactive user, who is not authenticated either', async () => {
      const user = await djangoUser({ isActive: false });
      expect(await t.gatehouse.authenticate({ username: user.username, password: django.password })).toBeNull();
      expect(await storedPassword(user)).toBe(django.encoded);
    });

    it('never overwrites a password changed while the upgrade hash was being made', async () => {
      const user = await djangoUser();
      const makePassword = t.gatehouse.hashers.makePassword.bind(t.gatehouse.hashers);
      let changedMeanwhile = '';
      vi.spyOn(t.gatehouse.hashers, 'makePassword').mockImplementation(async (password) => {
        // Another request changes the password between the check and the upgrade's write.
        changedMeanwhile = await makePassword('an-entirely-new-Passw0rd');
        await t.database.stores.users.update(user.id, { password: changedMeanwhile });
        return makePassword(password);
      });
      const authenticated = await t.gatehouse.authenticate({ username: user.username, password: django.password });
      expect(authenticated?.id).toBe(user.id);
      expect(await storedPassword(user)).toBe(changedMeanwhile);
    });

    it('accounts.checkPassword upgrades the same way', async () => {
      const user = await djangoUser();
      expect(await t.gatehouse.accounts.checkPassword(user, 'wrong')).toBe(false);
      expect(await storedPassword(user)).toBe(django.encoded);
      expect(await t.gatehouse.accounts.checkPassword(user, django.password)).toBe(true);
      expect((await storedPassword(user)).startsWith('argon2$')).toBe(true);
    });
  });
});

// The order backends are asked in is logic, not storage: in-memory stores (held to the SQL ones by
// the store conformance suite), no database.
describe('ordered backends', () => {
  const stores = createMemoryStores();
  const t = {
    gatehouse: createGatehouse({ stores, config: { secretKey: 'backend-test-secret-key-0123456789abcdef', passwordHasherSettings: fastHasherSettings } }),
    database: { stores },
  };

  function recordingBackend(name: string, calls: string[], answer: (credentials: Record<string, unknown>) => Promise<User | null>): AuthBackend {
    return {
      name,
      async authenticate(credentials) {
        calls.push(name);
        return answer(credentials);
      },
    };
  }

  it('tries each in order; the first to return a user wins and the rest are not asked', async () => {
    const target = await t.gatehouse.accounts.createUser({ username: freshUsername('token') });
    const calls: string[] = [];
    const gatehouse = createGatehouse({
      stores: t.database.stores,
      config: { secretKey: 'backend-test-secret-key-0123456789abcdef', passwordHasherSettings: fastHasherSettings },
      backends: () => [
        recordingBackend('first', calls, async () => null),
        recordingBackend('token', calls, async (c) => (c.token === 'let-me-in' ? target : null)),
        recordingBackend('last', calls, async () => {
          throw new Error('must not be asked');
        }),
      ],
    });
    expect((await gatehouse.authenticate({ token: 'let-me-in' }))?.id).toBe(target.id);
    expect(calls).toEqual(['first', 'token']);
    expect(await authenticateWith(gatehouse.backends, { token: 'let-me-in' })).toEqual({ user: target, backend: 'token' });
  });

  it('falls through to null when no backend knows the credentials', async () => {
    const calls: string[] = [];
    const gatehouse = createGatehouse({
      stores: t.database.stores,
      config: { secretKey: 'backend-test-secret-key-0123456789abcdef' },
      backends: () => [recordingBackend('a', calls, async () => null), recordingBackend('b', calls, async () => null)],
    });
    expect(await gatehouse.authenticate({ username: 'x', password: 'y' })).toBeNull();
    expect(calls).toEqual(['a', 'b']);
  });

  it('stops at a backend that throws PermissionDenied, returning null', async () => {
    const calls: string[] = [];
    const other = await t.gatehouse.accounts.createUser({ username: freshUsername('other') });
    const gatehouse = createGatehouse({
      stores: t.database.stores,
      config: { secretKey: 'backend-test-secret-key-0123456789abcdef' },
      backends: () => [
        recordingBackend('blocklist', calls, async () => {
          throw new PermissionDenied('address blocked');
        }),
        recordingBackend('permissive', calls, async () => other),
      ],
    });
    expect(await gatehouse.authenticate({ username: 'x', password: 'y' })).toBeNull();
    expect(calls).toEqual(['blocklist']);
  });

  it('lets any other error from a backend through', async () => {
    const gatehouse = createGatehouse({
      stores: t.database.stores,
      config: { secretKey: 'backend-test-secret-key-0123456789abcdef' },
      backends: () => [recordingBackend('broken', [], async () => Promise.reject(new Error('directory unreachable')))],
    });
    await expect(gatehouse.authenticate({ username: 'x', password: 'y' })).rejects.toThrow('directory unreachable');
  });

  it('uses the model backend alone by default', () => {
    expect(t.gatehouse.backends.map((b) => b.name)).toEqual(['model']);
  });
});
