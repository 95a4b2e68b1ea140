/**
 * The example's pages: Eta templates in `example/templates/`, the same folder the gatehouse
 * plugin searches first, so the account pages (login, reset...) and the app's own pages share one
 * layout, one stylesheet and one navigation bar. Every `<%= %>` is escaped.
 *
 * Routes answer JSON to clients that ask for it (`Accept: application/json`) and HTML to browsers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { wantsJson } from 'gatehouse/fastify';
import { exampleDir } from './config.js';
import type { Permission } from './declarations.js';
import type { ExampleGatehouse } from './services.js';

/** The example's template folder (also given to the plugin as `templatesDir`). */
export const templatesDir: string = join(exampleDir, 'templates');

/** The name shown in titles, the header and mails. */
export const SITE_NAME = 'Billing';

const eta = new Eta({ views: templatesDir, autoEscape: true, autoTrim: false, cache: true, defaultExtension: '' });

/** One entry of the navigation bar; `perm` hides it from users without the permission. */
interface NavEntry {
  href: string;
  label: string;
  perm?: Permission;
}

const NAV: readonly NavEntry[] = [
  { href: '/dashboard/', label: 'Dashboard' },
  { href: '/orders/', label: 'Orders' },
  { href: '/invoices/', label: 'Invoices', perm: 'billing.view_invoice' },
  { href: '/reports/export/', label: 'Reports', perm: 'billing.export_reports' },
  { href: '/audit/', label: 'Audit log', perm: 'billing.view_audit_log' },
  { href: '/internal/metrics/', label: 'Metrics', perm: 'ops.view_metrics' },
  { href: '/account/email/', label: 'Account' },
];

/** The navigation links this request's user may follow (hiding is a courtesy; the routes decide). */
export async function navFor(request: FastifyRequest, gatehouse: ExampleGatehouse): Promise<{ href: string; label: string; current: boolean }[]> {
  const path = request.url.split('?')[0] ?? '';
  const out: { href: string; label: string; current: boolean }[] = [];
  for (const entry of NAV) {
    if (entry.perm && !(await gatehouse.hasPerm(request.user, entry.perm))) continue;
    out.push({ href: entry.href, label: entry.label, current: path.startsWith(entry.href) });
  }
  return out;
}

/** What every page of the example receives, besides its own values. */
function baseValues(request: FastifyRequest, gatehouse: ExampleGatehouse, title: string): Record<string, unknown> {
  const user = request.user;
  return {
    siteName: SITE_NAME,
    title,
    urls: {
      login: gatehouse.config.loginUrl,
      logout: '/accounts/logout/',
      passwordChange: '/accounts/password_change/',
    },
    user: { isAuthenticated: user.isAuthenticated, username: user.isAuthenticated ? user.username : '' },
    csrf: { field: gatehouse.config.csrf.fieldName, token: request.csrfToken() },
  };
}

/** Renders `template` inside the layout and sends it. */
export async function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  gatehouse: ExampleGatehouse,
  template: string,
  title: string,
  values: Record<string, unknown> = {},
  status = 200,
): Promise<FastifyReply> {
  const html = eta.render(template, { ...baseValues(request, gatehouse, title), nav: await navFor(request, gatehouse), wide: true, ...values });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/** True when the client asked for JSON rather than a page. */
export function asJson(request: FastifyRequest): boolean {
  return wantsJson(request);
}

let css: string | null = null;

/** The stylesheet, read once. */
export function stylesheet(): string {
  css ??= readFileSync(join(templatesDir, 'app.css'), 'utf8');
  return css;
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** `129.00` dollars from 12900 cents, as `$129.00`. */
export function formatCents(cents: number): string {
  return money.format(cents / 100);
}

/** An epoch-milliseconds time as `2026-05-01 14:03:09 UTC`. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
