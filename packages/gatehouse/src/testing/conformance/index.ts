/**
 * The conformance harness (`gatehouse/testing`): one HTTP suite that every framework adapter runs
 * against the same small app. A new adapter proves itself by implementing `ConformanceAdapter`
 * and calling `defineConformanceSuite(adapter, { describe, it, beforeAll, afterAll, expect })`.
 */
export { defineConformanceSuite, temporarySqlite } from './suite.js';
export type {
  ConformanceAdapter,
  ConformanceApp,
  ConformanceAssertion,
  ConformanceContext,
  ConformanceDatabase,
  ConformanceDatabaseHandle,
  ConformanceOptions,
  ConformanceResult,
  ConformanceRoute,
  ConformanceRunner,
  ConformanceServer,
  ConformanceSuiteOptions,
} from './types.js';
export { CONFORMANCE_USERS, CONFORMANCE_PASSWORD, conformanceApps, conformanceRoles, orderRule } from './app.js';
export type { ConformanceAppState, ConformanceOrder, ConformancePermission, ConformanceUsername } from './app.js';
export { ConformanceClient, rawRequest, ACCEPT_HTML, ACCEPT_JSON } from './client.js';
export type { ClientResponse, ClientRequestOptions, RawRequestOptions } from './client.js';
export { CONFORMANCE_GROUPS } from './scenarios/index.js';
export type { ConformanceScenario, ConformanceScenarioGroup, ConformanceWorld } from './world.js';
