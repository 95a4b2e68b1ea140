/**
 * The admin's store queries on every test database: the users list (keyset pages, prefix search
 * on username or email, flag and group filters), "who has this permission", the audit filters,
 * and the query plans: each list is answered by the indexes of `0005_admin_indexes`.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminStore, AdminUserQuery } from '../../src/core/ports.js';
import type { User } from '../../src/core/user.js';
import { type SuiteDatabase, openSuiteDatabase, userRecord } from '../db/helpers.js';
import { testDatabases } from '../support/databases.js';

describe.each(testDatabases())('AdminStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;
  let admin: AdminStore;
  const users: User[] = [];
  let groupId = 0;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
    admin = suite.stores.admin!;
    await suite.stores.permissions.sync([
      { appLabel: 'shop', model: 'order', codename: 'view_order', name: 'Can view order' },
      { appLabel: 'shop', model: 'order', codename: 'refund_order', name: 'Can refund' },
    ]);
    const names = ['alice', 'Albert', 'alfred', 'bob', 'Bobby', 'carol', 'dave', 'a_b', 'axb', 'Ünal'];
    for (const [i, name] of names.entries()) {
      users.push(
        await suite.stores.users.create(
          userRecord({
            username: name,
            email: `${name.toLowerCase()}@${i % 2 ? 'example.com' : 'corp.test'}`,
            isStaff: i % 3 === 0,
            isSuperuser: name === 'dave',
            isActive: name !== 'carol',
          }),
        ),
      );
    }
    const group = await suite.stores.groups.create('Support');
    groupId = group.id;
    await suite.stores.groups.addPermissions(group.id, ['shop.view_order']);
    for (const name of ['bob', 'carol', 'Albert']) await suite.stores.groups.addUser(byName(name).id, group.id);
    await suite.stores.permissions.grantToUser(byName('bob').id, 'shop.view_order');
    await suite.stores.permissions.grantToUser(byName('dave').id, 'shop.view_order');
  });
  afterAll(async () => {
    await suite?.close();
  });

  function byName(name: string): User {
    return users.find((u) => u.username === name)!;
  }

  async function allPages(query: Omit<AdminUserQuery, 'limit'>, limit = 2): Promise<string[]> {
    const seen: string[] = [];
    let after = query.after;
    for (let guard = 0; guard < 50; guard++) {
      const page = await admin.listUsers({ ...query, limit, ...(after ? { after } : {}) });
      seen.push(...page.users.map((u) => u.username));
      if (!page.next) return seen;
      expect(page.users).toHaveLength(limit);
      after = page.next;
    }
    throw new Error('too many pages');
  }

  it('pages every user in id order with a keyset cursor, each once', async () => {
    expect(await allPages({})).toEqual(users.map((u) => u.username));
    const first = await admin.listUsers({ limit: 3 });
    expect(first.next).toEqual({ id: users[2]!.id });
    const last = await admin.listUsers({ limit: 3, after: { id: users[8]!.id } });
    expect(last.users.map((u) => u.username)).toEqual(['Ünal']);
    expect(last.next).toBeUndefined();
  });

  it('searches a username prefix case-insensitively, in key order, paged by (key, id)', async () => {
    expect(await allPages({ search: 'AL' })).toEqual(['Albert', 'alfred', 'alice']);
    expect(await allPages({ search: 'bo' }, 1)).toEqual(['bob', 'Bobby']);
    // A prefix, not a substring; LIKE wildcards are literal text.
    expect(await allPages({ search: 'ice' })).toEqual([]);
    expect(await allPages({ search: 'a_' })).toEqual(['a_b']);
    expect(await allPages({ search: 'a%' })).toEqual([]);
  });

  it('searches the email prefix when the term has an @', async () => {
    expect(await allPages({ search: 'bob@' })).toEqual(['bob']);
    expect(await allPages({ search: 'BOBBY@CORP' })).toEqual(['Bobby']);
  });

  it('finds a non-ASCII username typed exactly', async () => {
    expect(await allPages({ search: 'Ünal' })).toEqual(['Ünal']);
  });

  it('filters by flags and by group, alone and together with a search', async () => {
    expect(await allPages({ isActive: false })).toEqual(['carol']);
    expect(await allPages({ isSuperuser: true })).toEqual(['dave']);
    expect(await allPages({ isStaff: true })).toEqual(['alice', 'bob', 'dave', 'Ünal']);
    expect(await allPages({ groupId }, 1)).toEqual(['Albert', 'bob', 'carol']);
    expect(await allPages({ groupId, isActive: true })).toEqual(['Albert', 'bob']);
    expect(await allPages({ groupId, search: 'b' })).toEqual(['bob']);
    expect(await allPages({ groupId: groupId + 1000 })).toEqual([]);
    // A search with a rare flag reads the flag's small index, in id order.
    expect(await allPages({ search: 'a', isStaff: true }, 1)).toEqual(['alice']);
    expect(await allPages({ search: 'd', isSuperuser: true })).toEqual(['dave']);
    expect(await allPages({ search: 'C', isActive: false })).toEqual(['carol']);
  });

  it('lists who holds a permission directly or through groups, once each, with the sources', async () => {
    const holders = await admin.permissionHolders('shop.view_order', { limit: 10 });
    expect(holders.map((h) => [h.user.username, h.direct, h.groups])).toEqual([
      ['Albert', false, ['Support']],
      ['bob', true, ['Support']],
      ['carol', false, ['Support']],
      ['dave', true, []],
    ]);
    const second = await admin.permissionHolders('shop.view_order', { limit: 2, afterId: byName('bob').id });
    expect(second.map((h) => h.user.username)).toEqual(['carol', 'dave']);
    expect(await admin.permissionHolders('shop.refund_order', { limit: 10 })).toEqual([]);
    expect(await admin.permissionHolders('no.such', { limit: 10 })).toEqual([]);
    expect(await admin.permissionHolders('nodot', { limit: 10 })).toEqual([]);
  });

  it('summarises groups with member and permission counts, and reads one by id', async () => {
    expect(await admin.groupSummaries()).toEqual([{ id: groupId, name: 'Support', members: 3, permissions: 1 }]);
    expect(await admin.getGroup(groupId)).toEqual({ id: groupId, name: 'Support' });
    expect(await admin.getGroup(99_999_999_999)).toBeNull();
    expect((await admin.groupMembers(groupId, { limit: 10 })).map((u) => u.username)).toEqual(['Albert', 'bob', 'carol']);
  });

  describe('audit filters', () => {
    const base = Date.UTC(2026, 5, 1);
    beforeAll(async () => {
      const events: [string | null, string, string | null, number][] = [
        ['root', 'user.create', 'kim', 0],
        ['root', 'user.set_staff', 'kim', 1],
        ['kim', 'auth.login', 'kim', 2],
        [null, 'auth.login_failed', 'kim', 3],
        ['kim', 'access.denied', 'POST /x/', 4],
        ['root', 'access.allowed', 'POST /x/', 5],
        ['root', 'group.create', 'Ops', 6],
        ['root', 'users', 'kim', 7],
      ];
      for (const [actor, action, target, day] of events) {
        await suite.stores.audit.append({ at: base + day * 86_400_000, actor, action, target, data: {}, ip: null }, (head) => ({
          seq: (head?.seq ?? 0) + 1,
          prevHash: head?.hash ?? '',
          hash: `h${(head?.seq ?? 0) + 1}`,
        }));
      }
    });

    it('filters by actor, target, event (exact or family), decision and date range, newest first', async () => {
      const actions = async (q: Parameters<AdminStore['listAudit']>[0]): Promise<string[]> => (await admin.listAudit(q)).map((e) => e.action);
      expect(await actions({ actor: 'kim', limit: 10 })).toEqual(['access.denied', 'auth.login']);
      expect(await actions({ target: 'kim', action: 'user.*', limit: 10 })).toEqual(['user.set_staff', 'user.create']);
      expect(await actions({ action: 'user.create', limit: 10 })).toEqual(['user.create']);
      expect(await actions({ decision: 'denied', limit: 10 })).toEqual(['access.denied', 'auth.login_failed']);
      expect(await actions({ decision: 'allowed', limit: 10 })).toEqual(['access.allowed']);
      expect(await actions({ from: base + 2 * 86_400_000, to: base + 4 * 86_400_000, limit: 10 })).toEqual(['auth.login_failed', 'auth.login']);
    });

    it('pages newest first before a seq, and oldest first after one (exports)', async () => {
      const newest = await admin.listAudit({ limit: 3 });
      const older = await admin.listAudit({ limit: 3, beforeSeq: newest[2]!.seq });
      expect(older[0]!.seq).toBe(newest[2]!.seq - 1);
      const ascending = await admin.listAudit({ limit: 2, afterSeq: 2 });
      expect(ascending.map((e) => e.seq)).toEqual([3, 4]);
    });
  });

  it('answers the list, a search, a group page and an audit filter from indexes', async () => {
    const plans = await queryPlans(suite, kind);
    expect(plans.search).toMatch(/auth_user_username_prefix_idx/);
    expect(plans.email).toMatch(/auth_user_email_prefix_idx/);
    expect(plans.group).toMatch(/auth_user_groups_group_user_idx/);
    expect(plans.superuser).toMatch(/auth_user_superuser_idx/);
    expect(plans.target).toMatch(/gh_audit_log_target_idx/);
  });
});

/** The plan text of the store's main queries (captured by running them under EXPLAIN). */
async function queryPlans(suite: SuiteDatabase, kind: 'sqlite' | 'postgres'): Promise<Record<string, string>> {
  const explain = kind === 'postgres' ? 'explain' : 'explain query plan';
  const db = suite.database.db;
  const plan = async (text: ReturnType<typeof sql>): Promise<string> => {
    if (kind === 'postgres') await sql`set enable_seqscan = off`.execute(db);
    const rows = (await sql`${sql.raw(explain)} ${text}`.execute(db)).rows as Record<string, unknown>[];
    return rows.map((r) => Object.values(r).join(' ')).join('\n');
  };
  const lower = (c: string) => (kind === 'postgres' ? sql.raw(`lower(u.${c}) collate "C"`) : sql.raw(`lower(u.${c})`));
  const prefix = kind === 'postgres' ? sql`${lower('username')} like 'al%'` : sql`${lower('username')} >= 'al' and ${lower('username')} < ${'al\u{10FFFF}'}`;
  const emailPrefix = kind === 'postgres' ? sql`${lower('email')} like 'al%'` : sql`${lower('email')} >= 'al' and ${lower('email')} < ${'al\u{10FFFF}'}`;
  const yes = kind === 'postgres' ? sql.raw('true') : sql.raw('1');
  return {
    search: await plan(sql`select u.* from auth_user u where ${prefix} order by ${lower('username')}, u.id limit 51`),
    email: await plan(sql`select u.* from auth_user u where ${emailPrefix} order by ${lower('email')}, u.id limit 51`),
    group: await plan(
      sql`select u.* from auth_user u join auth_user_groups ug on ug.user_id = u.id where ug.group_id = 1 and ug.user_id > 0 order by ug.user_id limit 51`,
    ),
    superuser: await plan(sql`select u.* from auth_user u where u.is_superuser = ${yes} order by u.id limit 51`),
    target: await plan(sql`select * from gh_audit_log where target = 'kim' order by seq desc limit 51`),
  };
}
