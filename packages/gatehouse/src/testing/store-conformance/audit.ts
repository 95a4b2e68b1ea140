/** `AuditStore` scenarios: the head, sealing, listing, and one chain under concurrent appends. */
import { AuditLog } from '../../core/audit.js';
import { ManualClock } from '../../core/clock.js';
import type { Stores } from '../../core/ports.js';
import { auditEvent, rejectionOf, sealFor } from './fixtures.js';
import type { ConformanceExpect, ScenarioContext } from './runner.js';

/** Asserts entries 1..n, each linked to its predecessor's hash, and the head on the last one. */
async function expectContiguousChain(expect: ConformanceExpect, stores: Stores, n: number): Promise<void> {
  const entries = await stores.audit.list({ fromSeq: 1, limit: 10_000 });
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  for (const [i, entry] of entries.entries()) expect(entry.prevHash).toBe(i === 0 ? '' : entries[i - 1]!.hash);
  expect(await stores.audit.head()).toEqual(n === 0 ? null : { seq: n, hash: entries[n - 1]!.hash });
}

/** Registers the audit store's scenarios. */
export function auditScenarios({ it, expect, stores }: ScenarioContext): void {
  it('starts with no head, seals the first entry with a null head, and moves the head', async () => {
    expect(await stores().audit.head()).toBeNull();
    const heads: ({ seq: number; hash: string } | null)[] = [];
    const first = auditEvent({ data: { n: 1 } });
    const stored = await stores().audit.append(first, (head) => {
      heads.push(head);
      return sealFor(first)(head);
    });
    expect(heads).toEqual([null]);
    expect(stored).toEqual({ ...first, ...sealFor(first)(null) });
    expect(await stores().audit.head()).toEqual({ seq: 1, hash: stored.hash });
    const second = auditEvent({ action: 'auth.logout' });
    const next = await stores().audit.append(second, (head) => {
      heads.push(head);
      return sealFor(second)(head);
    });
    expect(heads[1]).toEqual({ seq: 1, hash: stored.hash });
    expect(next.prevHash).toBe(stored.hash);
    expect(await stores().audit.list({ fromSeq: 1, limit: 10 })).toEqual([stored, next]);
  });

  it('writes nothing, head included, when sealing throws', async () => {
    await stores().audit.append(auditEvent(), sealFor(auditEvent()));
    const error = await rejectionOf(
      stores().audit.append(auditEvent({ action: 'x' }), () => {
        throw new Error('seal failed');
      }),
    );
    expect((error as Error).message).toBe('seal failed');
    await expectContiguousChain(expect, stores(), 1);
  });

  it('lists ascending from a seq, newest first, and filtered by actor or action', async () => {
    const log = new AuditLog(stores().audit, new ManualClock());
    for (const [actor, action] of [
      ['alice', 'auth.login'],
      ['bob', 'auth.login'],
      ['alice', 'auth.logout'],
      [null, 'roles.apply'],
    ] as const) {
      await log.record({ actor, action });
    }
    const seqs = async (options: Parameters<Stores['audit']['list']>[0]): Promise<number[]> => (await stores().audit.list(options)).map((e) => e.seq);
    expect(await seqs({ fromSeq: 2, limit: 2 })).toEqual([2, 3]);
    expect(await seqs({ limit: 10, newestFirst: true })).toEqual([4, 3, 2, 1]);
    expect(await seqs({ fromSeq: 3, limit: 10, newestFirst: true })).toEqual([3, 2, 1]);
    expect(await seqs({ limit: 10, actor: 'alice' })).toEqual([1, 3]);
    expect(await seqs({ limit: 10, action: 'auth.login' })).toEqual([1, 2]);
    expect(await seqs({ limit: 10, actor: 'alice', action: 'auth.logout' })).toEqual([3]);
  });

  it('stores the data bag, nulls and unicode exactly', async () => {
    const e = auditEvent({ actor: null, target: null, ip: null, data: { group: 'Équipe 財務', perms: ['a.b', 'c.d'], n: 1.5, ok: false } });
    const stored = await stores().audit.append(e, sealFor(e));
    expect(await stores().audit.list({ fromSeq: 1, limit: 10 })).toEqual([stored]);
  });

  it('gives 50 concurrent appends 50 distinct, contiguous, correctly linked entries', async () => {
    const log = new AuditLog(stores().audit, new ManualClock());
    const written = await Promise.all(Array.from({ length: 50 }, (_, i) => log.record({ actor: `user${i}`, action: 'test.concurrent', data: { i } })));
    expect(new Set(written.map((e) => e.seq)).size).toBe(50);
    await expectContiguousChain(expect, stores(), 50);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 50 });
  });
}
