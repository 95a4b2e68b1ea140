/**
 * The access matrix as a page: the routes of the adapter's inventory × the groups (roles kept in
 * code first), worked out as `gatehouse routes --matrix` does (src/cli/access-matrix.ts).
 */
import { buildAccessMatrix, routeNotes, routeRows } from '../../cli/access-matrix.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';

/** GET `/matrix/`. */
export async function matrixView(request: AdminRequest): Promise<HttpResponse> {
  const plan = await request.gatehouse.planRoles();
  const byGroup = await request.gatehouse.stores.groups.permissionsByGroup();
  const roles = new Map<string, ReadonlySet<string>>();
  const undeclared = new Set(plan.undeclaredGroups);
  for (const [name, perms] of byGroup) if (!undeclared.has(name)) roles.set(name, new Set(perms));
  for (const [name, perms] of byGroup) if (undeclared.has(name)) roles.set(name, new Set(perms));
  // The admin's own routes are declared staffOnly() and check their model permission inside:
  // worked out here as what they are, staff AND that permission (a role gives "staff only" or no).
  const labels = new Map<string, string>();
  const inventory = request.settings.routes().map((r) => {
    const need = request.settings.requirements.get(`${r.method} ${r.url}`);
    if (!need || need.perms.length === 0) return { ...r, access: r.permissions.length > 0 ? `${r.access}(${r.permissions.join(', ')})` : r.access };
    labels.set(`${r.method} ${r.url}`, `staff + ${need.perms.join(', ')}`);
    return {
      ...r,
      access: `critical(${need.perms.join(', ')})`,
      permissions: [...need.perms],
      recentAuth: need.recentAuth ? request.gatehouse.config.reauthMaxAge : r.recentAuth,
    };
  });
  const matrix = buildAccessMatrix(routeRows(inventory), roles);
  return request.render('admin/matrix.html', 'Access matrix', {
    columns: matrix.columns.map((name) => ({ name, role: name === 'anonymous' || !undeclared.has(name) })),
    rows: matrix.rows.map((row) => ({
      method: row.route.method,
      url: row.route.url,
      access: labels.get(`${row.route.method} ${row.route.url}`) ?? row.route.access,
      notes: routeNotes(row.route),
      cells: row.cells,
    })),
  });
}
