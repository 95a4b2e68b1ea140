/**
 * `createMemoryStores()`: every port of `core/ports.ts` in this process's memory, with the SQL
 * stores' semantics — uniqueness and cascades, the guarded session insert, the auth-epoch
 * compare-and-set, the authorization versions the permission cache checks, transactions that
 * commit whole or not at all. For tests whose subject is logic, not storage: no database, no
 * migration. The store conformance suite (`defineStoreConformanceSuite`) holds it to the SQL stores.
 */
import type { Stores } from '../../core/ports.js';
import { MemoryApiTokenStore } from './api-tokens.js';
import { MemoryAuditStore } from './audit.js';
import { MemoryGroupStore } from './groups.js';
import { MemoryPermissionStore } from './permissions.js';
import { MemorySessionStore } from './sessions.js';
import { type MemoryScope, MemoryDatabase } from './state.js';
import { MemoryUserStore } from './users.js';

/** Options of `createMemoryStores`. */
export interface MemoryStoresOptions {
  /** Emails unique case-insensitively (empty ones excepted), as `migrate({ emailUnique })` makes them. Default true. */
  emailUnique?: boolean;
}

function storesIn(scope: MemoryScope): Stores {
  const stores: Stores = {
    users: new MemoryUserStore(scope),
    permissions: new MemoryPermissionStore(scope),
    groups: new MemoryGroupStore(scope),
    sessions: new MemorySessionStore(scope),
    audit: new MemoryAuditStore(scope),
    apiTokens: new MemoryApiTokenStore(scope),
    transaction: <T>(fn: (inner: Stores) => Promise<T>): Promise<T> => {
      // Nested: joins the transaction it is in, as the SQL stores do.
      if (scope.working !== null) return fn(stores);
      const { database } = scope;
      return database.exclusive(async () => {
        // The transaction works on a copy and swaps it in only if `fn` resolves: a throw leaves
        // every table as it was.
        const working = structuredClone(database.tables);
        const result = await fn(storesIn({ database, working }));
        database.tables = working;
        return result;
      });
    },
  };
  return stores;
}

/** Every store in memory, empty, as a freshly migrated database. */
export function createMemoryStores(options: MemoryStoresOptions = {}): Stores {
  return storesIn({ database: new MemoryDatabase(options.emailUnique ?? true), working: null });
}
