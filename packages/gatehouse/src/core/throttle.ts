/**
 * Login throttling: the port the login flow talks to, and the policy every implementation shares.
 *
 * Failures are counted per (account, client address) pair and per client address, never per
 * account alone: a per-account lock would let anyone, from anywhere, lock a victim out by typing
 * wrong passwords for their username. The pair counter stops guessing one account from one place;
 * the address counter stops one place guessing across many accounts (password spraying).
 *
 * An attempt is counted before its password is checked, never after: when the count came after
 * the check, a burst of concurrent wrong passwords was admitted whole while the hashes queued
 * (120 at once verified ~70 passwords against a limit of 5). See `LoginThrottle`.
 *
 * Counter keys are SHA-256 digests (HMAC-SHA-256 when a secret is given), so the limiter's table
 * never holds usernames or addresses in clear. Without a secret an IPv4 digest can be reversed by
 * trying all 2^32 addresses; pass a secret where that matters.
 *
 * This file imports no framework and no driver. `counter-throttle.ts` implements the port over any
 * counter store; `memory-throttle.ts` (one process) and `gatehouse/db` (the app's database) give it
 * counters.
 */
import { createHash, createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** Who is trying to log in, and from where. */
export interface ThrottleKey {
  /** The username as typed; normalised for counting only. */
  username: string;
  /** The client address as the adapter determined it (after trusted-proxy handling). */
  ip: string;
}

/** A refusal: the attempt was not admitted, and may be retried after this many seconds. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * An admitted attempt. Its points are already counted against the pair and the address; the
 * caller verifies the password and then settles the reservation exactly once (later calls do
 * nothing). A reservation never settled simply stays counted, like a failure.
 */
export interface ThrottleReservation {
  readonly allowed: true;
  /**
   * The password was right: clears the pair's count and gives back the address point this attempt
   * reserved, so logging into your own account never costs tries. The address count is otherwise
   * kept, or an attacker could wipe it by logging into an account of their own between guesses.
   */
  succeeded(): Promise<void>;
  /** The password was wrong (or the user unknown): the reservation stays counted as the failure. */
  failed(): Promise<void>;
  /**
   * The password was never verified (e.g. the hash queue was full): gives back both points, since
   * nothing was learnt. Never call it after a verification ran, or guesses would go uncounted.
   */
  release(): Promise<void>;
}

/** What `LoginThrottle.reserve` answers: an admitted attempt, or a refusal with a wait. */
export type ThrottleAdmission = ThrottleReservation | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * The login flow's throttle: an attempt is counted (reserved) BEFORE its password is verified.
 *
 * `reserve` adds one attempt to the pair counter (account + address) and one to the address
 * counter, each in one atomic step of the store, and admits the attempt only if both counters are
 * within their limits after that step. Since the count includes every attempt in flight, a burst
 * of any size is admitted at most `limit` times: there is no window between "may I?" and "count
 * it" for concurrent requests to slip through.
 *
 * - Admitted: the caller verifies the password, then calls `succeeded()` (pair cleared, address
 *   point given back) or `failed()` (stays counted), or `release()` if it never verified.
 * - Blocked: nothing is verified, the points this call added are given back (a blocked attempt
 *   counts nothing, as before; a point on a counter already past its limit may be kept, as it
 *   changes nothing before that window ends), and `retryAfterSeconds` says when the fullest
 *   window ends. Points are given back only while the window they were counted in is still
 *   open, so a give-back can never be credited to the next window.
 *
 * Implementations must keep the policy in this file: never count per account alone, IPv6 by /64,
 * keys hashed (`throttleKeys`).
 */
export interface LoginThrottle {
  /** Counts one attempt for `key`, atomically, and says whether it may verify a password. */
  reserve(key: ThrottleKey): Promise<ThrottleAdmission>;
  /**
   * False for a throttle whose counts live in one process (`createMemoryLoginThrottle`): production
   * refuses it, since each instance and each restart would count from zero. Absent means shared.
   */
  readonly shared?: boolean;
}

/** The two counter keys for one attempt. */
export interface ThrottleKeys {
  /** Counts failures of this account from this address (network). */
  pair: string;
  /** Counts failures from this address (network), whatever the account. */
  address: string;
}

/** Options for `throttleKeys`. */
export interface ThrottleKeyOptions {
  /** Makes the digests keyed (HMAC-SHA-256), so they cannot be reversed by enumerating addresses. */
  secret?: string;
}

/** One counter as a limiter reports it right after counting an attempt. */
export interface CounterReading {
  /** Attempts counted in the current window, the one just reserved included. */
  attempts: number;
  /** Milliseconds until the window ends; zero or less means it has ended. */
  msUntilReset: number;
  /** Attempts allowed in a window. */
  limit: number;
}

/**
 * The username as counted: NFKC (as the user store normalises it) and lower-cased, so `Alice`,
 * `ALICE` and full-width `ａｌｉｃｅ` share one counter instead of each getting its own tries.
 */
export function normalizeThrottleUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

/**
 * The IP address in a client address as a proxy or socket may give it — `203.0.113.7`,
 * `203.0.113.7:51234`, `[2001:db8::1]:443`, `2001:db8::1`, `fe80::1%eth0` — without port,
 * brackets or zone; null when it holds no IP address at all. Some load balancers append
 * `address:port` to X-Forwarded-For: counted as written, every new connection would get fresh
 * throttle counters.
 */
export function parseClientAddress(raw: string): string | null {
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1] !== undefined) text = bracketed[1];
  else {
    const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
    if (withPort?.[1] !== undefined) text = withPort[1];
  }
  text = text.replace(/%.*$/, '');
  if (isIPv4(text)) return text;
  if (isIPv6(text)) return text.toLowerCase();
  return null;
}

/**
 * The network an address is counted under: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address by its /64, ports and brackets dropped (`parseClientAddress`). One subscriber
 * usually holds a whole /64, so counting single IPv6 addresses would hand an attacker 2^64 fresh
 * counters. Anything that is not an address shares one bucket, so made-up values buy nothing.
 */
export function addressBucket(ip: string): string {
  const bare = parseClientAddress(ip);
  if (bare === null) return 'not-an-address';
  if (isIPv4(bare)) return bare;
  const groups = expandIPv6(bare);
  // ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket: count it as that client.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The digests a limiter stores for an attempt. */
export function throttleKeys(key: ThrottleKey, options: ThrottleKeyOptions = {}): ThrottleKeys {
  const username = normalizeThrottleUsername(key.username);
  const address = addressBucket(key.ip);
  // JSON arrays keep the fields apart: no username can be chosen to collide with another pair.
  return {
    pair: digest(JSON.stringify(['pair', username, address]), options.secret),
    address: digest(JSON.stringify(['address', address]), options.secret),
  };
}

/**
 * Turns the readings taken after a reservation into a decision: admitted only if every counter is
 * still within its limit (this attempt included); else blocked for as long as the longest of the
 * exceeded windows has left (at least one second).
 */
export function throttleDecision(readings: readonly CounterReading[]): ThrottleDecision {
  let retryMs = 0;
  for (const reading of readings) {
    if (reading.attempts > reading.limit && reading.msUntilReset > 0) retryMs = Math.max(retryMs, reading.msUntilReset);
  }
  if (retryMs === 0) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
}

function digest(value: string, secret: string | undefined): string {
  return secret === undefined ? createHash('sha256').update(value).digest('hex') : createHmac('sha256', secret).update(value).digest('hex');
}

/** The eight 16-bit groups of a valid IPv6 address (validity checked by the caller). */
function expandIPv6(address: string): number[] {
  let text = address;
  // A trailing dotted IPv4 (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
