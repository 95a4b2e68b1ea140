/**
 * One call for the user a test needs: the account, its flags, its roles (groups) and any direct
 * grants, the way an administrator would set them up, so a test reads as its scenario
 * ("a finance approver who is staff") rather than as five calls.
 */
import type { Gatehouse } from '../core/gatehouse.js';
import type { User } from '../core/user.js';

/**
 * The password every test user gets unless the test chooses one: long and random-looking, so it
 * passes any password policy an app configures if a test types it into a form.
 */
export const TEST_PASSWORD = 'Tundra-Quokka-5841-Velvet';

/** What `createUser` takes besides the username. `R`: role names, `P`: permission names. */
export interface TestUserOptions<R extends string = string, P extends string = string> {
  /** Defaults to `TEST_PASSWORD`; `null` makes an unusable password (the account cannot log in). */
  password?: string | null;
  email?: string;
  firstName?: string;
  lastName?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  /** Roles (groups) to join; each must exist, as the declared roles do after `setup()`. */
  roles?: readonly R[];
  /** Permissions granted to the user directly. */
  permissions?: readonly P[];
}

/**
 * Creates a user with flags, roles and direct grants, and returns it reloaded so the snapshot
 * carries everything that was just written. The password is not run through the validators: a
 * test states what it needs, whatever the app's policy.
 */
export async function createUserWithRoles<P extends string, R extends string>(
  gatehouse: Gatehouse<P>,
  username: string,
  options: TestUserOptions<R, P> = {},
): Promise<User> {
  const accounts = gatehouse.accounts;
  let user = await accounts.createUser({
    username,
    password: options.password === undefined ? TEST_PASSWORD : options.password,
    ...(options.email !== undefined ? { email: options.email } : {}),
    ...(options.firstName !== undefined ? { firstName: options.firstName } : {}),
    ...(options.lastName !== undefined ? { lastName: options.lastName } : {}),
    ...(options.isActive !== undefined ? { isActive: options.isActive } : {}),
    ...(options.isStaff !== undefined ? { isStaff: options.isStaff } : {}),
    ...(options.isSuperuser !== undefined ? { isSuperuser: options.isSuperuser } : {}),
  });
  for (const role of options.roles ?? []) await accounts.addToGroup(user, role);
  for (const perm of options.permissions ?? []) await accounts.grantPermission(user, perm);
  user = await accounts.require(user.id);
  return user;
}
