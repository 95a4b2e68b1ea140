/**
 * What a scenario works with: the running app's origin, the gatehouse behind it (to read the audit
 * log and move the clock), the fixture users, what the handlers changed, the SMTP server, and
 * clients. A scenario is a name and a function of the world; the suite turns each into a test.
 */
import type { AuditEntry } from '../../core/ports.js';
import type { ManualClock } from '../../core/clock.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import type { User } from '../../core/user.js';
import type { ConformanceAppState, ConformancePermission, ConformanceUsername } from './app.js';
import { ACCEPT_HTML, ACCEPT_JSON, ConformanceClient } from './client.js';
import type { LoopbackSmtp } from './smtp.js';
import type { ConformanceRunner } from './types.js';

/** The running app and everything around it. */
export interface ConformanceWorld {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly gatehouse: Gatehouse<ConformancePermission>;
  /** The gatehouse's clock: scenarios move it to make a password check stale. */
  readonly clock: ManualClock;
  readonly users: Readonly<Record<ConformanceUsername, User>>;
  readonly state: ConformanceAppState;
  readonly smtp: LoopbackSmtp;
  /** The `siteUrl` the app was given (links in mail start with it). */
  readonly siteUrl: string;
}

/** The runner's `expect`. */
export type Expect = ConformanceRunner['expect'];

/** One scenario: a test of the suite. */
export interface ConformanceScenario {
  readonly name: string;
  run(world: ConformanceWorld, expect: Expect): Promise<void>;
}

/** Scenarios about one subject, run in order. */
export interface ConformanceScenarioGroup {
  readonly name: string;
  readonly scenarios: readonly ConformanceScenario[];
}

/** An anonymous browser (navigations accept HTML). */
export function browser(world: ConformanceWorld): ConformanceClient {
  return new ConformanceClient(world.origin, ACCEPT_HTML);
}

/** An anonymous API client (accepts JSON). */
export function apiClient(world: ConformanceWorld): ConformanceClient {
  return new ConformanceClient(world.origin, ACCEPT_JSON);
}

/** A client logged in as `username` through the login form (a fresh password check). */
export async function loggedIn(
  world: ConformanceWorld,
  username: ConformanceUsername,
  password: string,
  accept: string = ACCEPT_HTML,
): Promise<ConformanceClient> {
  // The form is a page: log in as a browser would, then go on with the client's own Accept.
  const page = new ConformanceClient(world.origin, ACCEPT_HTML);
  await page.login(username, password);
  return page.clone(accept);
}

/** Audit entries newer than `afterSeq`, oldest first. */
export async function auditSince(world: ConformanceWorld, afterSeq: number): Promise<AuditEntry[]> {
  const entries = await world.gatehouse.audit.list({ limit: 1000 });
  return entries.filter((e) => e.seq > afterSeq).sort((a, b) => a.seq - b.seq);
}

/** The newest audit entry's sequence number (0 when the log is empty). */
export async function lastAuditSeq(world: ConformanceWorld): Promise<number> {
  const [newest] = await world.gatehouse.audit.list({ limit: 1 });
  return newest?.seq ?? 0;
}
