/**
 * `Stores.transaction`, run on every test database: everything written through the transaction's
 * stores commits together or not at all, and a nested call joins the outer transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/core/audit.js';
import { ManualClock } from '../../src/core/clock.js';
import { DuplicateError } from '../../src/core/errors.js';
import { testDatabases, itWhen } from '../support/databases.js';
import { type SuiteDatabase, countRows, openSuiteDatabase, rejectionOf, uniqueName, userRecord } from './helpers.js';

const TABLES = ['auth_user', 'auth_group', 'auth_user_groups', 'auth_user_user_permissions', 'gh_session', 'gh_audit_log'];

describe.each(testDatabases())('Stores.transaction on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  async function snapshot(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = await countRows(suite.database, table);
    const head = await suite.stores.audit.head();
    counts.head = head?.seq ?? 0;
    return counts;
  }

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
    await suite.stores.permissions.sync([{ appLabel: 'auth', model: 'user', codename: 'view_user', name: 'Can view user' }]);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('commits every write when the function resolves, and returns its value', async () => {
    const username = uniqueName('tx_ok');
    const id = await suite.stores.transaction(async (tx) => {
      const user = await tx.users.create(userRecord({ username }));
      await tx.users.bumpAuthEpoch(user.id);
      return user.id;
    });
    expect((await suite.stores.users.getByUsername(username))?.id).toBe(id);
    expect((await suite.stores.users.getById(id))?.authEpoch).toBe(1);
  });

  it('writes nothing in any table when the function throws after writing', async () => {
    const before = await snapshot();
    const username = uniqueName('tx_fail');
    const groupName = uniqueName('tx_group');
    const error = await rejectionOf(
      suite.stores.transaction(async (tx) => {
        const user = await tx.users.create(userRecord({ username }));
        const group = await tx.groups.create(groupName);
        await tx.groups.addUser(user.id, group.id);
        await tx.permissions.grantToUser(user.id, 'auth.view_user');
        await tx.sessions.create({
          idHash: 'd'.repeat(64),
          userId: user.id,
          authEpoch: 0,
          createdAt: 1,
          lastSeenAt: 1,
          expiresAt: 2,
          data: {},
          ip: null,
          userAgent: null,
        });
        await new AuditLog(tx.audit, new ManualClock()).record({ actor: username, action: 'test.rolled_back' });
        throw new Error('boom');
      }),
    );
    expect((error as Error).message).toBe('boom');
    expect(await snapshot()).toEqual(before);
    expect(await suite.stores.users.getByUsername(username)).toBeNull();
    expect(await suite.stores.groups.getByName(groupName)).toBeNull();
    expect(await suite.stores.sessions.get('d'.repeat(64))).toBeNull();
  });

  it('rolls back earlier writes when a later statement hits a duplicate', async () => {
    const taken = await suite.stores.users.create(userRecord());
    const before = await snapshot();
    const fresh = uniqueName('tx_dup');
    const error = await rejectionOf(
      suite.stores.transaction(async (tx) => {
        await tx.users.create(userRecord({ username: fresh }));
        await tx.users.create(userRecord({ username: taken.username }));
      }),
    );
    expect(error).toBeInstanceOf(DuplicateError);
    expect(await snapshot()).toEqual(before);
    expect(await suite.stores.users.getByUsername(fresh)).toBeNull();
  });

  it('a nested transaction joins the outer one: its writes roll back with it', async () => {
    const inner = uniqueName('tx_inner');
    const error = await rejectionOf(
      suite.stores.transaction(async (tx) => {
        await tx.transaction(async (nested) => {
          await nested.users.create(userRecord({ username: inner }));
        });
        throw new Error('outer fails after inner resolved');
      }),
    );
    expect((error as Error).message).toBe('outer fails after inner resolved');
    expect(await suite.stores.users.getByUsername(inner)).toBeNull();
  });

  it('an audit append inside a transaction commits with it', async () => {
    const before = await suite.stores.audit.head();
    await suite.stores.transaction(async (tx) => {
      await new AuditLog(tx.audit, new ManualClock()).record({ actor: 'tx', action: 'test.committed' });
    });
    expect((await suite.stores.audit.head())?.seq).toBe((before?.seq ?? 0) + 1);
    expect(await new AuditLog(suite.stores.audit, new ManualClock()).verify()).toMatchObject({ ok: true });
  });

  itWhen(kind === 'postgres')('hides uncommitted writes from other connections until commit', async () => {
    const username = uniqueName('tx_hidden');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const running = suite.stores.transaction(async (tx) => {
      await tx.users.create(userRecord({ username }));
      written();
      await gate;
    });
    await wrote;
    expect(await suite.stores.users.getByUsername(username)).toBeNull();
    release();
    await running;
    expect(await suite.stores.users.getByUsername(username)).not.toBeNull();
  });
});
