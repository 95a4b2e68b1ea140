/**
 * Issue 9, item 13 (core part): production follows NODE_ENV unless the app says otherwise, and an
 * unknown NODE_ENV is said out loud once at start-up: logged by the Fastify plugin (the core has
 * no logger) and printed by the CLI. Vitest runs with NODE_ENV=test, so each case sets and
 * restores it around the start-up.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { createGatehouse } from '../../../src/core/gatehouse.js';
import { openDatabase } from '../../../src/db/connect.js';
import { ensureBuilt, runCli } from '../../cli/helpers.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { type TestApp, buildApp } from '../helpers.js';

const savedNodeEnv = process.env.NODE_ENV;

function restoreNodeEnv(): void {
  if (savedNodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = savedNodeEnv;
}

describe('production follows NODE_ENV', () => {
  afterEach(restoreNodeEnv);

  test('NODE_ENV=production without config.production and without a secret key: the core refuses to start, with a code', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      process.env.NODE_ENV = 'production';
      let caught: unknown;
      try {
        createGatehouse({ stores: database.stores });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).code).toBe('gatehouse.config.secret_key_missing');
      // An explicit production: false wins over the environment (and gets an ephemeral key).
      const dev = createGatehouse({ stores: database.stores, config: { production: false } });
      expect(dev.config.production).toBe(false);
      expect(dev.usesEphemeralSecret).toBe(true);
    } finally {
      restoreNodeEnv();
      await database.close();
    }
  });

  test('NODE_ENV=production with a key: production mode (Secure cookies) without saying so in config', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      process.env.NODE_ENV = 'production';
      const gatehouse = createGatehouse({ stores: database.stores, config: { secretKey: 'a-production-secret-key-0123456789-abcdef' } });
      expect(gatehouse.config.production).toBe(true);
      expect(gatehouse.config.session.cookieSecure).toBe(true);
      expect(gatehouse.config.warnings).toEqual([]);
    } finally {
      restoreNodeEnv();
      await database.close();
    }
  });
});

describe.each(testDatabases())('an unknown NODE_ENV is warned about at start-up, on $label', ({ kind }) => {
  let fresh: FreshDatabase | undefined;
  let h: TestApp | undefined;

  afterEach(async () => {
    restoreNodeEnv();
    await h?.close();
    await fresh?.drop();
    h = undefined;
    fresh = undefined;
  });

  test('the Fastify plugin logs it once, as a warning with its code', async () => {
    fresh = await freshDatabaseUrl(kind);
    process.env.NODE_ENV = 'staging';
    h = await buildApp({ databaseUrl: fresh.url });
    restoreNodeEnv();
    const warnings = h.logs.filter((entry) => entry.code === 'gatehouse.config.unknown_node_env');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(warnings[0]!.msg).toContain('"staging"');
    expect(warnings[0]!.msg).toContain('development mode');
    expect(h.t.gatehouse.config.production).toBe(false);
  });

  test('nothing is logged for NODE_ENV=test', async () => {
    fresh = await freshDatabaseUrl(kind);
    h = await buildApp({ databaseUrl: fresh.url });
    expect(h.logs.filter((entry) => entry.code === 'gatehouse.config.unknown_node_env')).toEqual([]);
  });
});

describe('the CLI prints the warning', () => {
  test('gatehouse user list with NODE_ENV=staging says so on stderr, and still works', async () => {
    await ensureBuilt();
    const fresh = await freshDatabaseUrl('sqlite');
    try {
      expect((await runCli(['migrate'], { databaseUrl: fresh.url })).code).toBe(0);
      const result = await runCli(['user', 'list'], { databaseUrl: fresh.url, env: { NODE_ENV: 'staging' } });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: NODE_ENV is "staging"');
      expect(result.stdout).not.toContain('NODE_ENV');
      const quiet = await runCli(['user', 'list'], { databaseUrl: fresh.url, env: { NODE_ENV: 'development' } });
      expect(quiet.stderr).not.toContain('NODE_ENV');
    } finally {
      await fresh.drop();
    }
  });
});
