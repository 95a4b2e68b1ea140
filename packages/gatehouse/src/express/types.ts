/**
 * What gatehouse adds to Express's request type (declaration merging on `Express.Request`):
 * `req.user`, `req.session`, `req.login()`, `req.logout()`, `req.csrfToken()`. Set by the
 * middleware for every request that passes it.
 *
 * Express's handler types cannot follow a route's declaration the way Fastify's route config
 * does, so `req.user` is `AnyUser` everywhere: narrow it with `req.user.isAuthenticated`, or take
 * it with `loggedInUser(req)` on a route whose guard requires a login.
 *
 * The same names as passport's and express-session's declarations: an app uses gatehouse instead
 * of them, and a program that includes their types too does not type-check.
 */
import type { LoadedSession } from '../core/sessions.js';
import type { AnyUser, User } from '../core/user.js';

/** Options of `req.login`. */
export interface RequestLoginOptions {
  /** How the user proved who they are, for the audit log (`model` by default). */
  backend?: string;
}

declare global {
  namespace Express {
    interface Request {
      /** The logged-in user, or the anonymous user: never undefined after gatehouse's middleware. */
      user: AnyUser;
      /** The server-side session, or null when the browser has none. */
      session: LoadedSession | null;
      /**
       * Logs `user` in: a new session id (the old one is deleted, so a planted id is worthless),
       * a new CSRF secret, last login and an audit entry. The cookie goes out with the response.
       */
      login(user: User, options?: RequestLoginOptions): Promise<void>;
      /** Ends the session (if any) and clears the cookie. */
      logout(): Promise<void>;
      /** A CSRF token for a form or a script, masked anew on each call (BREACH). */
      csrfToken(): string;
    }
  }
}
