/** The example's own tables, beside gatehouse's. Money in cents, times in epoch milliseconds. */
import type { Generated } from 'kysely';
import type { Schema as GatehouseSchema } from 'gatehouse/db';

export interface OrderTable {
  id: Generated<number>;
  owner_id: number;
  item: string;
  amount_cents: number;
  created_at: number;
}

export interface InvoiceTable {
  id: Generated<number>;
  number: string;
  customer: string;
  amount_cents: number;
  status: string;
}

export interface PayoutTable {
  id: Generated<number>;
  amount_cents: number;
  requested_by: number;
  status: 'pending' | 'approved';
  approved_by: number | null;
  approved_at: number | null;
}

export interface TicketTable {
  id: Generated<number>;
  subject: string;
  requester_id: number;
  status: string;
}

export interface MetricTable {
  id: Generated<number>;
  name: string;
  value: number;
}

/** The example's own tables (a type, not an interface, so Kysely's `withTables` takes it). */
export type ExampleTables = {
  shop_order: OrderTable;
  billing_invoice: InvoiceTable;
  billing_payout: PayoutTable;
  support_ticket: TicketTable;
  ops_metric: MetricTable;
};

/** gatehouse's tables and the example's. */
export interface AppSchema extends GatehouseSchema, ExampleTables {}
