/**
 * `defineConformanceSuite(adapter, runner)`: the one suite every adapter passes. For each database
 * engine it makes a fresh database, a gatehouse with the fixture users, a loopback SMTP server, a
 * database throttle and reset counters, starts the adapter's app, and runs every scenario over
 * real HTTP. The expectations are gatehouse's contract (what the Fastify plugin does today).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.js';
import { createRateLimits } from '../../db/rate-limit.js';
import { createLoginThrottle } from '../../db/throttle.js';
import { SmtpMailer } from '../../mail/smtp.js';
import { createTestGatehouse } from '../test-gatehouse.js';
import {
  type ConformanceAppState,
  conformanceApps,
  conformanceGatehouseConfig,
  conformanceOptions,
  conformanceRoles,
  conformanceRoutes,
  seedConformanceUsers,
} from './app.js';
import { CONFORMANCE_GROUPS } from './scenarios/index.js';
import { startLoopbackSmtp } from './smtp.js';
import type { ConformanceAdapter, ConformanceApp, ConformanceDatabase, ConformanceRunner, ConformanceSuiteOptions } from './types.js';
import type { ConformanceWorld } from './world.js';

/** A SQLite file in a new temporary folder: the default engine. */
export const temporarySqlite: ConformanceDatabase = {
  label: 'SQLite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'gh-conformance-'));
    return { url: `sqlite:${join(dir, 'db.sqlite3')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  },
};

/** Set-up can hash a dozen passwords and migrate a PostgreSQL database on a busy machine. */
const SETUP_TIMEOUT_MS = 120_000;
const SCENARIO_TIMEOUT_MS = 60_000;

/** A started world and how to take it down (server first, database last). */
export interface RunningConformanceWorld {
  readonly world: ConformanceWorld;
  close(): Promise<void>;
}

/**
 * Builds everything a run needs on a fresh database of `database` and starts `adapter`'s app:
 * what the suite's `beforeAll` does, usable alone to run single scenarios.
 */
export async function startConformanceWorld(adapter: ConformanceAdapter, database: ConformanceDatabase = temporarySqlite): Promise<RunningConformanceWorld> {
  const teardown: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    // In order: the server first (it may still send mail), the database last.
    for (const step of teardown.splice(0)) await step();
  };
  try {
    const handle = await database.create();
    teardown.unshift(() => handle.drop());
    // The wall clock's time, moved only by scenarios (a stale password check).
    const clock = new ManualClock(Date.now());
    const t = await createTestGatehouse({ apps: conformanceApps, roles: conformanceRoles, databaseUrl: handle.url, clock, config: conformanceGatehouseConfig });
    teardown.unshift(() => t.close());
    const users = await seedConformanceUsers(t.gatehouse);
    const smtp = await startLoopbackSmtp();
    teardown.unshift(() => smtp.close());
    const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
    teardown.unshift(() => throttle.close());
    const rateLimits = await createRateLimits(t.database, t.gatehouse.config.passwordReset);
    teardown.unshift(() => rateLimits.close());
    const mailer = new SmtpMailer({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true, pool: false });
    teardown.unshift(() => mailer.close());
    const state: ConformanceAppState = { approvals: [], changes: 0 };
    const app: ConformanceApp = {
      options: conformanceOptions({ gatehouse: t.gatehouse, mailer, throttle, rateLimits }),
      routes: conformanceRoutes(users, state),
    };
    const server = await adapter.start(app);
    teardown.unshift(() => server.close());
    const world: ConformanceWorld = {
      origin: server.origin.replace(/\/+$/, ''),
      gatehouse: t.gatehouse,
      clock,
      users,
      state,
      smtp,
      siteUrl: app.options.siteUrl,
    };
    return { world, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Registers the suite for `adapter` with the runner's functions (vitest's, Jest's). */
export function defineConformanceSuite(adapter: ConformanceAdapter, runner: ConformanceRunner, options: ConformanceSuiteOptions = {}): void {
  for (const database of options.databases ?? [temporarySqlite]) {
    runner.describe(`${adapter.name} conformance (${database.label})`, () => {
      let running: RunningConformanceWorld | undefined;
      runner.beforeAll(async () => {
        running = await startConformanceWorld(adapter, database);
      }, SETUP_TIMEOUT_MS);
      runner.afterAll(async () => {
        await running?.close();
      }, SETUP_TIMEOUT_MS);

      const current = (): ConformanceWorld => {
        if (running === undefined) throw new Error(`the ${adapter.name} conformance app did not start (see the set-up error above)`);
        return running.world;
      };
      for (const group of CONFORMANCE_GROUPS) {
        runner.describe(group.name, () => {
          for (const scenario of group.scenarios) runner.it(scenario.name, () => scenario.run(current(), runner.expect), SCENARIO_TIMEOUT_MS);
        });
      }
    });
  }
}
