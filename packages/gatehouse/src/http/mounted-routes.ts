/**
 * Every route gatehouse itself serves, with its full URL: the account views under their prefix
 * and the JSON account API under its own. Adapters register this one list (each entry's methods,
 * a 405 with `Allow` for the others), so a new table reaches every framework at once.
 */
import { type AccountRoute, accountRoutes } from './account-routes.js';
import { apiRoutes } from './api/routes.js';
import type { HttpSite } from './site.js';

/** One route and where it is mounted. */
export interface MountedRoute {
  /** Full URL pattern, `:param` syntax: `/accounts/login/`, `/api/auth/sessions/:id`. */
  readonly url: string;
  readonly route: AccountRoute;
}

/** Every route of `site`'s account views and account API, in registration order. */
export function mountedRoutes(site: HttpSite): readonly MountedRoute[] {
  const out: MountedRoute[] = [];
  if (site.accountViews) for (const route of accountRoutes(site)) out.push({ url: `${site.prefix}${route.path}`, route });
  if (site.api) for (const route of apiRoutes()) out.push({ url: `${site.api.prefix}${route.path}`, route });
  return out;
}
