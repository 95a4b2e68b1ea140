/** The conformance suite against the Fastify plugin, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '../../src/testing/index.js';
import { fastifyAdapter } from './adapters/fastify.js';
import { conformanceDatabases } from './databases.js';

defineConformanceSuite(fastifyAdapter, { describe, it, beforeAll, afterAll, expect }, { databases: conformanceDatabases() });
