/**
 * The `AuditStore` conformance suite, run on every test database: appends are serialised so each
 * entry links to exactly one predecessor (also under concurrency, also from separate connections),
 * the head is kept apart from the rows, and listing pages and filters.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, auditEntryHash } from '../../src/core/audit.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AuditEntry, AuditEvent } from '../../src/core/ports.js';
import type { Database } from '../../src/db/connect.js';
import { repoRoot, testDatabases, itWhen } from '../support/databases.js';
import { type SuiteDatabase, countRows, openSuiteDatabase, rejectionOf } from './helpers.js';

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { at: 1_000, actor: 'alice', action: 'auth.login', target: 'alice', data: {}, ip: '192.0.2.1', ...overrides };
}

/** The same seal `AuditLog` uses, for appends made on the store directly. */
function seal(e: AuditEvent) {
  return (head: { seq: number; hash: string } | null) => {
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? '';
    return { seq, prevHash, hash: auditEntryHash(prevHash, seq, e) };
  };
}

/** Empties the log and resets its head, so each test starts a chain of its own. */
async function resetLog(database: Database): Promise<void> {
  await database.db.deleteFrom('gh_audit_log').execute();
  await database.db.updateTable('gh_audit_head').set({ seq: 0, hash: '' }).where('id', '=', 1).execute();
}

/** Every entry in ascending order. */
async function allEntries(database: Database): Promise<AuditEntry[]> {
  return database.stores.audit.list({ fromSeq: 1, limit: 10_000 });
}

/** Asserts entries 1..n, each linked to its predecessor's hash, and the head on the last one. */
async function expectContiguousChain(database: Database, n: number): Promise<void> {
  const entries = await allEntries(database);
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  entries.forEach((entry, i) => {
    expect(entry.prevHash).toBe(i === 0 ? '' : entries[i - 1]!.hash);
  });
  expect(await database.stores.audit.head()).toEqual({ seq: n, hash: entries[n - 1]!.hash });
}

