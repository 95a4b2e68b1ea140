/**
 * What gatehouse keeps on one Express request: the request's `AuthExchange` (created by the
 * middleware, in that one place), the request view it was opened with, the route resolved before
 * routing, and whether the CSRF check has run. Guards and helpers find it here; a request that
 * never passed the middleware has none, which is a configuration error, not an open door.
 */
import type { Request } from 'express';
import { ConfigError } from '../core/errors.js';
import type { AuthExchange } from '../http/exchange.js';
import type { ExpressHttpRequest } from './request-view.js';
import type { ResolvedRoute } from './route-resolve.js';

/** One request's gatehouse state. */
export interface ExpressRequestState {
  readonly exchange: AuthExchange;
  readonly view: ExpressHttpRequest;
  /** The route found before routing, or null (no route matched: Express will answer 404). */
  readonly resolved: ResolvedRoute | null;
  /** The CSRF check has run (in the middleware, or in the first guard). */
  csrfChecked: boolean;
  /** The body was read (or there was none to read). */
  bodyRead: boolean;
}

const kState = Symbol('gatehouse.express.state');

type Holder = { [kState]?: ExpressRequestState };

/** Attaches `state` to `req`. */
export function attachState(req: Request, state: ExpressRequestState): void {
  (req as unknown as Holder)[kState] = state;
}

/** The state of a request that passed the middleware, or undefined. */
export function findState(req: Request): ExpressRequestState | undefined {
  return (req as unknown as Holder)[kState];
}

/** The state of `req`; throws when gatehouse's middleware did not run for it. */
export function stateOf(req: Request): ExpressRequestState {
  const state = findState(req);
  if (!state) {
    throw new ConfigError(
      'gatehouse.express.middleware_missing',
      "gatehouse's middleware did not run for this request: app.use(gh.middleware) must come before every route and router.",
    );
  }
  return state;
}
