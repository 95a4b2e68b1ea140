/** The repository's test databases (SQLite, and PostgreSQL under `npm test`) as conformance engines. */
import type { ConformanceDatabase } from '../../src/testing/index.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';

/** One engine per entry of `testDatabases()`, each run on a fresh database. */
export function conformanceDatabases(): ConformanceDatabase[] {
  return testDatabases().map((database) => ({ label: database.label, create: () => freshDatabaseUrl(database.kind) }));
}
