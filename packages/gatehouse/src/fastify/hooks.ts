/**
 * The plugin's request hooks, in the order a request meets them:
 *
 * - `onRequest`: the Host and protocol check (request-origin.ts), then load the session and set
 *   `request.user`;
 * - `preValidation`: the CSRF check on unsafe methods (the body is parsed by then, so the form
 *   field can be read, and nothing has run yet that could change anything);
 * - `onSend`: a critical decision still pending is written as denied (pending-audit.ts), then
 *   cookies, cache headers, and the object-rule safety net.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stateOf } from './context.js';
import { checkCsrf, isCsrfExempt, isSafeMethod, writeCsrfCookie } from './csrf.js';
import { denialLogFields, routeLabel, wantsJson } from './denials.js';
import { settlePendingAudit, unsettledReason } from './pending-audit.js';
import { markNoStore, sendPage } from './render.js';
import { deferSession, loadSession, writeSessionCookie } from './session-cookie.js';

/** onRequest. */
export async function sessionHook(request: FastifyRequest): Promise<void> {
  const state = stateOf(request);
  const access = request.routeOptions.config?.access;
  if (access?.kind === 'public' && access.session === false) {
    // The route said it never reads the user: no session query (a health check with a cookie
    // costs what one without does). Anything that does need the session loads it first.
    state.sessionDeferred = true;
    deferSession(request);
    return;
  }
  await loadSession(request);
}

/** preValidation. */
export async function csrfHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const state = stateOf(request);
  state.csrfChecked = true;
  const exempt = isSafeMethod(request.method) || request.is404 || isCsrfExempt(request);
  const failure = exempt ? null : checkCsrf(request);
  await settlePendingAudit(request, failure === null, `csrf ${failure}`);
  if (failure === null) return undefined;
  request.log.warn({ gatehouse: { decision: 'deny', kind: 'csrf', ...denialLogFields(request), reason: failure } }, 'CSRF check failed');
  markNoStore(request);
  if (wantsJson(request)) return reply.code(403).send({ error: 'csrf_failed', message: 'The form has expired. Reload the page and try again.' });
  return sendPage(request, reply, 'csrf_failure.html', 'Form expired', {}, 403);
}

/** onSend. */
export async function responseHook(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const state = stateOf(request);
  // The request was answered without reaching the CSRF check: nothing ran, so it was refused.
  if (state.auditPending) await settlePendingAudit(request, false, unsettledReason(reply));
  let body = payload;
  if (request.routeOptions.config?.access?.kind === 'object' && reply.statusCode < 300 && !state.objectChecked) {
    // Fail closed: the route promised an object check and answered without one.
    request.log.error({ gatehouse: { route: routeLabel(request) } }, 'gatehouse: objectRule route answered without authorizeObject()');
    reply.code(500).type('text/plain; charset=utf-8');
    body = 'Server error.';
  }
  writeSessionCookie(request, reply);
  writeCsrfCookie(request, reply);
  // Pages for a logged-in user must not land in a shared cache; the app may set its own policy.
  if (state.noStore) reply.header('Cache-Control', 'no-store');
  else if (request.user?.isAuthenticated && !reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'private, no-store');
  if (state.session || state.sessionCookie !== 'keep') {
    const vary = reply.getHeader('Vary');
    if (!vary) reply.header('Vary', 'Cookie');
    else if (!String(vary).toLowerCase().includes('cookie')) reply.header('Vary', `${String(vary)}, Cookie`);
  }
  return body;
}
