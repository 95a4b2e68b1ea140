/**
 * Roles kept in code. A role is a group with a fixed set of permissions; `planRoles` diffs the
 * code against the database and `applyRoles` makes the database match in one transaction.
 * Keeping roles here (and applying them in `migrate`) is what stops "works on staging" drift.
 */
import { ConfigError } from './errors.js';
import type { Stores } from './ports.js';

/** Every declared permission, for roles like Admin. */
export const ALL_PERMISSIONS = '*';

/** Role name → its permissions, or `ALL_PERMISSIONS`. */
export type RolesDeclaration<P extends string = string> = Readonly<Record<string, readonly P[] | typeof ALL_PERMISSIONS>>;

/**
 * Declares roles. Called without a type argument it keeps the role names, so
 * `gatehouse.accounts.addToGroup(user, 'Finanse')` fails to compile; `defineRoles<Perm>({...})`
 * checks the permissions at once but forgets the names (createGatehouse checks permissions anyway).
 */
export function defineRoles<P extends string = string, const R extends RolesDeclaration<P> = RolesDeclaration<P>>(roles: R): R {
  for (const name of Object.keys(roles)) {
    if (name.trim() === '' || name.length > 150) {
      throw new ConfigError('gatehouse.config.invalid_role', `Role name "${name}" must be 1 to 150 characters.`);
    }
  }
  return roles;
}

/** One role's difference between code and database. */
export interface RoleDrift {
  role: string;
  /** The group does not exist yet. */
  missingGroup: boolean;
  /** In code, not granted in the database. */
  missingPermissions: string[];
  /** Granted in the database, not in code (removed only with `prune`). */
  extraPermissions: string[];
}

/** The whole difference; `inSync` when there is nothing to do. */
export interface RolePlan {
  inSync: boolean;
  drift: RoleDrift[];
  /** Groups in the database that no role declares (left alone; reported for review). */
  undeclaredGroups: string[];
}

/** Expands `ALL_PERMISSIONS` and checks every name is declared. */
function expand(roles: RolesDeclaration, declared: readonly string[]): Map<string, string[]> {
  const known = new Set(declared);
  const out = new Map<string, string[]>();
  for (const [role, perms] of Object.entries(roles)) {
    const list = perms === ALL_PERMISSIONS ? [...declared] : [...new Set(perms)];
    for (const p of list) {
      if (!known.has(p)) {
        throw new ConfigError('gatehouse.config.unknown_permission_in_role', `Role "${role}" names "${p}", which no app declares.`);
      }
    }
    out.set(role, list.sort());
  }
  return out;
}

/** Compares the declared roles with the database. Reads only. */
export async function planRoles(stores: Stores, roles: RolesDeclaration, declaredPermissions: readonly string[]): Promise<RolePlan> {
  const wanted = expand(roles, declaredPermissions);
  const actual = await stores.groups.permissionsByGroup();
  const drift: RoleDrift[] = [];
  for (const [role, perms] of wanted) {
    const have = actual.get(role);
    const haveSet = new Set(have ?? []);
    const wantSet = new Set(perms);
    const entry: RoleDrift = {
      role,
      missingGroup: have === undefined,
      missingPermissions: perms.filter((p) => !haveSet.has(p)),
      extraPermissions: [...haveSet].filter((p) => !wantSet.has(p)).sort(),
    };
    if (entry.missingGroup || entry.missingPermissions.length > 0 || entry.extraPermissions.length > 0) drift.push(entry);
  }
  const undeclaredGroups = [...actual.keys()].filter((g) => !wanted.has(g)).sort();
  return { inSync: drift.length === 0, drift, undeclaredGroups };
}

/** What `applyRoles` changed. */
export interface RoleApplyResult {
  createdGroups: string[];
  granted: { role: string; permissions: string[] }[];
  revoked: { role: string; permissions: string[] }[];
}

/**
 * Makes the database match the declaration, in one transaction: creates missing groups, grants
 * missing permissions and, with `prune`, revokes extra ones. Running it twice changes nothing the
 * second time. Permissions must already be synced (`migrate` does that first).
 */
export async function applyRoles(
  stores: Stores,
  roles: RolesDeclaration,
  declaredPermissions: readonly string[],
  options: { prune?: boolean } = {},
): Promise<RoleApplyResult> {
  return stores.transaction(async (tx) => {
    const plan = await planRoles(tx, roles, declaredPermissions);
    const result: RoleApplyResult = { createdGroups: [], granted: [], revoked: [] };
    for (const d of plan.drift) {
      const group = (await tx.groups.getByName(d.role)) ?? (await tx.groups.create(d.role));
      if (d.missingGroup) result.createdGroups.push(d.role);
      if (d.missingPermissions.length > 0) {
        await tx.groups.addPermissions(group.id, d.missingPermissions);
        result.granted.push({ role: d.role, permissions: d.missingPermissions });
      }
      if (options.prune && d.extraPermissions.length > 0) {
        await tx.groups.removePermissions(group.id, d.extraPermissions);
        result.revoked.push({ role: d.role, permissions: d.extraPermissions });
      }
    }
    return result;
  });
}

/** A plan as a readable diff, one line per change (`+` grant, `-` revoke, `!` extra kept). */
export function formatRolePlan(plan: RolePlan, options: { prune?: boolean } = {}): string {
  if (plan.inSync) return 'Roles are in sync with the database.';
  const lines: string[] = [];
  for (const d of plan.drift) {
    lines.push(d.missingGroup ? `+ role ${d.role} (new group)` : `~ role ${d.role}`);
    for (const p of d.missingPermissions) lines.push(`    + ${p}`);
    for (const p of d.extraPermissions) lines.push(options.prune ? `    - ${p}` : `    ! ${p} (granted in the database, not in code; --prune removes it)`);
  }
  for (const g of plan.undeclaredGroups) lines.push(`? group ${g} exists in the database but no role declares it`);
  return lines.join('\n');
}
