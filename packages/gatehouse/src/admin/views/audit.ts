/**
 * The audit log: filters (actor, target, event, decision, date range), keyset pages newest
 * first, the chain check (intact, or where it breaks), and an export of a date range as CSV or
 * JSON lines.
 */
import type { AdminAuditQuery, AuditEntry } from '../../core/ports.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';
import { ADMIN_HEADERS } from '../headers.js';
import { type FieldErrors, addError, hasErrors, query } from '../forms.js';
import { auditRow } from './user.js';

const PAGE = 50;
/** Entries one export holds at most; a wider range is refused, not cut silently. */
export const EXPORT_LIMIT = 100_000;
const DAY = 86_400_000;

interface AuditForm {
  actor: string;
  target: string;
  event: string;
  decision: string;
  from: string;
  to: string;
}

/** A `YYYY-MM-DD` date as UTC midnight, or null. */
function parseDay(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const at = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text ? null : at;
}

/** The filters of this request as a store query, with errors by field. */
function readFilters(request: AdminRequest): { form: AuditForm; filter: Omit<AdminAuditQuery, 'limit'>; errors: FieldErrors } {
  const http = request.exchange.request;
  const form: AuditForm = {
    actor: query(http, 'actor', 150),
    target: query(http, 'target', 255),
    event: query(http, 'event', 100),
    decision: query(http, 'decision', 10),
    from: query(http, 'from', 10),
    to: query(http, 'to', 10),
  };
  const errors: FieldErrors = {};
  const filter: Omit<AdminAuditQuery, 'limit'> = {};
  if (form.actor !== '') filter.actor = form.actor;
  if (form.target !== '') filter.target = form.target;
  if (form.event !== '') {
    if (!/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/.test(form.event)) addError(errors, 'event', 'An event name such as auth.login, or a family such as user.*');
    else filter.action = form.event;
  }
  if (form.decision === 'allowed' || form.decision === 'denied') filter.decision = form.decision;
  else if (form.decision !== '') addError(errors, 'decision', 'Choose allowed, denied or any.');
  if (form.from !== '') {
    const at = parseDay(form.from);
    if (at === null) addError(errors, 'from', 'A date as YYYY-MM-DD.');
    else filter.from = at;
  }
  if (form.to !== '') {
    const at = parseDay(form.to);
    if (at === null) addError(errors, 'to', 'A date as YYYY-MM-DD.');
    else filter.to = at + DAY; // the whole of the last day
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) addError(errors, 'to', 'The end date is before the start date.');
  return { form, filter, errors };
}

function formParams(form: AuditForm): URLSearchParams {
  return new URLSearchParams(Object.entries(form).filter(([, v]) => v !== ''));
}

/** GET `/audit/`. */
export async function auditList(request: AdminRequest): Promise<HttpResponse> {
  const { form, filter, errors } = readFilters(request);
  const beforeText = query(request.exchange.request, 'before', 20);
  let beforeSeq: number | undefined;
  if (beforeText !== '') {
    if (!/^[1-9][0-9]{0,14}$/.test(beforeText)) addError(errors, 'before', 'This page link is not valid.');
    else beforeSeq = Number(beforeText);
  }
  const entries = hasErrors(errors) ? [] : await request.store.listAudit({ ...filter, limit: PAGE + 1, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
  const page = entries.slice(0, PAGE);
  const params = formParams(form);
  let nextUrl = '';
  if (entries.length > PAGE) {
    const next = new URLSearchParams(params);
    next.set('before', String(page[page.length - 1]!.seq));
    nextUrl = `${request.url('/audit/')}?${next}`;
  }
  const exportParams = (format: string): string => {
    const p = new URLSearchParams(params);
    p.set('format', format);
    return `${request.url('/audit/export/')}?${p}`;
  };
  return request.render(
    'admin/audit/list.html',
    'Audit log',
    {
      form,
      errors,
      entries: page.map((e) => auditRow(request, e)),
      nextUrl,
      firstUrl: beforeSeq !== undefined ? `${request.url('/audit/')}?${params}` : '',
      verifyUrl: request.url('/audit/verify/'),
      csvUrl: exportParams('csv'),
      jsonlUrl: exportParams('jsonl'),
    },
    hasErrors(errors) ? 400 : 200,
  );
}

/** GET `/audit/verify/`: walks the whole chain (reads only). */
export async function auditVerify(request: AdminRequest): Promise<HttpResponse> {
  const result = await request.gatehouse.audit.verify();
  return request.render('admin/audit/verify.html', 'Audit chain', {
    ok: result.ok,
    entries: result.entries,
    brokenAt: result.ok ? null : result.seq,
    message: result.ok ? '' : result.message,
    head: result.ok && result.head ? result.head.hash : '',
    back: request.url('/audit/'),
  });
}

/** A CSV cell: quoted when needed, and a leading = + - @ defused so a spreadsheet does not run it. */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(entry: AuditEntry): string {
  return [entry.seq, new Date(entry.at).toISOString(), entry.actor, entry.action, entry.target, entry.ip, entry.data, entry.prevHash, entry.hash]
    .map(csvCell)
    .join(',');
}

function jsonLine(entry: AuditEntry): string {
  return JSON.stringify({ ...entry, at: new Date(entry.at).toISOString() });
}

/** GET `/audit/export/?format=csv|jsonl&from&to` (and the list's filters), oldest first. */
export async function auditExport(request: AdminRequest): Promise<HttpResponse> {
  const { form, filter, errors } = readFilters(request);
  const format = query(request.exchange.request, 'format', 10);
  if (format !== 'csv' && format !== 'jsonl') addError(errors, 'format', 'Choose CSV or JSON lines.');
  if (hasErrors(errors)) {
    return request.render(
      'admin/audit/list.html',
      'Audit log',
      { form, errors, entries: [], nextUrl: '', firstUrl: '', verifyUrl: request.url('/audit/verify/'), csvUrl: '', jsonlUrl: '' },
      400,
    );
  }
  const lines: string[] = format === 'csv' ? ['seq,at,actor,action,target,ip,data,prev_hash,hash'] : [];
  let afterSeq = 0;
  let count = 0;
  for (;;) {
    const batch = await request.store.listAudit({ ...filter, afterSeq, limit: 1000 });
    count += batch.length;
    if (count > EXPORT_LIMIT) {
      return request.render(
        'admin/message.html',
        'Export too large',
        { heading: 'Export too large', message: `More than ${EXPORT_LIMIT} entries match: choose a shorter date range.`, back: request.url('/audit/') },
        413,
      );
    }
    for (const entry of batch) lines.push(format === 'csv' ? csvLine(entry) : jsonLine(entry));
    if (batch.length < 1000) break;
    afterSeq = batch[batch.length - 1]!.seq;
  }
  await request.gatehouse.audit.record({ ...request.by(), action: 'admin.audit_export', target: null, data: { format, entries: count, filter: form } });
  const name = `audit-${form.from || 'start'}-${form.to || 'now'}.${format}`;
  return {
    status: 200,
    headers: {
      ...ADMIN_HEADERS,
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    },
    cookies: [],
    body: lines.length > 0 ? `${lines.join('\n')}\n` : '',
  };
}
