/**
 * The per-request state the middleware creates (the one `AuthExchange` and what it learnt from
 * the matched routes), found again by the guards, the helpers and the error handlers from the
 * Hono context. Kept beside the context rather than in `c.set(...)`, so it is neither part of the
 * app's typed variables nor reachable by a string key an app might reuse.
 */
import type { Context } from 'hono';
import type { AuthExchange } from '../http/exchange.js';
import type { GuardPart } from './parts.js';
import type { ChainPlan } from './route-table.js';

/** What one request carries. */
export interface HonoRequestState {
  readonly exchange: AuthExchange;
  readonly plan: ChainPlan;
  /**
   * Guards already enforced: the route's own, by the middleware before any of the app's code,
   * then any a fall-through reached (they enforce themselves and are added here).
   */
  readonly enforced: GuardPart[];
  /** gatehouse's `onError` answered an error of this request. */
  errorHandled: boolean;
}

const states = new WeakMap<Context, HonoRequestState>();

/** Attaches the state to the request's context. */
export function attachState(c: Context, state: HonoRequestState): void {
  states.set(c, state);
}

/** The state, if the middleware ran for this request. */
export function findState(c: Context): HonoRequestState | undefined {
  return states.get(c);
}

/** The state; throws when the middleware did not run (it was not registered before the route). */
export function stateOf(c: Context): HonoRequestState {
  const state = states.get(c);
  if (!state) {
    throw new Error("gatehouse: the gatehouse middleware did not run for this request; register it first: app.use('*', gh.middleware).");
  }
  return state;
}

/** The request's exchange (see `stateOf`). */
export function exchangeOf(c: Context): AuthExchange {
  return stateOf(c).exchange;
}
