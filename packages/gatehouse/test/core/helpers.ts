/**
 * Shared pieces of the core suites: the seed's apps and roles (CONTRACT.md), and a real gatehouse
 * on a fresh database of each kind, with a manual clock and cheap hasher costs.
 */
import type { ManualClock } from '../../src/core/clock.js';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type DatabaseKind, freshDatabaseUrl } from '../support/databases.js';
import { type SeedPermission, seedApps, seedRoles } from '../support/seed-declarations.js';

// The seed's declarations live in one place for every suite.
export { type SeedPermission, seedApps, seedRoles, staffOpsPermissions } from '../support/seed-declarations.js';

/** A gatehouse set up with the seed's apps and roles on a fresh database; `close()` drops it. */
export async function seedGatehouse(
  kind: DatabaseKind,
  options: { config?: GatehouseConfigInput; clock?: ManualClock; roles?: boolean } = {},
): Promise<TestGatehouse<SeedPermission>> {
  const fresh = await freshDatabaseUrl(kind);
  const test = await createTestGatehouse({
    apps: seedApps,
    ...(options.roles === false ? {} : { roles: seedRoles }),
    databaseUrl: fresh.url,
    ...(options.config ? { config: options.config } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    ...test,
    async close() {
      await test.close();
      await fresh.drop();
    },
  };
}

let counter = 0;

/** A username no other test in this process has used. */
export function freshUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${counter}`;
}

/** A password that passes the default validators. */
export const GOOD_PASSWORD = 'Tr0ub4dor&3-horse';
