/**
 * The harness has teeth: adapters built wrong in one way each — every route public, the CSRF
 * check off, proxy headers trusted from anyone — fail the scenarios that state that rule, while
 * the real Fastify adapter passes them (fastify.test.ts runs it all).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { publicAccess } from '../../src/fastify/index.js';
import {
  CONFORMANCE_GROUPS,
  type ConformanceAdapter,
  type ConformanceScenario,
  type RunningConformanceWorld,
  startConformanceWorld,
} from '../../src/testing/index.js';
import { createFastifyAdapter, fastifyAdapter } from './adapters/fastify.js';

function scenario(group: string, startsWith: string): ConformanceScenario {
  const found = CONFORMANCE_GROUPS.find((g) => g.name === group)?.scenarios.find((s) => s.name.startsWith(startsWith));
  if (found === undefined) throw new Error(`no scenario "${startsWith}" in "${group}"`);
  return found;
}

describe('the conformance harness catches misbuilt adapters', () => {
  let running: RunningConformanceWorld | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function outcome(adapter: ConformanceAdapter, check: ConformanceScenario): Promise<'passed' | string> {
    running = await startConformanceWorld(adapter);
    try {
      await check.run(running.world, expect);
      return 'passed';
    } catch (error) {
      return (error as Error).message;
    }
  }

  test('an adapter that ignores the access declarations fails the access matrix', async () => {
    const open: ConformanceAdapter = {
      name: 'open',
      start: (app) => fastifyAdapter.start({ ...app, routes: app.routes.map((route) => ({ ...route, access: publicAccess() })) }),
    };
    const check = scenario('access matrix', 'anonymous');
    expect(await outcome(open, check)).toMatch(/anonymous HTML GET \/dashboard\//);
  });

  test('an adapter that skips the CSRF check fails the CSRF scenarios', async () => {
    const unchecked = createFastifyAdapter({ name: 'no-csrf', routeConfig: { csrf: false } });
    expect(await outcome(unchecked, scenario('CSRF', 'no cookie and no token'))).not.toBe('passed');
  });

  test('an adapter that trusts forwarded headers from anyone fails the bad-input scenarios', async () => {
    const trusting = createFastifyAdapter({ name: 'trusting', fastify: { trustProxy: true } });
    expect(await outcome(trusting, scenario('bad input', 'forwarded headers'))).not.toBe('passed');
  });

  test('the real adapter passes the same scenarios', async () => {
    for (const check of [scenario('access matrix', 'anonymous'), scenario('CSRF', 'no cookie and no token'), scenario('bad input', 'forwarded headers')]) {
      expect(await outcome(fastifyAdapter, check), check.name).toBe('passed');
      await running?.close();
      running = undefined;
    }
  });
});
