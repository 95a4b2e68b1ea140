/**
 * Checks several scenarios share: the negotiated denials (login redirect or 401, the 403 page or
 * JSON), that nothing internal leaks, and the fixed strings of gatehouse's pages.
 */
import type { ClientResponse } from '../client.js';
import type { Expect } from '../world.js';

/** What a visitor gets on a route: a status, or `login` (302 to the login page, or 401 JSON). */
export type Outcome = 200 | 403 | 404 | 'login';

/** The message of every failed login, whatever failed. */
export const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

/** Words a denial must not contain: permission names, rule names, reasons, internals. */
export const LEAKS =
  /billing\.|shop\.|approve_payout|view_invoice|export_reports|view_all_orders|missing permission|rule |needs staff|superuser|stack|Error:|at [\w.<>]+ \(|\.(ts|js):\d+/i;

/** A stack trace or a source location in a body. */
export const STACK_TRACE = /\bat [\w.<>$]+ \(|\.(ts|js|mjs|cjs):\d+:\d+|node:internal|Error: /;

/** The 403 JSON every adapter sends. */
export const FORBIDDEN_JSON = { error: 'forbidden', message: 'You do not have permission to do this.' };

/**
 * Checks one response against `outcome` for `path`, as HTML (`json` false) or JSON;
 * `privateAnswer`: the request carried a session the route reads (a 200 is then `private, no-store`).
 */
export function expectOutcome(expect: Expect, res: ClientResponse, outcome: Outcome, path: string, json: boolean, label: string, privateAnswer: boolean): void {
  const what = `${label} ${json ? 'JSON' : 'HTML'} GET ${path}`;
  if (outcome === 'login') {
    expectLogin(expect, res, path, json, what);
    return;
  }
  expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBe(outcome);
  const type = res.headers['content-type'] ?? '';
  if (outcome === 200) {
    // An answer that depends on the session is for this browser only, and never stored.
    if (privateAnswer) expect(res.headers['cache-control'], `${what} cache-control`).toBe('private, no-store');
    return;
  }
  expect(res.headers['cache-control'], `${what} cache-control`).toBe('no-store');
  if (json) {
    expect(type, what).toMatch(/^application\/json/);
    if (outcome === 403) expect(res.json(), what).toEqual(FORBIDDEN_JSON);
    if (outcome === 404) expect(res.json().error, what).toBe('not_found');
  } else {
    expect(type, what).toMatch(/^text\/html/);
    if (outcome === 403) expect(res.body, what).toContain('Access denied');
    if (outcome === 404) expect(res.body, what).toContain('Not found');
  }
  expect(res.body, `${what} leaks`).not.toMatch(LEAKS);
}

/** Anonymous on a restricted route: browsers to the login page with `next`, API clients 401. */
export function expectLogin(expect: Expect, res: ClientResponse, path: string, json: boolean, what: string): void {
  expect(res.headers['cache-control'], `${what} cache-control`).toBe('no-store');
  if (json) {
    expect(res.status, what).toBe(401);
    expect(res.headers['content-type'] ?? '', what).toMatch(/^application\/json/);
    expect(res.json(), what).toEqual({ error: 'not_authenticated', message: 'Log in to continue.', loginUrl: '/accounts/login/' });
  } else {
    expect(res.status, what).toBe(302);
    expect(res.location, what).toBe(`/accounts/login/?next=${path}`);
  }
}

/** A clear client error: 4xx, no stack trace. */
export function expectClientError(expect: Expect, res: ClientResponse, what: string): void {
  expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
  expect(res.body, what).not.toMatch(STACK_TRACE);
}

/** Never a 5xx, never a stack trace. */
export function expectNoServerError(expect: Expect, res: ClientResponse, what: string): void {
  expect(res.status, `${what}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
  expect(res.body, what).not.toMatch(STACK_TRACE);
}

/** The set-cookie line of `name`, if the response sets it. */
export function setCookie(res: ClientResponse, name: string): string | undefined {
  return res.setCookies.find((line) => line.startsWith(`${name}=`));
}

/** True when the response sets a non-empty session cookie. */
export function setsSession(res: ClientResponse): boolean {
  return res.setCookies.some((line) => /^sessionid=[^;]+/.test(line));
}

/** A page without what differs on every render (CSRF tokens). */
export function stablePage(body: string): string {
  return body.replace(/value="[A-Za-z0-9_-]{86}"/g, 'value="TOKEN"');
}
