/**
 * The one place that turns "no" into a response (Django's `AccessMixin.handle_no_permission`):
 *
 * - nobody logged in → browsers are sent to `loginUrl?next=<this path>`, API clients (a request
 *   whose Accept prefers JSON) get 401 JSON;
 * - logged in but not allowed → 403, a bland page or JSON that names no permission, rule or id;
 * - allowed but the password check is stale → to the re-authentication page (or 401 JSON).
 *
 * The reason (who, which route, which permission or rule) goes to the server log, and for
 * critical routes to the audit log as well, never to the client.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from './context.js';
import { markNoStore, sendPage } from './render.js';
import { clientAddress } from './client-address.js';

/** Why a request is refused. `reason` is for logs only. */
export interface Denial {
  kind: 'login' | 'forbidden' | 'reauth';
  reason: string;
}

/** How to refuse. */
export interface DenyOptions {
  /** Write the decision to the audit log (critical routes). */
  audit?: boolean;
}

/** `next` values longer than this are left off: they would be refused on the way back anyway. */
const MAX_NEXT_LENGTH = 2000;

/** Quality of `type` in an Accept header (0 when absent), ignoring wildcards. */
function quality(accept: string, type: string): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().toLowerCase().split(';');
    if (media?.trim() !== type) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number.parseFloat(v);
    }
    if (Number.isFinite(q) && q > best) best = q;
  }
  return best;
}

/** True when the client prefers JSON to HTML (an API client or a script). */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (typeof accept !== 'string' || accept.length === 0 || accept.length > 1000) return false;
  const json = quality(accept, 'application/json');
  return json > 0 && json > quality(accept, 'text/html');
}

/** `?next=/path/` in Django's spelling: slashes left readable, everything else encoded. */
export function withNext(url: string, next: string): string {
  if (next.length > MAX_NEXT_LENGTH) return url;
  let encoded: string;
  try {
    encoded = encodeURIComponent(next).replace(/%2F/gi, '/');
  } catch {
    return url;
  }
  return `${url}${url.includes('?') ? '&' : '?'}next=${encoded}`;
}

/** `GET /invoices/` — the route pattern, not the concrete URL, so logs group by route. */
export function routeLabel(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}

function who(request: FastifyRequest): { user: string | null; userId: number | null } {
  const user = request.user;
  return user?.isAuthenticated ? { user: user.username, userId: user.id } : { user: null, userId: null };
}

/** Who and where, for a denial log line. */
export interface DenialLogFields {
  /** The username, or null for a visitor who is not logged in (then `anonymous` is true). */
  user: string | null;
  userId: number | null;
  anonymous: boolean;
  /** The client address as Fastify resolved it (see the proxy-trust notes in docs/deploying.md). */
  ip: string;
  /** `POST /payouts/:id/approve/`: the route pattern, so ids and tokens in the URL stay out. */
  route: string;
}

/**
 * The fields every denial line carries (the bad-Host 400, CSRF failures, guard denials), so a
 * person reading the log can tell who was refused where. Nothing secret: no cookie, token,
 * password or query string.
 */
export function denialLogFields(request: FastifyRequest): DenialLogFields {
  const { user, userId } = who(request);
  return { user, userId, anonymous: user === null, ip: clientAddress(request), route: routeLabel(request) };
}

/** Records an access decision on a critical route. */
export async function auditDecision(request: FastifyRequest, allowed: boolean, reason: string): Promise<void> {
  const gatehouse = contextOf(request).gatehouse;
  await gatehouse.audit.record({
    actor: who(request).user,
    action: allowed ? 'access.allowed' : 'access.denied',
    target: routeLabel(request),
    ip: clientAddress(request),
    // The path names what was acted on; the query string is left out (it may carry a token).
    data: { url: (request.url.split('?')[0] ?? '').slice(0, MAX_NEXT_LENGTH), ...(allowed ? {} : { reason }) },
  });
}

/** Sends the denial response, logging (and auditing, if asked) the reason. */
export async function deny(request: FastifyRequest, reply: FastifyReply, denial: Denial, options: DenyOptions = {}): Promise<FastifyReply> {
  const context = contextOf(request);
  const entry = { gatehouse: { decision: 'deny', kind: denial.kind, ...denialLogFields(request), reason: denial.reason } };
  if (denial.kind === 'forbidden') request.log.warn(entry, 'access denied');
  else request.log.info(entry, 'access denied');
  if (options.audit) await auditDecision(request, false, denial.reason);

  markNoStore(request);
  const json = wantsJson(request);
  if (denial.kind === 'forbidden') {
    if (json) return reply.code(403).send({ error: 'forbidden', message: 'You do not have permission to do this.' });
    return sendPage(request, reply, '403.html', 'Access denied', {}, 403);
  }
  if (denial.kind === 'reauth') {
    if (json) return reply.code(401).send({ error: 'reauthentication_required', message: 'Confirm your password to continue.', reauthUrl: context.urls.reauth });
    return reply.redirect(withNext(context.urls.reauth, request.url), 302);
  }
  const loginUrl = context.gatehouse.config.loginUrl;
  if (json) return reply.code(401).send({ error: 'not_authenticated', message: 'Log in to continue.', loginUrl });
  return reply.redirect(withNext(loginUrl, request.url), 302);
}