/** Another process appending `count` entries once `go()` is called (see fixtures/append-audit.ts). */
function otherProcess(url: string, count: number, actor: string): { ready: Promise<void>; go(): void; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'db', 'fixtures', 'append-audit.ts'), url, String(count), actor], {
    cwd: repoRoot(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => {
      markReady();
      if (code === 0 && stdout.includes('done')) resolve();
      else reject(new Error(`the appending process exited with ${String(code)}: ${stderr}`));
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe.each(testDatabases())('AuditStore on $label', ({ kind }) => {
  let suite: SuiteDatabase;

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    await suite?.close();
  });
  beforeEach(async () => {
    await resetLog(suite.database);
  });

  it('starts with no head, seals the first entry with a null head, and moves the head', async () => {
    expect(await suite.stores.audit.head()).toBeNull();
    const heads: ({ seq: number; hash: string } | null)[] = [];
    const first = event({ data: { n: 1 } });
    const stored = await suite.stores.audit.append(first, (head) => {
      heads.push(head);
      return seal(first)(head);
    });
    expect(heads).toEqual([null]);
    expect(stored).toEqual({ ...first, seq: 1, prevHash: '', hash: auditEntryHash('', 1, first) });
    expect(await suite.stores.audit.head()).toEqual({ seq: 1, hash: stored.hash });

    const second = event({ action: 'auth.logout' });
    const next = await suite.stores.audit.append(second, (head) => {
      heads.push(head);
      return seal(second)(head);
    });
    expect(heads[1]).toEqual({ seq: 1, hash: stored.hash });
    expect(next.prevHash).toBe(stored.hash);
    expect(await allEntries(suite.database)).toEqual([stored, next]);
  });

  it('writes nothing, head included, when sealing throws', async () => {
    await suite.stores.audit.append(event(), seal(event()));
    const error = await rejectionOf(
      suite.stores.audit.append(event({ action: 'x' }), () => {
        throw new Error('seal failed');
      }),
    );
    expect((error as Error).message).toBe('seal failed');
    await expectContiguousChain(suite.database, 1);
  });

  it('lists ascending from a seq, newest first, and filtered by actor or action', async () => {
    const log = new AuditLog(suite.stores.audit, new ManualClock());
    for (const [actor, action] of [
      ['alice', 'auth.login'],
      ['bob', 'auth.login'],
      ['alice', 'auth.logout'],
      [null, 'roles.apply'],
    ] as const) {
      await log.record({ actor, action });
    }
    expect((await suite.stores.audit.list({ fromSeq: 2, limit: 2 })).map((e) => e.seq)).toEqual([2, 3]);
    expect((await suite.stores.audit.list({ limit: 10, newestFirst: true })).map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    expect((await suite.stores.audit.list({ fromSeq: 3, limit: 10, newestFirst: true })).map((e) => e.seq)).toEqual([3, 2, 1]);
    expect((await suite.stores.audit.list({ limit: 10, actor: 'alice' })).map((e) => e.seq)).toEqual([1, 3]);
    expect((await suite.stores.audit.list({ limit: 10, action: 'auth.login' })).map((e) => e.seq)).toEqual([1, 2]);
    expect((await suite.stores.audit.list({ limit: 10, actor: 'alice', action: 'auth.logout' })).map((e) => e.seq)).toEqual([3]);
  });

  it('stores the data bag, nulls and unicode exactly', async () => {
    const e = event({ actor: null, target: null, ip: null, data: { group: 'Équipe 財務', perms: ['a.b', 'c.d'], n: 1.5, ok: false } });
    const stored = await suite.stores.audit.append(e, seal(e));
    expect((await allEntries(suite.database))[0]).toEqual(stored);
  });

  it('gives 50 concurrent appends 50 distinct, contiguous, correctly linked entries', async () => {
    const log = new AuditLog(suite.stores.audit, new ManualClock());
    const written = await Promise.all(Array.from({ length: 50 }, (_, i) => log.record({ actor: `user${i}`, action: 'test.concurrent', data: { i } })));
    expect(new Set(written.map((e) => e.seq)).size).toBe(50);
    await expectContiguousChain(suite.database, 50);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 50 });
    expect(await countRows(suite.database, 'gh_audit_log')).toBe(50);
  });

  // PostgreSQL only: better-sqlite3 is synchronous, so a second SQLite connection in the same
  // process waits for the lock by blocking the very event loop the first one needs to commit.
  itWhen(kind === 'postgres')('keeps one chain when two separate connections append at the same time', async () => {
    const other = await suite.openAnother();
    const clock = new ManualClock();
    const here = new AuditLog(suite.stores.audit, clock);
    const there = new AuditLog(other.stores.audit, clock);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? here : there).record({ actor: i % 2 === 0 ? 'here' : 'there', action: 'test.two_connections', data: { i } }),
      ),
    );
    await expectContiguousChain(suite.database, 60);
    expect(await here.verify()).toMatchObject({ ok: true, entries: 60 });
    expect(await there.verify()).toMatchObject({ ok: true, entries: 60 });
    expect((await suite.stores.audit.list({ limit: 100, actor: 'there' })).length).toBe(30);
  });

  it('keeps one chain when another process appends at the same time (the CLI next to a server)', async () => {
    const other = otherProcess(suite.url, 40, 'other-process');
    await other.ready;
    const log = new AuditLog(suite.stores.audit, new ManualClock());
    other.go();
    await Promise.all([other.done, ...Array.from({ length: 40 }, (_, i) => log.record({ actor: 'this-process', action: 'test.cross_process', data: { i } }))]);
    await expectContiguousChain(suite.database, 80);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 80 });
    expect(await suite.stores.audit.list({ limit: 100, actor: 'other-process' })).toHaveLength(40);
  });
});
