/**
 * Direct access to the example's database from a test, for what HTTP cannot show or set up:
 * whether a refused request really changed nothing, and extra pending payouts for the
 * concurrency test. Opened beside the running server (SQLite in WAL mode and PostgreSQL both
 * allow that).
 */
import { type Database, openDatabase } from '../../../src/db/index.js';

export interface PayoutRow {
  id: number;
  status: string;
  approved_by: number | null;
}

export interface ExampleDb {
  payout(id: number): Promise<PayoutRow | undefined>;
  /** Adds a pending payout requested by `requestedBy` (a username); its id. */
  addPendingPayout(requestedBy: string): Promise<number>;
  userId(username: string): Promise<number>;
  email(username: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function openExampleDb(url: string): Promise<ExampleDb> {
  const database: Database = await openDatabase(url, { poolSize: 2 });
  // biome-ignore lint/suspicious/noExplicitAny: the example's tables are not in gatehouse's schema type
  const db = database.db as any;
  const userId = async (username: string): Promise<number> => {
    const row = await db.selectFrom('auth_user').select('id').where('username', '=', username).executeTakeFirstOrThrow();
    return Number(row.id);
  };
  return {
    async payout(id) {
      const row = await db.selectFrom('billing_payout').select(['id', 'status', 'approved_by']).where('id', '=', id).executeTakeFirst();
      return row ? { id: Number(row.id), status: String(row.status), approved_by: row.approved_by === null ? null : Number(row.approved_by) } : undefined;
    },
    async addPendingPayout(requestedBy) {
      const requester = await userId(requestedBy);
      const row = await db
        .insertInto('billing_payout')
        .values({ amount_cents: 50_000, requested_by: requester, status: 'pending', approved_by: null, approved_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    userId,
    async email(username) {
      const row = await db.selectFrom('auth_user').select('email').where('username', '=', username).executeTakeFirst();
      return row?.email;
    },
    close: () => database.close(),
  };
}
