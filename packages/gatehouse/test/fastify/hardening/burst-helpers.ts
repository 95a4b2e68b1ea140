/**
 * Helpers for the burst tests: a form's CSRF cookie and token fetched once and reused by many
 * concurrent raw POSTs (as an attacker scripting a burst would), a spy counting the passwords the
 * server really verified, and small timing helpers.
 */
import type { AddressInfo } from 'node:net';
import type { PasswordHashers } from '../../../src/core/hashers/passwords.js';
import type { TestApp } from '../helpers.js';

/** The origin of a listening app. */
export function originOf(h: TestApp): string {
  return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}

/** Cookies and the CSRF token a form page handed out, ready to post with. */
export interface FormTicket {
  cookie: string;
  token: string;
}

/** GETs a form page (with `cookie`, e.g. a logged-in session) and keeps what posting it needs. */
export async function formTicket(origin: string, path: string, cookie = ''): Promise<FormTicket> {
  const res = await fetch(new URL(path, origin), { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) }, redirect: 'manual' });
  const body = await res.text();
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error(`no CSRF token on ${path} (${res.status})`);
  const jar = new Map<string, string>();
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), token };
}

/** What one POST of a burst got back. */
export interface BurstResult {
  status: number;
  retryAfter: string | null;
  location: string | null;
  setsSession: boolean;
  contentType: string;
  body: string;
  ms: number;
}

/** POSTs a form with a ticket; resolves with the answer (never throws on an HTTP status). */
export async function postForm(
  origin: string,
  path: string,
  ticket: FormTicket,
  form: Record<string, string>,
  accept = 'text/html',
  headers: Record<string, string> = {},
): Promise<BurstResult> {
  const started = performance.now();
  const res = await fetch(new URL(path, origin), {
    method: 'POST',
    headers: { accept, cookie: ticket.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ csrfmiddlewaretoken: ticket.token, ...form }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  const body = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    location: res.headers.get('location'),
    setsSession: res.headers.getSetCookie().some((line) => /^sessionid=[^;]+/.test(line)),
    contentType: res.headers.get('content-type') ?? '',
    body,
    ms: performance.now() - started,
  };
}

/** `n` copies of the same POST, all sent at once. */
export function burst(n: number, send: () => Promise<BurstResult>): Promise<BurstResult[]> {
  return Promise.all(Array.from({ length: n }, () => send()));
}

/** Counts by status, e.g. `{ 200: 5, 429: 195 }`. */
export function statusCounts(results: readonly BurstResult[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/**
 * Counts the passwords the server verifies (real checks and dummy checks for unknown users), and
 * can hold every verification at a gate until the test opens it.
 */
export interface VerificationSpy {
  /** Real password checks started. */
  checks: number;
  /** Dummy checks (unknown users) started. */
  dummies: number;
  /** Makes every verification from now on wait until `open()`. */
  close(): void;
  /** Lets held and future verifications through. */
  open(): void;
  /** Resets the counters. */
  reset(): void;
}

/** Wraps `hashers.checkPassword` and `runDummyCheck` of the app's gatehouse. */
export function spyOnVerifications(hashers: PasswordHashers): VerificationSpy {
  const check = hashers.checkPassword.bind(hashers);
  const dummy = hashers.runDummyCheck.bind(hashers);
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => {};
  const spy: VerificationSpy = {
    checks: 0,
    dummies: 0,
    close() {
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
    },
    open() {
      openGate();
      gate = Promise.resolve();
    },
    reset() {
      spy.checks = 0;
      spy.dummies = 0;
    },
  };
  hashers.checkPassword = async (password, encoded) => {
    spy.checks += 1;
    await gate;
    return check(password, encoded);
  };
  hashers.runDummyCheck = async (password) => {
    spy.dummies += 1;
    await gate;
    return dummy(password);
  };
  return spy;
}

/** Resolves once `condition()` holds, polling; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Realistic argon2id costs (RFC 9106's second profile: 19 MiB, two passes), so a hash takes real time. */
export const realisticHasherSettings = { argon2: { memoryCost: 19_456, timeCost: 2, parallelism: 1 } } as const;
