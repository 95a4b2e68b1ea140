/**
 * The store conformance suite: the behaviour `gatehouse/db`'s SQL stores have and the core relies
 * on, as scenarios any `Stores` implementation can be run against — uniqueness and cascades, the
 * guarded session insert, the auth-epoch compare-and-set, the authorization versions behind the
 * permission cache, the audit chain under concurrency, transactions that commit whole or not at all.
 *
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { defineStoreConformanceSuite } from 'gatehouse/testing';
 * defineStoreConformanceSuite('my stores', async () => ({ stores: await openMyStores(), close }), { describe, it, expect, beforeEach, afterEach });
 * ```
 * Every test gets fresh, empty stores from `makeStores`, closed after it.
 */
import type { Stores } from '../../core/ports.js';
import { auditScenarios } from './audit.js';
import { groupScenarios, permissionScenarios } from './permissions.js';
import type { MakeStores, MakeStoresOptions, ScenarioContext, StoreConformanceRunner, StoresUnderTest } from './runner.js';
import { sessionScenarios } from './sessions.js';
import { apiTokenScenarios } from './api-tokens.js';
import { transactionScenarios } from './transactions.js';
import { sharedEmailScenarios, userScenarios } from './users.js';
import { versionScenarios } from './versions.js';

export type { ConformanceExpect, ConformanceMatchers, MakeStores, MakeStoresOptions, StoreConformanceRunner, StoresUnderTest } from './runner.js';

/** Registers one `describe` block whose tests each get fresh stores made with `options`. */
function block(
  runner: StoreConformanceRunner,
  title: string,
  makeStores: MakeStores,
  options: MakeStoresOptions,
  scenarios: (context: ScenarioContext) => void,
): void {
  runner.describe(title, () => {
    let current: StoresUnderTest | null = null;
    runner.beforeEach(async () => {
      current = await makeStores(options);
    });
    runner.afterEach(async () => {
      const done = current;
      current = null;
      await done?.close?.();
    });
    const stores = (): Stores => {
      if (current === null) throw new Error('the stores are made in beforeEach: call stores() inside a test');
      return current.stores;
    };
    scenarios({ it: runner.it, expect: runner.expect, stores });
  });
}

/**
 * Registers the suite under `describe(name)`: users, shared emails, permissions, groups,
 * sessions, API tokens, authorization versions, audit and transactions.
 */
export function defineStoreConformanceSuite(name: string, makeStores: MakeStores, runner: StoreConformanceRunner): void {
  runner.describe(name, () => {
    const unique = { emailUnique: true };
    block(runner, 'UserStore', makeStores, unique, userScenarios);
    block(runner, 'UserStore without unique emails', makeStores, { emailUnique: false }, sharedEmailScenarios);
    block(runner, 'PermissionStore', makeStores, unique, permissionScenarios);
    block(runner, 'GroupStore', makeStores, unique, groupScenarios);
    block(runner, 'SessionStore', makeStores, unique, sessionScenarios);
    block(runner, 'ApiTokenStore', makeStores, unique, apiTokenScenarios);
    block(runner, 'authorization versions', makeStores, unique, versionScenarios);
    block(runner, 'AuditStore', makeStores, unique, auditScenarios);
    block(runner, 'Stores.transaction', makeStores, unique, transactionScenarios);
  });
}
