/** The conformance suite against gatehouse/express, on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '../../src/testing/index.js';
import { expressAdapter } from './adapters/express.js';
import { conformanceDatabases } from './databases.js';

defineConformanceSuite(expressAdapter, { describe, it, beforeAll, afterAll, expect }, { databases: conformanceDatabases() });
