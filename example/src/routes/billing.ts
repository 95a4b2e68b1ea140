/**
 * Billing: invoices (a permission), the payout approval (critical: staff AND the permission,
 * every decision audited), the report export (a permission plus a recent password check) and
 * the audit log (a permission).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, type User } from 'gatehouse';
import { asJson, formatCents, formatTime, sendPage } from '../views.js';
import { type RouteDeps, parseId, queryField } from './common.js';
import { compileOnce } from './compiled.js';

function invoiceJson(row: { id: number; number: string; customer: string; amount_cents: number; status: string }): Record<string, unknown> {
  return { id: row.id, number: row.number, customer: row.customer, amountCents: row.amount_cents, status: row.status };
}

/** One CSV field, quoted when needed; a leading = + - @ is defused so spreadsheets do not run it. */
function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `/invoices/`, `/payouts/:id/approve/`, `/reports/export/`, `/audit/`. */
export function registerBillingRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { services, access } = deps;
  const { db, gatehouse } = services;
  /** Invoices as JSON and in the export: compiled once (compiled.ts). */
  const listInvoices = compileOnce(db, (q) => q.selectFrom('billing_invoice').select(['id', 'number', 'customer', 'amount_cents', 'status']).orderBy('number'));

  app.get('/invoices/', { config: { access: access.permission('billing.view_invoice') } }, async (request, reply) => {
    const rows = await listInvoices();
    if (asJson(request)) return { invoices: rows.map(invoiceJson) };
    const invoices = rows.map((r) => ({ ...r, amount: formatCents(r.amount_cents) }));
    return sendPage(request, reply, gatehouse, 'invoices.html', 'Invoices', { invoices });
  });

  // Critical: the plugin's guard checks staff AND the permission (and audits the decision)
  // before this handler runs, so nobody without both learns whether a payout exists. The CSRF
  // check runs before the handler too.
  app.post<{ Params: { id: string } }>(
    '/payouts/:id/approve/',
    { config: { access: access.critical('billing.approve_payout') }, bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const user = request.user as User;
      const id = parseId(request.params.id);
      if (id === null) throw new NotFoundError('payout', 'Not found.');
      // One conditional UPDATE: of any number of concurrent approvals exactly one finds the row
      // still pending (PostgreSQL re-checks the WHERE after waiting for the row lock; SQLite
      // runs one writer at a time), so the payout is approved once and by one person.
      const result = await db
        .updateTable('billing_payout')
        .set({ status: 'approved', approved_by: user.id, approved_at: gatehouse.clock.now() })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const payout = await db
        .selectFrom('billing_payout')
        .leftJoin('auth_user as approver', 'approver.id', 'billing_payout.approved_by')
        .select(['billing_payout.id', 'billing_payout.amount_cents', 'billing_payout.status', 'billing_payout.approved_at', 'approver.username as approvedBy'])
        .where('billing_payout.id', '=', id)
        .executeTakeFirst();
      if (!payout) throw new NotFoundError('payout', 'Not found.');
      const approvedNow = Number(result.numUpdatedRows) === 1;
      await gatehouse.audit.record({
        actor: user.username,
        action: approvedNow ? 'payout.approved' : 'payout.approve_refused',
        target: `payout:${id}`,
        ip: request.ip,
        data: approvedNow ? { amountCents: payout.amount_cents } : { reason: `already ${payout.status}` },
      });
      return payoutAnswer(request, reply, deps, payout, approvedNow);
    },
  );

  app.get('/reports/export/', { config: { access: access.permissions(['billing.export_reports'], { recentAuth: true }) } }, async (request, reply) => {
    const rows = await listInvoices();
    const total = rows.reduce((sum, r) => sum + r.amount_cents, 0);
    if (queryField(request, 'format') === 'csv') {
      const lines = [['number', 'customer', 'amount_cents', 'status'].join(',')];
      for (const r of rows) lines.push([r.number, r.customer, r.amount_cents, r.status].map(csvField).join(','));
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="invoices.csv"')
        .send(`${lines.join('\r\n')}\r\n`);
    }
    if (asJson(request))
      return { report: 'invoices', generatedAt: new Date(gatehouse.clock.now()).toISOString(), totalCents: total, rows: rows.map(invoiceJson) };
    const invoices = rows.map((r) => ({ ...r, amount: formatCents(r.amount_cents) }));
    return sendPage(request, reply, gatehouse, 'report.html', 'Invoice report', {
      invoices,
      total: formatCents(total),
      maxAgeMinutes: Math.round(gatehouse.config.reauthMaxAge / 60),
    });
  });

  app.get('/audit/', { config: { access: access.permission('billing.view_audit_log') } }, async (request, reply) => {
    const before = parseId(queryField(request, 'before'));
    const entries = await gatehouse.audit.list({ limit: 50, ...(before !== null ? { beforeSeq: before } : {}) });
    if (asJson(request)) return { entries: entries.map(({ prevHash: _p, hash: _h, ...e }) => ({ ...e, at: new Date(e.at).toISOString() })) };
    const last = entries.at(-1);
    return sendPage(request, reply, gatehouse, 'audit.html', 'Audit log', {
      entries: entries.map((e) => ({ ...e, when: formatTime(e.at), details: Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : '' })),
      olderUrl: last && last.seq > 1 ? `/audit/?before=${last.seq}` : null,
    });
  });
}

interface PayoutView {
  id: number;
  amount_cents: number;
  status: string;
  approved_at: number | null;
  approvedBy: string | null;
}

function payoutAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: RouteDeps,
  payout: PayoutView,
  approvedNow: boolean,
): Promise<FastifyReply> | FastifyReply {
  const status = approvedNow ? 200 : 409;
  if (asJson(request)) {
    const body = {
      id: payout.id,
      status: payout.status,
      amountCents: payout.amount_cents,
      approvedBy: payout.approvedBy,
      approvedAt: payout.approved_at === null ? null : new Date(payout.approved_at).toISOString(),
    };
    return reply.code(status).send(approvedNow ? { payout: body } : { error: 'conflict', message: 'This payout is no longer pending.', payout: body });
  }
  return sendPage(
    request,
    reply,
    deps.services.gatehouse,
    'payout.html',
    approvedNow ? 'Payout approved' : 'Payout already handled',
    {
      payout: { ...payout, amount: formatCents(payout.amount_cents), approved: formatTime(payout.approved_at) },
      approvedNow,
    },
    status,
  );
}
