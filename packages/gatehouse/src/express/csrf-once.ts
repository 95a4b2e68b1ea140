/**
 * The CSRF check of one request, run once: by the route's first guard after access is decided,
 * or by the middleware when no guard will run first. The body is read first for unsafe methods
 * (the token may be a form field), except on exempt routes, whose raw body is the app's (a
 * signed webhook verifies its own signature over it).
 */
import type { Request } from 'express';
import { isSafeMethod } from '../http/csrf.js';
import type { HttpResponse } from '../http/response.js';
import { type BodyRules, ensureBody } from './request-body.js';
import type { ExpressRequestState } from './request-state.js';

/**
 * Null to go on, else the 403 to send. The check counts as done only once it has run: if reading
 * the body fails and an error handler of the app passes the request on regardless, the next
 * guard checks again (and finds no token).
 */
export async function checkCsrfOnce(req: Request, state: ExpressRequestState, exempt: boolean, body: BodyRules = {}): Promise<HttpResponse | null> {
  if (!exempt && !isSafeMethod(req.method)) await ensureBody(req, state, body);
  const refusal = await state.exchange.checkCsrf(exempt);
  state.csrfChecked = true;
  return refusal;
}
