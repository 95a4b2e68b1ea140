/**
 * The audit log: append-only, each entry sealed with SHA-256 over its predecessor's hash and
 * its own canonical contents. Editing, inserting or deleting a row breaks the chain at that row;
 * deleting the newest rows leaves the separately stored head pointing past the end. An attacker
 * who can rewrite the whole table and the head can still forge a consistent chain: anchor the
 * head elsewhere (`verify` returns it) when that matters.
 */
import { createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import type { AuditEntry, AuditEvent, AuditStore } from './ports.js';
import { storableText } from './text.js';

/** What to record; `at` defaults to the clock. */
export interface AuditInput {
  actor: string | null;
  action: string;
  target?: string | null;
  data?: Record<string, unknown>;
  ip?: string | null;
}

/** The result of walking the chain. */
export type AuditVerification =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; entries: number; seq: number; problem: 'edited' | 'inserted_or_deleted' | 'truncated' | 'head_mismatch'; message: string };

/** JSON with object keys sorted at every depth, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of one entry given its predecessor's hash. */
export function auditEntryHash(prevHash: string, seq: number, event: AuditEvent): string {
  const body = canonicalJson({ seq, at: event.at, actor: event.actor, action: event.action, target: event.target, data: event.data, ip: event.ip });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** `value` with every string in it (keys too, at any depth) made storable by `storableText`. */
function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [storableText(k), storableValue(v)]));
  }
  return value;
}

function storableData(data: Record<string, unknown>): Record<string, unknown> {
  return storableValue(data) as Record<string, unknown>;
}

/** Records and verifies audit entries. */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
  ) {}

  /** Appends one entry to the chain. */
  record(input: AuditInput): Promise<AuditEntry> {
    // What is recorded is often what an attacker sent (a failed login's username): a NUL or a
    // lone surrogate in it must not make the write fail (PostgreSQL refuses NUL), or the attack
    // would go unrecorded. They become U+FFFD, after cutting, since a cut can split a pair.
    const event: AuditEvent = {
      at: this.clock.now(),
      actor: input.actor === null ? null : storableText(input.actor.slice(0, 150)),
      action: storableText(input.action.slice(0, 100)),
      target: input.target == null ? null : storableText(input.target.slice(0, 255)),
      data: storableData(input.data ?? {}),
      ip: input.ip == null ? null : storableText(input.ip.slice(0, 64)),
    };
    return this.store.append(event, (head) => {
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? '';
      return { seq, prevHash, hash: auditEntryHash(prevHash, seq, event) };
    });
  }

  /** Entries, newest first. */
  list(options: { limit?: number; beforeSeq?: number; actor?: string; action?: string } = {}): Promise<AuditEntry[]> {
    return this.store.list({
      limit: options.limit ?? 50,
      newestFirst: true,
      ...(options.beforeSeq !== undefined ? { fromSeq: options.beforeSeq - 1 } : {}),
      ...(options.actor !== undefined ? { actor: options.actor } : {}),
      ...(options.action !== undefined ? { action: options.action } : {}),
    });
  }

  /** Walks the whole chain in batches and reports the first break. */
  async verify(options: { batchSize?: number } = {}): Promise<AuditVerification> {
    const batchSize = options.batchSize ?? 1000;
    let prevHash = '';
    let expectedSeq = 1;
    let entries = 0;
    for (;;) {
      const batch = await this.store.list({ fromSeq: expectedSeq, limit: batchSize });
      for (const entry of batch) {
        if (entry.seq !== expectedSeq || entry.prevHash !== prevHash) {
          return {
            ok: false,
            entries,
            seq: entry.seq,
            problem: 'inserted_or_deleted',
            message: `The chain breaks at entry ${entry.seq}: an entry before it was inserted or deleted.`,
          };
        }
        if (auditEntryHash(prevHash, entry.seq, entry) !== entry.hash) {
          return { ok: false, entries, seq: entry.seq, problem: 'edited', message: `Entry ${entry.seq} was changed after it was written.` };
        }
        prevHash = entry.hash;
        expectedSeq += 1;
        entries += 1;
      }
      if (batch.length < batchSize) break;
    }
    const head = await this.store.head();
    const lastSeq = expectedSeq - 1;
    if ((head?.seq ?? 0) !== lastSeq) {
      const problem = (head?.seq ?? 0) > lastSeq ? 'truncated' : 'head_mismatch';
      return {
        ok: false,
        entries,
        seq: lastSeq + 1,
        problem,
        message: `The log ends at entry ${lastSeq} but its head records entry ${head?.seq ?? 0}: entries were removed from the end.`,
      };
    }
    if (head && head.hash !== prevHash) {
      return { ok: false, entries, seq: head.seq, problem: 'head_mismatch', message: `The head's hash does not match entry ${head.seq}.` };
    }
    return { ok: true, entries, head };
  }
}
