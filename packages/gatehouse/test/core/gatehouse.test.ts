/**
 * The `createGatehouse` facade on every test database: config checked at construction, the
 * development-only ephemeral secret, `setup()` idempotent, and one request's worth of the whole
 * flow (authenticate, login, load the session, check a permission, log out).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createGatehouse } from '../../src/core/gatehouse.js';
import { MinimumLengthValidator } from '../../src/core/password-validation.js';
import { createTestGatehouse, type TestGatehouse } from '../../src/testing/index.js';
import { testDatabases } from '../support/databases.js';
import { GOOD_PASSWORD, type SeedPermission, freshUsername, seedApps, seedGatehouse } from './helpers.js';

describe('createGatehouse configuration', () => {
  // No database is touched by construction, so any Stores value will do for these.
  const stores = {} as Parameters<typeof createGatehouse>[0]['stores'];

  it('makes a random per-process secret in development when none is given, and says so', () => {
    const a = createGatehouse({ stores });
    const b = createGatehouse({ stores });
    expect(a.usesEphemeralSecret).toBe(true);
    expect(a.config.secretKeys).toHaveLength(1);
    expect(a.config.secretKeys[0]!.length).toBeGreaterThanOrEqual(32);
    expect(a.config.secretKeys[0]).not.toBe(b.config.secretKeys[0]);
  });

  it('uses the configured secret when there is one', () => {
    const gatehouse = createGatehouse({ stores, config: { secretKey: 'configured-secret-key-0123456789abcdef' } });
    expect(gatehouse.usesEphemeralSecret).toBe(false);
    expect(gatehouse.config.secretKeys).toEqual(['configured-secret-key-0123456789abcdef']);
  });

  it('refuses to start in production without a secret, or with bad settings', () => {
    expect(() => createGatehouse({ stores, config: { production: true } })).toThrow(ConfigError);
    expect(() => createGatehouse({ stores, config: { passwordHashers: ['sha256_crypt'] } })).toThrow(ConfigError);
  });

  it('hashes with the first configured hasher and takes replacement validators', () => {
    const gatehouse = createGatehouse({
      stores,
      config: { passwordHashers: ['scrypt', 'argon2'] },
      passwordValidators: [new MinimumLengthValidator({ minLength: 20 })],
    });
    expect(gatehouse.hashers.preferred.algorithm).toBe('scrypt');
    expect(gatehouse.passwordValidators).toHaveLength(1);
    expect(gatehouse.accounts.passwordProblems('short-but-fine').map((p) => p.code)).toEqual(['password_too_short']);
  });
});

describe('createTestGatehouse', () => {
  it('works on an in-memory SQLite database by default', async () => {
    const t = await createTestGatehouse({ apps: seedApps });
    try {
      expect(t.database.kind).toBe('sqlite');
      const user = await t.gatehouse.accounts.createUser({ username: 'memory', password: GOOD_PASSWORD });
      expect((await t.gatehouse.authenticate({ username: 'memory', password: GOOD_PASSWORD }))?.id).toBe(user.id);
    } finally {
      await t.close();
    }
  });
});

describe.each(testDatabases())('gatehouse on $label', ({ kind }) => {
  let t: TestGatehouse<SeedPermission>;

  beforeAll(async () => {
    t = await seedGatehouse(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('setup() is idempotent: run again, it creates, changes and records nothing', async () => {
    const head = await t.database.stores.audit.head();
    expect(await t.gatehouse.setup()).toEqual({ permissions: { created: [], updated: [] }, roles: { createdGroups: [], granted: [], revoked: [] } });
    expect(await t.database.stores.audit.head()).toEqual(head);
  });

  it('setup() synced every declared permission before applying roles', async () => {
    const stored = (await t.database.stores.permissions.list()).map((p) => `${p.appLabel}.${p.codename}`);
    expect(stored).toEqual([...t.gatehouse.permissionNames]);
    expect((await t.gatehouse.planRoles()).inSync).toBe(true);
  });

  it('carries one request from login to permission check to logout', async () => {
    const username = freshUsername('fin');
    const created = await t.gatehouse.accounts.createUser({ username, password: GOOD_PASSWORD, isStaff: true });
    await t.gatehouse.accounts.addToGroup(created, 'Finance Approver');

    const user = await t.gatehouse.authenticate({ username, password: GOOD_PASSWORD });
    expect(user).not.toBeNull();
    const session = await t.gatehouse.login(user!, null, { ip: '192.0.2.1' });

    // The next request: only the cookie's id is known.
    const loaded = await t.gatehouse.sessions.load(session.id);
    expect(loaded?.user?.username).toBe(username);
    expect(await t.gatehouse.hasPerm(loaded!.user!, 'billing.approve_payout')).toBe(true);
    expect(await t.gatehouse.hasPerm(loaded!.user!, 'ops.view_metrics')).toBe(false);

    await t.gatehouse.logout(loaded);
    expect(await t.gatehouse.sessions.load(session.id)).toBeNull();
    expect((await t.gatehouse.audit.verify()).ok).toBe(true);
  });
});
