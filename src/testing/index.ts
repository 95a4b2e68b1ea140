/**
 * `gatehouse/testing`: a real gatehouse on a real database for an app's own tests — an in-memory
 * SQLite by default, migrated and set up, with a manual clock and cheap hasher costs so a suite
 * can create hundreds of users in seconds. Never use these settings in production.
 */
import { ManualClock } from '../core/clock.js';
import type { GatehouseConfigInput } from '../core/config.js';
import { type Gatehouse, createGatehouse } from '../core/gatehouse.js';
import type { AppsDeclaration, PermissionName } from '../core/permissions.js';
import type { RolesDeclaration } from '../core/roles.js';
import { type Database, openDatabase } from '../db/connect.js';

/** What `createTestGatehouse` takes. */
export interface TestGatehouseOptions<Apps extends AppsDeclaration> {
  apps?: Apps;
  roles?: RolesDeclaration<PermissionName<Apps>>;
  /** Defaults to `sqlite::memory:`. */
  databaseUrl?: string;
  config?: GatehouseConfigInput;
  clock?: ManualClock;
}

/** A ready gatehouse, its database and clock. Call `close()` when done. */
export interface TestGatehouse<P extends string> {
  gatehouse: Gatehouse<P>;
  database: Database;
  clock: ManualClock;
  close(): Promise<void>;
}

/** Cheap argon2 costs: the same code path as production, a fraction of the time. */
export const fastHasherSettings = { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } } as const;

/** Opens and migrates a database, applies permissions and roles, and returns the gatehouse. */
export async function createTestGatehouse<const Apps extends AppsDeclaration = Record<never, never>>(
  options: TestGatehouseOptions<Apps> = {},
): Promise<TestGatehouse<PermissionName<Apps>>> {
  const clock = options.clock ?? new ManualClock();
  const database = await openDatabase(options.databaseUrl ?? 'sqlite::memory:');
  const config: GatehouseConfigInput = {
    secretKey: 'test-secret-key-not-for-production',
    passwordHasherSettings: fastHasherSettings,
    ...options.config,
  };
  await database.migrate({ emailUnique: config.emailUnique ?? true });
  const gatehouse = createGatehouse<Apps>({
    stores: database.stores,
    ...(options.apps ? { apps: options.apps } : {}),
    ...(options.roles ? { roles: options.roles } : {}),
    config,
    clock,
  });
  await gatehouse.setup();
  return { gatehouse, database, clock, close: () => database.close() };
}
