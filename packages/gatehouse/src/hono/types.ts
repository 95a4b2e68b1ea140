/**
 * What gatehouse/hono adds to Hono's types: the request's user and session as context variables
 * (`c.get('user')`, `c.var.session`), typed through Hono's `Env`:
 *
 * ```ts
 * const app = new Hono<GatehouseEnv>();
 * app.get('/me/', access(authenticated()), (c) => c.json({ id: c.get('user').id }));
 * ```
 *
 * On a route whose `access(...)` needs a logged-in user, the handler's `c.get('user')` is a
 * `User`: the guard's own type carries it into the handler (Hono merges a middleware's `Env`).
 */
import type { LoadedSession } from '../core/sessions.js';
import type { AnyUser, User } from '../core/user.js';

/** The context variables the middleware sets. */
export interface GatehouseVariables {
  /** The logged-in user, or the anonymous user: never missing once the middleware ran. */
  user: AnyUser;
  /** The server-side session, or null when the browser has none. */
  session: LoadedSession | null;
}

/** `new Hono<GatehouseEnv>()`: an app whose context carries gatehouse's variables. */
export interface GatehouseEnv {
  Variables: GatehouseVariables;
}

/** The variables after a guard that requires a logged-in user. */
export interface AuthenticatedVariables {
  user: User;
  session: LoadedSession | null;
}

/** The `Env` a restricted guard hands to the handlers after it. */
export interface AuthenticatedEnv {
  Variables: AuthenticatedVariables;
}
