/** `Stores.transaction` scenarios: all or nothing, a nested call joins, an audit append commits with it. */
import { AuditLog } from '../../core/audit.js';
import { ManualClock } from '../../core/clock.js';
import { DuplicateError } from '../../core/errors.js';
import type { Stores } from '../../core/ports.js';
import { PERMISSIONS, rejectionOf, sessionRecord, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

/** What can be seen of every table through the stores. */
async function snapshot(stores: Stores): Promise<unknown> {
  const users = await stores.users.list({ limit: 10_000 });
  return {
    users,
    groups: await stores.groups.permissionsByGroup(),
    grants: await Promise.all(users.map((u) => stores.permissions.userPermissionRows(u.id))),
    sessions: await stores.sessions.list({ limit: 10_000 }),
    head: await stores.audit.head(),
  };
}

/** Registers the transaction scenarios. */
export function transactionScenarios({ it, expect, stores }: ScenarioContext): void {
  it('commits every write when the function resolves, and returns its value', async () => {
    const id = await stores().transaction(async (tx) => {
      const user = await tx.users.create(userRecord({ username: 'committed' }));
      await tx.users.bumpAuthEpoch(user.id);
      return user.id;
    });
    expect((await stores().users.getByUsername('committed'))?.id).toBe(id);
    expect((await stores().users.getById(id))?.authEpoch).toBe(1);
  });

  it('writes nothing in any table when the function throws after writing', async () => {
    await stores().permissions.sync(PERMISSIONS);
    const existing = await stores().users.create(userRecord());
    const before = await snapshot(stores());
    const session = sessionRecord();
    const error = await rejectionOf(
      stores().transaction(async (tx) => {
        const user = await tx.users.create(userRecord({ username: 'rolled_back' }));
        const group = await tx.groups.create('Rolled back');
        await tx.groups.addUser(user.id, group.id);
        await tx.groups.addPermissions(group.id, ['billing.view_invoice']);
        await tx.permissions.grantToUser(existing.id, 'billing.approve_payout');
        await tx.users.update(existing.id, { firstName: 'Changed' });
        await tx.sessions.create({ ...session, userId: user.id });
        await new AuditLog(tx.audit, new ManualClock()).record({ actor: 'tx', action: 'test.rolled_back' });
        throw new Error('boom');
      }),
    );
    expect((error as Error).message).toBe('boom');
    expect(await snapshot(stores())).toEqual(before);
    expect(await stores().users.getByUsername('rolled_back')).toBeNull();
    expect(await stores().sessions.get(session.idHash)).toBeNull();
  });

  it('rolls back earlier writes when a later write hits a duplicate', async () => {
    const taken = await stores().users.create(userRecord());
    const before = await snapshot(stores());
    const error = await rejectionOf(
      stores().transaction(async (tx) => {
        await tx.users.create(userRecord({ username: 'fresh' }));
        await tx.users.create(userRecord({ username: taken.username }));
      }),
    );
    expect(error).toBeInstanceOf(DuplicateError);
    expect(await snapshot(stores())).toEqual(before);
  });

  it('a nested transaction joins the outer one: its writes roll back with it', async () => {
    const error = await rejectionOf(
      stores().transaction(async (tx) => {
        await tx.transaction(async (nested) => {
          await nested.users.create(userRecord({ username: 'inner' }));
        });
        throw new Error('outer fails after inner resolved');
      }),
    );
    expect((error as Error).message).toBe('outer fails after inner resolved');
    expect(await stores().users.getByUsername('inner')).toBeNull();
  });

  it('an audit append inside a transaction commits with it', async () => {
    await stores().transaction(async (tx) => {
      await new AuditLog(tx.audit, new ManualClock()).record({ actor: 'tx', action: 'test.committed' });
    });
    expect((await stores().audit.head())?.seq).toBe(1);
    expect(await new AuditLog(stores().audit, new ManualClock()).verify()).toMatchObject({ ok: true });
  });
}
