/**
 * The per-process permission cache, on every test database: a warm `hasPerm` costs no query, and
 * a change made by ANOTHER gatehouse instance on the same database (or by the CLI binary) is seen
 * by the first instance's very next request, because every session load reads the versions. The
 * cache is bounded and counts its hits and misses.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoadedSession } from '../../src/core/sessions.js';
import type { User } from '../../src/core/user.js';
import { defineRoles } from '../../src/core/roles.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { ensureBuilt, runCli } from '../cli/helpers.js';
import { type SeedPermission, freshUsername, seedApps, seedRoles } from '../core/helpers.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';

describe.each(testDatabases())('permission cache on $label', ({ kind }) => {
  let url: string;
  let dropDatabase: () => Promise<void>;
  /** The instance serving "requests". */
  let a: TestGatehouse<SeedPermission>;
  /** Another instance (another process, as far as the cache can tell) on the same database. */
  let b: TestGatehouse<SeedPermission>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    url = fresh.url;
    dropDatabase = fresh.drop;
    a = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: url });
    b = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: url, clock: a.clock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropDatabase?.();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A Finance Approver (billing.*) with a session on instance `a`. */
  async function financeSession(): Promise<{ user: User; session: LoadedSession }> {
    const user = await a.gatehouse.accounts.createUser({ username: freshUsername('cache'), isActive: true });
    await a.gatehouse.accounts.addToGroup(user, 'Finance Approver');
    const fresh = (await a.database.stores.users.getById(user.id))!;
    return { user: fresh, session: await a.gatehouse.sessions.start(fresh) };
  }

  /** What the next request on `a` would do: load the session, then check. */
  async function nextRequest(session: LoadedSession, perm: SeedPermission): Promise<boolean> {
    const loaded = await a.gatehouse.sessions.load(session.id);
    expect(loaded?.user, 'the session is still alive').toBeTruthy();
    return a.gatehouse.hasPerm(loaded!.user!, perm);
  }

  it('answers a warm hasPerm with no query, and counts hits and misses', async () => {
    const { session } = await financeSession();
    const rows = vi.spyOn(a.database.stores.permissions, 'userPermissionRows');
    const before = a.gatehouse.authz.cacheStats();
    expect(await nextRequest(session, 'billing.approve_payout')).toBe(true);
    expect(rows).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) expect(await nextRequest(session, 'billing.approve_payout')).toBe(true);
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);
    expect(rows).toHaveBeenCalledTimes(1);
    const after = a.gatehouse.authz.cacheStats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(6);
  });

  // Raw SQL on another connection: what a Django admin sharing the database, a console session
  // or an app's own code does. No gatehouse code bumps a version; the triggers (0006) must.
  it('sees grants changed by plain SQL from another connection on the very next request', async () => {
    const { user, session } = await financeSession();
    const other = b.database.db;
    const permissionId = async (codename: string) =>
      Number((await sql<{ id: number }>`select id from auth_permission where codename = ${codename}`.execute(other)).rows[0]!.id);
    const financeId = Number((await sql<{ id: number }>`select id from auth_group where name = 'Finance Approver'`.execute(other)).rows[0]!.id);
    expect(await nextRequest(session, 'billing.export_reports')).toBe(true);
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);

    // What a group grants.
    const exportId = await permissionId('export_reports');
    await sql`delete from auth_group_permissions where group_id = ${financeId} and permission_id = ${exportId}`.execute(other);
    try {
      expect(await nextRequest(session, 'billing.export_reports')).toBe(false);
    } finally {
      await sql`insert into auth_group_permissions (group_id, permission_id) values (${financeId}, ${exportId})`.execute(other);
    }
    expect(await nextRequest(session, 'billing.export_reports')).toBe(true);

    // A direct grant, given and taken back.
    const metricsId = await permissionId('view_metrics');
    await sql`insert into auth_user_user_permissions (user_id, permission_id) values (${user.id}, ${metricsId})`.execute(other);
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(true);
    await sql`delete from auth_user_user_permissions where user_id = ${user.id} and permission_id = ${metricsId}`.execute(other);
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);

    // The membership itself.
    await sql`delete from auth_user_groups where user_id = ${user.id} and group_id = ${financeId}`.execute(other);
    expect(await nextRequest(session, 'billing.export_reports')).toBe(false);
  });

  it('sees a group grant removed by another instance on the very next request', async () => {
    const { session } = await financeSession();
    expect(await nextRequest(session, 'billing.export_reports')).toBe(true);
    expect(await nextRequest(session, 'billing.export_reports')).toBe(true);
    await b.gatehouse.groups.removePermissions('Finance Approver', ['billing.export_reports']);
    try {
      expect(await nextRequest(session, 'billing.export_reports')).toBe(false);
    } finally {
      await b.gatehouse.groups.addPermissions('Finance Approver', ['billing.export_reports']);
    }
    expect(await nextRequest(session, 'billing.export_reports')).toBe(true);
  });

  it('sees a direct grant and a store-level revoke by another instance on the very next request', async () => {
    const { user, session } = await financeSession();
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);
    await b.gatehouse.accounts.grantPermission(user, 'ops.view_metrics');
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(true);
    // The raw store revoke ends no session (the account-level revoke also bumps the epoch): only
    // the version tells the cache.
    await b.database.stores.permissions.revokeFromUser(user.id, 'ops.view_metrics');
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);
  });

  it('sees a membership added, and one removed at the store, by another instance', async () => {
    const { user, session } = await financeSession();
    expect(await nextRequest(session, 'support.view_ticket')).toBe(false);
    await b.gatehouse.accounts.addToGroup(user, 'Support');
    expect(await nextRequest(session, 'support.view_ticket')).toBe(true);
    const support = (await b.database.stores.groups.getByName('Support'))!;
    await b.database.stores.groups.removeUser(user.id, support.id);
    expect(await nextRequest(session, 'support.view_ticket')).toBe(false);
  });

  it('sees a role change applied by another instance (roles apply --prune)', async () => {
    const { session } = await financeSession();
    expect(await nextRequest(session, 'billing.view_audit_log')).toBe(true);
    const narrower = defineRoles<SeedPermission>({
      ...seedRoles,
      'Finance Approver': ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports'],
    });
    const c = await createTestGatehouse({ apps: seedApps, roles: narrower, databaseUrl: url, clock: a.clock });
    try {
      await c.gatehouse.applyRoles({ prune: true });
      expect(await nextRequest(session, 'billing.view_audit_log')).toBe(false);
      await b.gatehouse.applyRoles({ prune: true });
      expect(await nextRequest(session, 'billing.view_audit_log')).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('sees a superuser flag set by another instance (flags are read with the session)', async () => {
    const { user, session } = await financeSession();
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);
    await b.database.stores.users.update(user.id, { isSuperuser: true });
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(true);
    await b.database.stores.users.update(user.id, { isSuperuser: false });
    expect(await nextRequest(session, 'ops.view_metrics')).toBe(false);
  });

  it('sees a group permission removed by the CLI binary on the very next request', { timeout: 120_000 }, async () => {
    await ensureBuilt();
    const { session } = await financeSession();
    expect(await nextRequest(session, 'billing.view_invoice')).toBe(true);
    const removed = await runCli(['group', 'remove-perm', 'Finance Approver', 'billing.view_invoice'], { databaseUrl: url });
    expect(removed.code, removed.stderr).toBe(0);
    try {
      expect(await nextRequest(session, 'billing.view_invoice')).toBe(false);
    } finally {
      await b.gatehouse.groups.addPermissions('Finance Approver', ['billing.view_invoice']);
    }
  });

  it('is bounded: past its size the least recently used user is dropped', async () => {
    const small = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: url, clock: a.clock, config: { permissionCache: { size: 2 } } });
    try {
      const sessions: LoadedSession[] = [];
      for (let i = 0; i < 3; i++) sessions.push((await financeSession()).session);
      const check = async (s: LoadedSession): Promise<boolean> =>
        small.gatehouse.hasPerm((await small.gatehouse.sessions.load(s.id))!.user!, 'billing.view_invoice');
      for (const s of sessions) expect(await check(s)).toBe(true);
      let stats = small.gatehouse.authz.cacheStats();
      expect(stats).toMatchObject({ size: 2, capacity: 2, evictions: 1, misses: 3, hits: 0 });
      // The first user was evicted: a miss again; the third is still there: a hit.
      expect(await check(sessions[2]!)).toBe(true);
      expect(await check(sessions[0]!)).toBe(true);
      stats = small.gatehouse.authz.cacheStats();
      expect(stats).toMatchObject({ size: 2, evictions: 2, misses: 4, hits: 1 });
    } finally {
      await small.close();
    }
  });

  it('with size 0 caches nothing', async () => {
    const off = await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: url, clock: a.clock, config: { permissionCache: { size: 0 } } });
    try {
      const { session } = await financeSession();
      const rows = vi.spyOn(off.database.stores.permissions, 'userPermissionRows');
      for (let i = 0; i < 3; i++)
        expect(await off.gatehouse.hasPerm((await off.gatehouse.sessions.load(session.id))!.user!, 'billing.view_invoice')).toBe(true);
      expect(rows).toHaveBeenCalledTimes(3);
      expect(off.gatehouse.authz.cacheStats().size).toBe(0);
    } finally {
      await off.close();
    }
  });
});
