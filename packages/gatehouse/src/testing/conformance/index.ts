/**
 * The conformance harness (`gatehouse/testing`): one HTTP suite that every framework adapter runs
 * against the same small app. A new adapter proves itself by implementing `ConformanceAdapter` —
 * build `app.routes` with the framework (each route's `access` declared the framework's way, its
 * handler's result written as JSON or HTML), pass `app.options` to the gatehouse integration,
 * listen on 127.0.0.1:0 — and calling the suite from a test file:
 *
 * ```ts
 * import { afterAll, beforeAll, describe, expect, it } from 'vitest';
 * import { defineConformanceSuite } from 'gatehouse/testing';
 * defineConformanceSuite(myAdapter, { describe, it, beforeAll, afterAll, expect });
 * ```
 *
 * It needs `smtp-server` installed (reset mail goes through a real loopback SMTP server).
 */
export { defineConformanceSuite, startConformanceWorld, temporarySqlite } from './suite.js';
export type { RunningConformanceWorld } from './suite.js';
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
