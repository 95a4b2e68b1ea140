/** `checkCurrentPassword` on the Fastify request (the HTTP layer's check, behind the login throttle). */
import type { FastifyRequest } from 'fastify';
import { type PasswordCheckOutcome, checkCurrentPassword as checkOn } from '../http/login-attempts.js';
import { requireExchange } from './context.js';

export type { PasswordCheckOutcome } from '../http/login-attempts.js';

/**
 * Checks the logged-in user's password again, behind the login throttle, for app views that ask
 * for it before a sensitive change. Anonymous requests always fail.
 */
export function checkCurrentPassword(request: FastifyRequest, password: string): Promise<PasswordCheckOutcome> {
  return checkOn(requireExchange(request), password);
}
