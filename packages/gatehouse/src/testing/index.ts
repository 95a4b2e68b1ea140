/**
 * `gatehouse/testing`: what an app's own tests need — a real gatehouse on a throwaway database
 * (`createTestGatehouse`), users with roles in one call (`t.createUser`), and a logged-in client
 * for Fastify's `inject` (`testClient`). Never use these settings in production.
 */
export { createTestGatehouse, fastHasherSettings } from './test-gatehouse.js';
export type { TestGatehouse, TestGatehouseOptions } from './test-gatehouse.js';
export { createUserWithRoles, TEST_PASSWORD } from './create-user.js';
export type { TestUserOptions } from './create-user.js';
export { testClient } from './test-client.js';
export type { TestClient, TestClientOptions, TestRequestOptions, TestResponse } from './test-client.js';
export { CookieJar } from './cookie-jar.js';
export type { ResponseCookie } from './cookie-jar.js';
export {
  defineConformanceSuite,
  startConformanceWorld,
  temporarySqlite,
  ConformanceClient,
  rawRequest,
  ACCEPT_HTML,
  ACCEPT_JSON,
  CONFORMANCE_GROUPS,
  CONFORMANCE_USERS,
  CONFORMANCE_PASSWORD,
  conformanceApps,
  conformanceRoles,
  orderRule,
} from './conformance/index.js';
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
  ConformanceAppState,
  ConformanceOrder,
  ConformancePermission,
  ConformanceUsername,
  ClientResponse,
  ClientRequestOptions,
  RawRequestOptions,
  ConformanceScenario,
  ConformanceScenarioGroup,
  ConformanceWorld,
  RunningConformanceWorld,
} from './conformance/index.js';
