/**
 * The client's address as gatehouse records and counts it: Fastify's `request.ip` (which follows
 * the app's proxy trust) without the port or brackets some proxies add, so `203.0.113.7:51234`
 * and `203.0.113.7` are one client in the throttle, the reset limits, sessions and the audit log.
 * A value that holds no address at all is kept as written (cut to 64 characters) for the record;
 * the counters put every such value in one shared bucket (`addressBucket`).
 */
import type { FastifyRequest } from 'fastify';
import { parseClientAddress } from '../core/throttle.js';

const MAX_RAW_ADDRESS = 64;

/** The client address of `request`, as gatehouse uses it. */
export function clientAddress(request: FastifyRequest): string {
  const raw = request.ip ?? '';
  return parseClientAddress(raw) ?? raw.slice(0, MAX_RAW_ADDRESS);
}
