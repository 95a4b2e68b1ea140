/** `AuditStore` over `gh_audit_log` and its head row. */
import type { AuditEntry, AuditEvent, AuditStore } from '../../core/ports.js';
import type { AuditLogTable } from '../schema.js';
import { type StoreContext, parseJsonObject, toNumber } from './common.js';

function rowToEntry(row: AuditLogTable): AuditEntry {
  return {
    seq: toNumber(row.seq),
    at: toNumber(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    data: parseJsonObject(row.data),
    ip: row.ip,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class SqlAuditStore implements AuditStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly inTransaction: <T>(fn: (store: SqlAuditStore) => Promise<T>) => Promise<T>,
  ) {}

  async append(event: AuditEvent, seal: (head: { seq: number; hash: string } | null) => { seq: number; prevHash: string; hash: string }): Promise<AuditEntry> {
    return this.inTransaction(async (store) => {
      const db = store.ctx.db;
      // Taking the head with an UPDATE first grabs the write lock at once on both databases
      // (a row lock on PostgreSQL, the database lock on SQLite), so concurrent appends queue
      // here instead of both reading the same head and forking the chain.
      const locked = await db
        .updateTable('gh_audit_head')
        .set((eb) => ({ seq: eb('seq', '+', 0) }))
        .where('id', '=', 1)
        .returning(['seq', 'hash'])
        .executeTakeFirstOrThrow();
      const headSeq = toNumber(locked.seq);
      const head = headSeq === 0 ? null : { seq: headSeq, hash: locked.hash };
      const sealed = seal(head);
      const row: AuditLogTable = {
        seq: sealed.seq,
        at: event.at,
        actor: event.actor,
        action: event.action,
        target: event.target,
        data: JSON.stringify(event.data),
        ip: event.ip,
        prev_hash: sealed.prevHash,
        hash: sealed.hash,
      };
      await db.insertInto('gh_audit_log').values(row).execute();
      await db.updateTable('gh_audit_head').set({ seq: sealed.seq, hash: sealed.hash }).where('id', '=', 1).execute();
      return rowToEntry(row);
    });
  }

  async list(options: { fromSeq?: number; limit: number; newestFirst?: boolean; actor?: string; action?: string }): Promise<AuditEntry[]> {
    let query = this.ctx.db
      .selectFrom('gh_audit_log')
      .selectAll()
      .orderBy('seq', options.newestFirst ? 'desc' : 'asc')
      .limit(Math.min(Math.max(options.limit, 1), 10_000));
    if (options.fromSeq !== undefined) query = query.where('seq', options.newestFirst ? '<=' : '>=', options.fromSeq);
    if (options.actor !== undefined) query = query.where('actor', '=', options.actor);
    if (options.action !== undefined) query = query.where('action', '=', options.action);
    return (await query.execute()).map(rowToEntry);
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const row = await this.ctx.db.selectFrom('gh_audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    if (!row || toNumber(row.seq) === 0) return null;
    return { seq: toNumber(row.seq), hash: row.hash };
  }
}
