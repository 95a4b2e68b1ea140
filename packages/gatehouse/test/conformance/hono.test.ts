/** The conformance suite against gatehouse/hono (served by @hono/node-server), on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '../../src/testing/index.js';
import { honoAdapter } from './adapters/hono.js';
import { conformanceDatabases } from './databases.js';

defineConformanceSuite(honoAdapter, { describe, it, beforeAll, afterAll, expect }, { databases: conformanceDatabases() });
