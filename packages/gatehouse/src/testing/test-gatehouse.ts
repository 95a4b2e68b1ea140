/**
 * `createTestGatehouse`: a real gatehouse on a real database for an app's own tests — an
 * in-memory SQLite by default, migrated and set up, with a manual clock and cheap hasher costs so
 * a suite can create hundreds of users in seconds. Never use these settings in production.
 */
import { ManualClock } from '../core/clock.js';
import type { GatehouseConfigInput } from '../core/config.js';
import { type Gatehouse, type RoleName, createGatehouse } from '../core/gatehouse.js';
import type { AppsDeclaration, PermissionName } from '../core/permissions.js';
import type { RolesDeclaration } from '../core/roles.js';
import type { User } from '../core/user.js';
import { type Database, openDatabase } from '../db/connect.js';
import { type TestUserOptions, createUserWithRoles } from './create-user.js';

/** What `createTestGatehouse` takes. */
export interface TestGatehouseOptions<
  Apps extends AppsDeclaration,
  Roles extends RolesDeclaration<PermissionName<Apps>> = RolesDeclaration<PermissionName<Apps>>,
> {
  apps?: Apps;
  roles?: Roles;
  /** Defaults to `sqlite::memory:`. */
  databaseUrl?: string;
  config?: GatehouseConfigInput;
  clock?: ManualClock;
}

/** A ready gatehouse, its database and clock. Call `close()` when done. */
export interface TestGatehouse<P extends string, R extends string = string> {
  gatehouse: Gatehouse<P, R>;
  database: Database;
  clock: ManualClock;
  /**
   * Creates a user with flags, roles and direct grants in one call:
   * `await t.createUser('fin', { roles: ['Finance Approver'], isStaff: true })`. The password is
   * `TEST_PASSWORD` unless given.
   */
  createUser(username: string, options?: TestUserOptions<R, P>): Promise<User>;
  close(): Promise<void>;
}

/** Cheap argon2 costs: the same code path as production, a fraction of the time. */
export const fastHasherSettings = { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } } as const;

/** Opens and migrates a database, applies permissions and roles, and returns the gatehouse. */
export async function createTestGatehouse<
  const Apps extends AppsDeclaration = Record<never, never>,
  const Roles extends RolesDeclaration<PermissionName<Apps>> = RolesDeclaration<PermissionName<Apps>>,
>(options: TestGatehouseOptions<Apps, Roles> = {}): Promise<TestGatehouse<PermissionName<Apps>, RoleName<Roles>>> {
  const clock = options.clock ?? new ManualClock();
  const database = await openDatabase(options.databaseUrl ?? 'sqlite::memory:');
  const config: GatehouseConfigInput = {
    secretKey: 'test-secret-key-not-for-production',
    passwordHasherSettings: fastHasherSettings,
    ...options.config,
  };
  await database.migrate({ emailUnique: config.emailUnique ?? true });
  const gatehouse = createGatehouse<Apps, Roles>({
    stores: database.stores,
    ...(options.apps ? { apps: options.apps } : {}),
    ...(options.roles ? { roles: options.roles } : {}),
    config,
    clock,
  });
  await gatehouse.setup();
  return {
    gatehouse,
    database,
    clock,
    createUser: (username, userOptions) => createUserWithRoles(gatehouse, username, userOptions),
    close: () => database.close(),
  };
}
