/** `AuditStore` in memory: appends serialised by the lock, the head kept apart from the rows. */
import type { AuditEntry, AuditEvent, AuditStore } from '../../core/ports.js';
import { type MemoryAuditRow, type MemoryScope, operate } from './state.js';

function toEntry(row: MemoryAuditRow): AuditEntry {
  return { ...row, data: JSON.parse(row.data) as Record<string, unknown> };
}

export class MemoryAuditStore implements AuditStore {
  constructor(private readonly scope: MemoryScope) {}

  append(event: AuditEvent, seal: (head: { seq: number; hash: string } | null) => { seq: number; prevHash: string; hash: string }): Promise<AuditEntry> {
    return operate(this.scope, (tables) => {
      // One step under the lock: no other append reads the same head, and a throwing seal writes nothing.
      const head = tables.auditHead.seq === 0 ? null : { ...tables.auditHead };
      const sealed = seal(head);
      const row: MemoryAuditRow = {
        seq: sealed.seq,
        at: event.at,
        actor: event.actor,
        action: event.action,
        target: event.target,
        data: JSON.stringify(event.data),
        ip: event.ip,
        prevHash: sealed.prevHash,
        hash: sealed.hash,
      };
      tables.audit.push(row);
      tables.auditHead = { seq: sealed.seq, hash: sealed.hash };
      return toEntry(row);
    });
  }

  list(options: { fromSeq?: number; limit: number; newestFirst?: boolean; actor?: string; action?: string }): Promise<AuditEntry[]> {
    return operate(this.scope, (tables) => {
      const limit = Math.min(Math.max(options.limit, 1), 10_000);
      const { fromSeq, newestFirst = false } = options;
      const rows = tables.audit
        .filter((row) => fromSeq === undefined || (newestFirst ? row.seq <= fromSeq : row.seq >= fromSeq))
        .filter((row) => options.actor === undefined || row.actor === options.actor)
        .filter((row) => options.action === undefined || row.action === options.action)
        .sort((a, b) => (newestFirst ? b.seq - a.seq : a.seq - b.seq));
      return rows.slice(0, limit).map(toEntry);
    });
  }

  head(): Promise<{ seq: number; hash: string } | null> {
    return operate(this.scope, (tables) => (tables.auditHead.seq === 0 ? null : { ...tables.auditHead }));
  }
}
