/**
 * A property of the version-stamped permission cache, on every test database: whatever the
 * interleaving of requests (session load + hasPerm, on instance A, warming its cache) and of
 * revocations and re-grants (through instance B on the same database: on PostgreSQL its own
 * connection pool), no request that STARTS after a revoking transaction committed passes the
 * check — unless a re-grant of that permission may have committed by the time it ended.
 *
 * Three permissions, one per mechanism: a group's grant (global version), a direct grant and a
 * membership (user version). Revocations go through the stores, which end no session, so only
 * the versions stand between a warm cache and a stale answer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedSession } from '../../src/core/sessions.js';
import { defineRoles } from '../../src/core/roles.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type SeedPermission, freshUsername, seedApps } from '../core/helpers.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';

const roles = defineRoles<SeedPermission>({
  Holders: ['billing.view_invoice'],
  Members: ['support.view_ticket'],
});

type Mechanism = 'group' | 'direct' | 'member';
const PERM: Record<Mechanism, SeedPermission> = { group: 'billing.view_invoice', direct: 'ops.view_metrics', member: 'support.view_ticket' };
const MECHANISMS: readonly Mechanism[] = ['group', 'direct', 'member'];

type Op = { kind: 'request'; mechanism: Mechanism } | { kind: 'revoke'; mechanism: Mechanism } | { kind: 'grant'; mechanism: Mechanism };

interface Timed {
  op: Op;
  start: number;
  end: number;
  granted?: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MECHANISMS).map((mechanism): Op => ({ kind: 'request', mechanism })) },
  { weight: 1, arbitrary: fc.constantFrom(...MECHANISMS).map((mechanism): Op => ({ kind: 'revoke', mechanism })) },
  { weight: 1, arbitrary: fc.constantFrom(...MECHANISMS).map((mechanism): Op => ({ kind: 'grant', mechanism })) },
);
/** Steps run one after another; the ops of one step run concurrently. */
const scheduleArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 10 });

describe.each(testDatabases())('revocation is immediate under any interleaving on $label', ({ kind }) => {
  let drop: () => Promise<void>;
  let a: TestGatehouse<SeedPermission>;
  let b: TestGatehouse<SeedPermission>;
  let holders: number;
  let members: number;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    drop = fresh.drop;
    a = await createTestGatehouse({ apps: seedApps, roles, databaseUrl: fresh.url });
    b = await createTestGatehouse({ apps: seedApps, roles, databaseUrl: fresh.url, clock: a.clock });
    holders = (await b.database.stores.groups.getByName('Holders'))!.id;
    members = (await b.database.stores.groups.getByName('Members'))!.id;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('never lets a check pass after the revoking transaction committed', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArb, async (schedule) => {
        // A fresh user holding all three, with a session on A; the group grant restored.
        await b.database.stores.groups.addPermissions(holders, [PERM.group]);
        const user = await a.gatehouse.accounts.createUser({ username: freshUsername('prop'), isActive: true });
        await b.database.stores.groups.addUser(user.id, holders);
        await b.database.stores.groups.addUser(user.id, members);
        await b.database.stores.permissions.grantToUser(user.id, PERM.direct);
        const snapshot = (await a.database.stores.users.getById(user.id))!;
        const session: LoadedSession = await a.gatehouse.sessions.start(snapshot);
        const stores = b.database.stores;

        const run = async (op: Op): Promise<Timed> => {
          const start = performance.now();
          let granted: boolean | undefined;
          if (op.kind === 'request') {
            const loaded = await a.gatehouse.sessions.load(session.id);
            granted = loaded?.user ? await a.gatehouse.hasPerm(loaded.user, PERM[op.mechanism]) : false;
          } else if (op.mechanism === 'group') {
            if (op.kind === 'revoke') await stores.groups.removePermissions(holders, [PERM.group]);
            else await stores.groups.addPermissions(holders, [PERM.group]);
          } else if (op.mechanism === 'direct') {
            if (op.kind === 'revoke') await stores.permissions.revokeFromUser(user.id, PERM.direct);
            else await stores.permissions.grantToUser(user.id, PERM.direct);
          } else if (op.kind === 'revoke') await stores.groups.removeUser(user.id, members);
          else await stores.groups.addUser(user.id, members);
          return { op, start, end: performance.now(), ...(granted !== undefined ? { granted } : {}) };
        };

        const log: Timed[] = [];
        for (const step of schedule) log.push(...(await Promise.all(step.map(run))));

        for (const request of log) {
          if (request.op.kind !== 'request' || !request.granted) continue;
          const mechanism = request.op.mechanism;
          const same = (t: Timed, k: Op['kind']): boolean => t.op.kind === k && t.op.mechanism === mechanism;
          for (const revoke of log.filter((t) => same(t, 'revoke') && t.end < request.start)) {
            // A grant that may have committed after this revoke and before the request ended
            // makes a pass legitimate; otherwise the revoke had committed: the pass is a leak.
            const regranted = log.some((g) => same(g, 'grant') && g.end >= revoke.start && g.start <= request.end);
            expect(regranted, `${mechanism}: a check passed ${(request.start - revoke.end).toFixed(2)} ms after the revoke committed`).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
    // The cache really was in play (warm hits between the changes).
    expect(a.gatehouse.authz.cacheStats().hits).toBeGreaterThan(0);
  });
});
