/**
 * `loggedInUser(req)`: the request's user as a logged-in `User`. Express's handler types cannot
 * carry a route's declaration the way Fastify's route config does, so `req.user` is `AnyUser`;
 * on a route whose guard requires a login this narrows it. Should the guard be missing after all,
 * it throws `PermissionDenied` (the login redirect) rather than hand out the anonymous user.
 */
import type { Request } from 'express';
import { PermissionDenied } from '../core/errors.js';
import type { User } from '../core/user.js';

/** `req.user`, logged in; throws `PermissionDenied` for a visitor. */
export function loggedInUser(req: Request): User {
  const user = req.user;
  if (!user?.isAuthenticated) throw new PermissionDenied('not logged in');
  return user;
}
