/**
 * Personal API tokens on every test database: shown once and stored hashed, never more than their
 * user (a subset limits every check; a lost role or deactivation counts on the next request, also
 * when made by another instance), expiry, last use written at most once a minute, revocation by
 * owner (someone else's id is "not found") and by staff, every token ended by a password reset,
 * and each step audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiToken } from '../../src/core/api-tokens.js';
import { NotFoundError, ValidationError } from '../../src/core/errors.js';
import type { User } from '../../src/core/user.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type SeedPermission, freshUsername, seedApps, seedRoles } from '../core/helpers.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';

describe.each(testDatabases())('API tokens on $label', ({ kind }) => {
  let a: TestGatehouse<SeedPermission>;
  let b: TestGatehouse<SeedPermission>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    drop = fresh.drop;
    a = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: fresh.url });
    b = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: fresh.url, clock: a.clock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  async function finance(): Promise<User> {
    const user = await a.gatehouse.accounts.createUser({ username: freshUsername('tok'), email: `${freshUsername('m')}@example.com`, isActive: true });
    await a.gatehouse.accounts.addToGroup(user, 'Finance Approver');
    return (await a.gatehouse.stores.users.getById(user.id))!;
  }

  it('shows the token once and stores only its hash', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'deploy script' });
    expect(made.token).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    expect(made.info.prefix).toBe(`${made.token.slice(0, 10)}…`);
    const stored = await a.gatehouse.stores.apiTokens.get(made.info.id);
    expect(stored?.tokenHash).toBe(hashApiToken(made.token));
    expect(JSON.stringify(stored)).not.toContain(made.token.slice(10));
    expect(JSON.stringify(await a.gatehouse.apiTokens.list(user))).not.toContain(made.token.slice(10));
    const auth = await a.gatehouse.apiTokens.authenticate(made.token, { ip: '203.0.113.9' });
    expect(auth.ok && auth.user.id).toBe(user.id);
    // The default lifetime is 90 days.
    expect(made.info.expiresAt! - made.info.createdAt).toBe(90 * 24 * 3600 * 1000);
  });

  it('refuses malformed, unknown and tampered tokens without throwing', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'x' });
    for (const bad of ['', 'gh_', 'Bearer x', `${made.token}x`, made.token.slice(0, -1), `gh_${'A'.repeat(43)}`, '\u0000', `gh_${'\u00e9'.repeat(43)}`]) {
      const result = await a.gatehouse.apiTokens.authenticate(bad);
      expect(result.ok, JSON.stringify(bad)).toBe(false);
    }
    const flipped = made.token.slice(0, -1) + (made.token.endsWith('A') ? 'B' : 'A');
    expect(await a.gatehouse.apiTokens.authenticate(flipped)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('limits every check to the token subset, and never beyond the user', async () => {
    const user = await finance();
    await expect(a.gatehouse.apiTokens.create(user, { name: 'too much', permissions: ['ops.view_metrics'] })).rejects.toBeInstanceOf(ValidationError);
    const made = await a.gatehouse.apiTokens.create(user, { name: 'read invoices', permissions: ['billing.view_invoice'] });
    const auth = await a.gatehouse.apiTokens.authenticate(made.token);
    if (!auth.ok) throw new Error('token refused');
    expect(await a.gatehouse.hasPerm(auth.user, 'billing.view_invoice')).toBe(true);
    expect(await a.gatehouse.hasPerm(auth.user, 'billing.approve_payout')).toBe(false);
    expect(await a.gatehouse.authz.hasPerms(auth.user, ['billing.view_invoice', 'billing.approve_payout'])).toBe(false);
    expect([...(await a.gatehouse.authz.getAllPermissions(auth.user))]).toEqual(['billing.view_invoice']);
    // The same user through a session (another snapshot) keeps every permission.
    const session = await a.gatehouse.sessions.start(user);
    const loaded = await a.gatehouse.sessions.load(session.id);
    expect(await a.gatehouse.hasPerm(loaded!.user!, 'billing.approve_payout')).toBe(true);
  });

  it('a superuser token limited to a subset is limited too', async () => {
    const root = await a.gatehouse.accounts.createUser({ username: freshUsername('root'), isActive: true, isStaff: true, isSuperuser: true });
    const made = await a.gatehouse.apiTokens.create(root, { name: 'ro', permissions: ['billing.view_invoice'] });
    const auth = await a.gatehouse.apiTokens.authenticate(made.token);
    if (!auth.ok) throw new Error('token refused');
    expect(await a.gatehouse.hasPerm(auth.user, 'billing.view_invoice')).toBe(true);
    expect(await a.gatehouse.hasPerm(auth.user, 'auth.delete_user')).toBe(false);
  });

  it('a role lost or an account deactivated on another instance counts on the very next request', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'all' });
    const first = await a.gatehouse.apiTokens.authenticate(made.token);
    expect(first.ok && (await a.gatehouse.hasPerm(first.user, 'billing.approve_payout'))).toBe(true);
    await b.gatehouse.accounts.removeFromGroup((await b.gatehouse.stores.users.getById(user.id))!, 'Finance Approver');
    const second = await a.gatehouse.apiTokens.authenticate(made.token);
    expect(second.ok && (await a.gatehouse.hasPerm(second.user, 'billing.approve_payout'))).toBe(false);
    await b.gatehouse.accounts.setActive((await b.gatehouse.stores.users.getById(user.id))!, false);
    // Deactivation through gatehouse ends the token itself.
    expect(await a.gatehouse.apiTokens.authenticate(made.token)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('a token of an account deactivated by a bare store write (not Accounts.setActive) is refused as inactive', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'sql' });
    await b.gatehouse.stores.users.update(user.id, { isActive: false });
    expect(await a.gatehouse.apiTokens.authenticate(made.token)).toEqual({ ok: false, reason: 'inactive' });
  });

  it('expires, and refuses lifetimes beyond the limit unless an operator makes a service token', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'day', expiresInDays: 1 });
    expect((await a.gatehouse.apiTokens.authenticate(made.token)).ok).toBe(true);
    a.clock.advance(24 * 3600 * 1000);
    expect(await a.gatehouse.apiTokens.authenticate(made.token)).toEqual({ ok: false, reason: 'expired' });
    for (const expiresInDays of [0, -1, 367, 1.5, Number.NaN, null]) {
      await expect(a.gatehouse.apiTokens.create(user, { name: 'bad', expiresInDays })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(a.gatehouse.apiTokens.create(user, { name: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(a.gatehouse.apiTokens.create(user, { name: 'x'.repeat(101) })).rejects.toBeInstanceOf(ValidationError);
    const service = await a.gatehouse.apiTokens.create(user, { name: 'svc', expiresInDays: null, allowNoExpiry: true });
    expect(service.info.expiresAt).toBeNull();
    a.clock.advance(5 * 366 * 24 * 3600 * 1000);
    expect((await a.gatehouse.apiTokens.authenticate(service.token)).ok).toBe(true);
  });

  it('records the last use at most once a minute', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'touch' });
    await a.gatehouse.apiTokens.authenticate(made.token, { ip: '198.51.100.1' });
    const first = await a.gatehouse.stores.apiTokens.get(made.info.id);
    expect(first?.lastUsedIp).toBe('198.51.100.1');
    a.clock.advance(30_000);
    await a.gatehouse.apiTokens.authenticate(made.token, { ip: '198.51.100.2' });
    expect((await a.gatehouse.stores.apiTokens.get(made.info.id))?.lastUsedAt).toBe(first?.lastUsedAt);
    a.clock.advance(31_000);
    await a.gatehouse.apiTokens.authenticate(made.token, { ip: '198.51.100.3' });
    expect((await a.gatehouse.stores.apiTokens.get(made.info.id))?.lastUsedIp).toBe('198.51.100.3');
  });

  it("revokes: an owner only their own (another's id is not found), staff any; audited", async () => {
    const owner = await finance();
    const other = await finance();
    const mine = await a.gatehouse.apiTokens.create(owner, { name: 'mine' });
    const theirs = await a.gatehouse.apiTokens.create(other, { name: 'theirs' });
    await expect(a.gatehouse.apiTokens.revoke(theirs.info.id, { owner })).rejects.toBeInstanceOf(NotFoundError);
    expect((await a.gatehouse.apiTokens.authenticate(theirs.token)).ok).toBe(true);
    await a.gatehouse.apiTokens.revoke(mine.info.id, { owner });
    expect(await a.gatehouse.apiTokens.authenticate(mine.token)).toEqual({ ok: false, reason: 'unknown' });
    await a.gatehouse.apiTokens.revoke(theirs.info.id, { actor: 'staffer' });
    expect((await a.gatehouse.apiTokens.authenticate(theirs.token)).ok).toBe(false);
    await expect(a.gatehouse.apiTokens.revoke(theirs.info.id)).rejects.toBeInstanceOf(NotFoundError);
    const log = await a.gatehouse.stores.audit.list({ limit: 20, newestFirst: true });
    expect(log.find((e) => e.action === 'token.revoked' && e.actor === 'staffer')?.target).toBe(other.username);
    expect(log.find((e) => e.action === 'token.created' && e.target === owner.username)?.data).toMatchObject({ name: 'mine' });
  });

  it('a password reset ends every token; a change by the owner keeps them', async () => {
    const user = await finance();
    const kept = await a.gatehouse.apiTokens.create(user, { name: 'kept' });
    const changed = await a.gatehouse.accounts.setPassword(user, 'Tundra-Quokka-5841-Velvet', { reason: 'auth.password_change' });
    expect((await a.gatehouse.apiTokens.authenticate(kept.token)).ok).toBe(true);
    await a.gatehouse.accounts.setPassword(changed, 'Saffron-Walrus-7720-Ember', { reason: 'auth.password_reset' });
    expect(await a.gatehouse.apiTokens.authenticate(kept.token)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('a password set by someone else (an operator, staff) ends every token, as a reset does', async () => {
    const user = await finance();
    const token = await a.gatehouse.apiTokens.create(user, { name: 'taken back' });
    await a.gatehouse.accounts.setPassword(user, 'Marble-Heron-3318-Cobalt', { actor: 'cli:ops' });
    expect(await a.gatehouse.apiTokens.authenticate(token.token)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('deactivation ends every token, and reactivating the account does not bring them back', async () => {
    const user = await finance();
    const token = await a.gatehouse.apiTokens.create(user, { name: 'shut' });
    const inactive = await a.gatehouse.accounts.setActive(user, false);
    const active = await a.gatehouse.accounts.setActive(inactive, true);
    expect(active.isActive).toBe(true);
    expect(await a.gatehouse.apiTokens.authenticate(token.token)).toEqual({ ok: false, reason: 'unknown' });
    expect(await a.gatehouse.stores.apiTokens.get(token.info.id)).toBeNull();
  });

  it('deleting the user deletes their tokens', async () => {
    const user = await finance();
    const made = await a.gatehouse.apiTokens.create(user, { name: 'gone' });
    await a.gatehouse.stores.users.delete(user.id);
    expect(await a.gatehouse.stores.apiTokens.get(made.info.id)).toBeNull();
  });
});
