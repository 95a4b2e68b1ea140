/**
 * A critical route's access decision is audited exactly once, whatever happens after its guard.
 *
 * The guard runs before the body is read, so when it lets a request through the decision is not
 * final yet: the CSRF check comes after the body is parsed. The guard therefore only marks the
 * decision pending, and `settlePendingAudit` writes it, once, from whichever comes first:
 *
 * - the CSRF hook: allowed, or denied with the CSRF failure;
 * - the response (`onSend`): the request never reached the CSRF check — its body was refused
 *   (415), malformed (400), too large (413), or an app hook answered first — so it is written as
 *   denied, "request failed before the CSRF check (415)", since nothing ran on its behalf;
 * - the end of the exchange (`onResponse`), for answers that skipped `onSend` (a hijacked reply);
 * - the client going away before an answer (`onRequestAbort`), e.g. in the middle of its body.
 *
 * The flag is cleared before the write starts, so two of these racing cannot both write.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stateOf } from './context.js';
import { auditDecision } from './denials.js';

/** The guard let the request through before the CSRF check: its decision is written later. */
export function markAuditPending(request: FastifyRequest): void {
  stateOf(request).auditPending = true;
}

/** Writes the pending decision, if there is one; later calls do nothing. */
export async function settlePendingAudit(request: FastifyRequest, allowed: boolean, reason: string): Promise<void> {
  const state = stateOf(request);
  if (!state.auditPending) return;
  state.auditPending = false;
  await auditDecision(request, allowed, allowed ? '' : reason);
}

/** The denial reason for a request answered before its CSRF check. */
export function unsettledReason(reply: FastifyReply): string {
  const status = reply.statusCode;
  return status >= 400 ? `request failed before the CSRF check (${status})` : `request answered before the CSRF check (${status})`;
}

async function settleQuietly(request: FastifyRequest, reason: string): Promise<void> {
  if (!stateOf(request).auditPending) return;
  try {
    await settlePendingAudit(request, false, reason);
  } catch (error) {
    request.log.error({ err: error, gatehouse: { route: `${request.method} ${request.routeOptions.url ?? ''}` } }, 'gatehouse: writing a pending access decision failed');
  }
}

/** onResponse: the last chance, for replies that never passed `onSend`. Never throws. */
export async function settleAfterResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  await settleQuietly(request, unsettledReason(reply));
}

/** onRequestAbort: the client left before any answer. Never throws. */
export async function settleAfterAbort(request: FastifyRequest): Promise<void> {
  await settleQuietly(request, 'client closed the connection before the CSRF check');
}
