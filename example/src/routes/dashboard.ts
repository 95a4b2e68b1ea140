/** `/dashboard/`: who you are, what your roles let you do, and (for approvers) the pending payouts. */
import type { FastifyInstance } from 'fastify';
import type { User } from 'gatehouse';
import { asJson, formatCents, navFor, sendPage } from '../views.js';
import type { RouteDeps } from './common.js';
import { compileOnce } from './compiled.js';

const DESCRIPTIONS: Record<string, string> = {
  '/orders/': 'Orders you may see',
  '/invoices/': 'Customer invoices',
  '/reports/export/': 'Export the invoice report',
  '/audit/': 'Who did what, newest first',
  '/internal/metrics/': 'Queue depth, latency, sessions',
  '/account/email/': 'Your email address',
};

/** `/dashboard/`. */
export function registerDashboardRoutes(app: FastifyInstance, { services, access }: RouteDeps): void {
  const { db, gatehouse } = services;
  // Compiled once (compiled.ts): its values never change between requests.
  const pendingPayouts = compileOnce(db, (q) =>
    q
      .selectFrom('billing_payout')
      .leftJoin('auth_user', 'auth_user.id', 'billing_payout.requested_by')
      .select(['billing_payout.id', 'billing_payout.amount_cents', 'auth_user.username as requestedBy'])
      .where('billing_payout.status', '=', 'pending')
      .orderBy('billing_payout.id')
      .limit(20),
  );
  app.get('/dashboard/', { config: { access: access.authenticated() } }, async (request, reply) => {
    const user = request.user as User;
    const groups = (await gatehouse.stores.groups.groupsOfUser(user.id)).map((g) => g.name).sort();
    const links = (await navFor(request, gatehouse)).filter((l) => l.href !== '/dashboard/');
    // The same test the approve route's guard applies; showing the button is only a courtesy.
    const canApprove = user.isStaff && (await gatehouse.hasPerm(user, 'billing.approve_payout'));
    const pending = canApprove ? await pendingPayouts() : [];
    if (asJson(request)) {
      return {
        user: { username: user.username, email: user.email, isStaff: user.isStaff, isSuperuser: user.isSuperuser, groups },
        links: links.map((l) => l.href),
        pendingPayouts: pending.map((p) => ({ id: p.id, amountCents: p.amount_cents, requestedBy: p.requestedBy })),
      };
    }
    return sendPage(request, reply, gatehouse, 'dashboard.html', 'Dashboard', {
      me: { username: user.username, email: user.email, isStaff: user.isStaff, isSuperuser: user.isSuperuser, groups },
      tiles: links.map((l) => ({ ...l, description: DESCRIPTIONS[l.href] ?? '' })),
      canApprove,
      pending: pending.map((p) => ({ ...p, amount: formatCents(p.amount_cents) })),
    });
  });
}
