/**
 * The client's address as gatehouse records and counts it: what the adapter resolved (following
 * the app's proxy trust) without the port or brackets some proxies add, so `203.0.113.7:51234`
 * and `203.0.113.7` are one client in the throttle, the reset limits, sessions and the audit log.
 * A value that holds no address at all is kept as written (cut to 64 characters) for the record;
 * the counters put every such value in one shared bucket (`addressBucket`).
 */
import { parseClientAddress } from '../core/throttle.js';

const MAX_RAW_ADDRESS = 64;

/** A raw client address, normalised. */
export function normaliseClientAddress(raw: string | undefined): string {
  const value = raw ?? '';
  return parseClientAddress(value) ?? value.slice(0, MAX_RAW_ADDRESS);
}
