/**
 * The store conformance suite (`gatehouse/testing`) against every `Stores` gatehouse ships: the
 * in-memory stores, and the SQL stores on SQLite and PostgreSQL. Each test gets a fresh, migrated
 * database (an in-memory SQLite one, or a new PostgreSQL database).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { createMemoryStores, defineStoreConformanceSuite } from '../../src/testing/index.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';

const runner = { describe, it, expect, beforeEach, afterEach };

defineStoreConformanceSuite('memory stores', async ({ emailUnique }) => ({ stores: createMemoryStores({ emailUnique }) }), runner);

for (const db of testDatabases()) {
  defineStoreConformanceSuite(
    `SQL stores on ${db.label}`,
    async ({ emailUnique }) => {
      const fresh = db.kind === 'sqlite' ? { url: 'sqlite::memory:', drop: async () => {} } : await freshDatabaseUrl(db.kind);
      const database = await openDatabase(fresh.url);
      await database.migrate({ emailUnique });
      return {
        stores: database.stores,
        async close() {
          await database.close();
          await fresh.drop();
        },
      };
    },
    runner,
  );
}
