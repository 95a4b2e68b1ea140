/**
 * The access matrix: for each route of the inventory and each role, can a member of that role
 * reach it? Worked out from the role's permissions alone: public routes are open to all,
 * authenticated ones to any role, permission routes to roles holding every permission named.
 * Staff and critical routes also need the user's staff flag, which belongs to a user and not to
 * a role, so the best a role can give is "staff only". Object routes are open to roles holding
 * the permissions that grant every object, and otherwise decided per object by their rule;
 * routes with a custom test are decided by it; undeclared routes have no guard at all.
 */
import type { RouteInventoryEntry } from '../core/app-definition.js';

/** The access classes the web adapter declares. */
export type AccessClass = 'public' | 'authenticated' | 'staff' | 'permission' | 'critical' | 'object' | 'test' | 'undeclared' | 'unknown';

/** One cell of the matrix. */
export type Reach = 'yes' | 'no' | 'staff only' | 'per object' | 'custom test' | 'undeclared' | 'unknown';

const CLASSES = ['public', 'authenticated', 'staff', 'permission', 'critical', 'object', 'test', 'undeclared'] as const;

/** A route with its parsed access class. */
export interface RouteRow extends RouteInventoryEntry {
  accessClass: AccessClass;
  recentAuth: number | null;
  rule: string | null;
  csrfExempt: boolean;
}

/** What else a route asks for besides its class: an object rule, recent authentication, no CSRF. */
export function routeNotes(route: RouteRow): string {
  const notes: string[] = [];
  if (route.rule !== null) notes.push(`rule ${route.rule}`);
  if (route.recentAuth !== null) notes.push(`password re-checked within ${route.recentAuth} s`);
  if (route.csrfExempt) notes.push('CSRF exempt');
  return notes.join('; ');
}

/** Columns (`anonymous`, then each role) and one row of cells per route. */
export interface AccessMatrix {
  columns: string[];
  rows: { route: RouteRow; cells: Reach[] }[];
}

/** The class of an access declaration (`critical(billing.approve_payout)` → `critical`). */
function accessClassOf(access: string): AccessClass {
  const head = access.trim().toLowerCase();
  for (const known of CLASSES) {
    if (head === known || head.startsWith(`${known}(`) || head.startsWith(`${known}:`) || head.startsWith(`${known} `)) return known;
  }
  if (head === 'login' || head === 'loginrequired') return 'authenticated';
  return 'unknown';
}

/** Whether members of a role holding `held` reach `route`; `held` null means anonymous. */
function reachOf(route: RouteRow, held: ReadonlySet<string> | null): Reach {
  if (route.accessClass === 'unknown') return 'unknown';
  if (route.accessClass === 'undeclared') return 'undeclared';
  if (route.accessClass === 'test') return 'custom test';
  if (route.accessClass === 'public') return 'yes';
  if (held === null) return 'no';
  const hasAll = route.permissions.every((p) => held.has(p));
  switch (route.accessClass) {
    case 'authenticated':
      return 'yes';
    case 'permission':
      return hasAll ? 'yes' : 'no';
    case 'staff':
      return 'staff only';
    case 'critical':
      return hasAll ? 'staff only' : 'no';
    case 'object':
      return hasAll && route.permissions.length > 0 ? 'yes' : 'per object';
  }
}

/** Sorts the inventory by path, then method, and parses each access class. */
export function routeRows(inventory: readonly RouteInventoryEntry[]): RouteRow[] {
  return inventory
    .map((r) => ({
      method: String(r.method).toUpperCase(),
      url: String(r.url),
      access: String(r.access),
      permissions: [...(r.permissions ?? [])].map(String),
      recentAuth: typeof r.recentAuth === 'number' ? r.recentAuth : null,
      rule: typeof r.rule === 'string' ? r.rule : null,
      csrfExempt: r.csrfExempt === true,
      accessClass: accessClassOf(String(r.access)),
    }))
    .sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url < b.url ? -1 : 1));
}

/** Builds the matrix for the given roles (role name → its permissions). */
export function buildAccessMatrix(routes: readonly RouteRow[], roles: ReadonlyMap<string, ReadonlySet<string>>): AccessMatrix {
  const columns = ['anonymous', ...roles.keys()];
  const holders: (ReadonlySet<string> | null)[] = [null, ...roles.values()];
  return { columns, rows: routes.map((route) => ({ route, cells: holders.map((held) => reachOf(route, held)) })) };
}
