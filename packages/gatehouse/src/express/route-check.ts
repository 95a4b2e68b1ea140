/**
 * The start-up check and the route inventory of an Express app, from its router stack
 * (route-walk.ts). `checkRoutes` throws `ConfigError('gatehouse.express.undeclared_routes')`
 * naming every route without a gatehouse guard first (unless `allowUndeclaredRoutes` lets it
 * through), refuses a mounted Express app (its routes cannot be seen), and checks the account
 * views are mounted where the site's URLs point.
 */
import { ConfigError } from '../core/errors.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import { RouteInventory } from '../http/inventory.js';
import type { HttpSite } from '../http/site.js';
import { walkRoutes } from './route-walk.js';
import { type ExpressAppLike, type RouterLike, routerOf } from './router-stack.js';

/** What the walk of one app found, checked or not. */
export interface RouteReport {
  entries: RouteAccessEntry[];
  /** `METHOD /url` of each undeclared route, with why when a guard was there but not first. */
  undeclared: string[];
  mountedApps: string[];
  /** Where the account views router is mounted, or null when it is not found. */
  accountViewsAt: string | null;
}

/** Walks `app` and sorts its routes into the inventory and the undeclared ones. */
export function reportRoutes(app: ExpressAppLike | RouterLike, site: HttpSite, accountViews: object | null): RouteReport {
  const walk = walkRoutes(routerOf(app));
  const inventory = new RouteInventory(site.allowUndeclaredRoutes, site.gatehouse.config.reauthMaxAge, 'gatehouse.express');
  const misplaced = new Set<string>();
  for (const route of walk.routes) {
    if (route.guard?.hidden) continue;
    if (route.misplacedGuard) misplaced.add(`${route.method} ${route.url}`);
    inventory.add({
      method: route.method,
      url: route.url,
      declaration: route.guard?.access,
      csrfExempt: route.guard?.csrfExempt ?? false,
      declaredBy: route.guard?.declaredBy ?? 'config',
    });
  }
  const undeclared = inventory.undeclaredRoutes().map((name) => (misplaced.has(name) ? `${name} (its guard is not its first handler)` : name));
  const mounted = accountViews ? walk.routers.find((r) => r.router === accountViews) : undefined;
  return { entries: inventory.list(), undeclared, mountedApps: walk.mountedApps, accountViewsAt: mounted ? (mounted.url === '/' ? '' : mounted.url) : null };
}

/** Throws the first problem of `report` as a `ConfigError` saying what to fix. */
export function assertRoutes(report: RouteReport, site: HttpSite, accountViewsExpected: boolean): void {
  if (report.mountedApps.length > 0) {
    throw new ConfigError(
      'gatehouse.express.mounted_app',
      `An Express app is mounted inside the app at ${report.mountedApps.join(', ')}: gatehouse cannot see its routes to check them. Mount an express.Router() there instead (its routes are checked like the app's).`,
    );
  }
  if (report.undeclared.length > 0) {
    throw new ConfigError(
      'gatehouse.express.undeclared_routes',
      `${report.undeclared.length === 1 ? 'This route declares' : 'These routes declare'} no access: ${report.undeclared.join(', ')}. ` +
        "Make a guard each route's first handler (access(publicAccess()) for open routes, access(permission(...)), loginRequired()...), mount one with router.use(guard) before them, or list them in the option allowUndeclaredRoutes.",
    );
  }
  if (!accountViewsExpected) return;
  const where = site.prefix === '' ? '/' : site.prefix;
  if (report.accountViewsAt === null) {
    throw new ConfigError(
      'gatehouse.express.account_views_not_mounted',
      `The account views are not mounted, so the login page and the other account URLs answer 404: add app.use('${where}', gh.accountViews), or pass accountViews: false.`,
    );
  }
  if (report.accountViewsAt !== site.prefix) {
    throw new ConfigError(
      'gatehouse.express.account_views_prefix',
      `The account views are mounted at '${report.accountViewsAt || '/'}' but their URLs are built for '${where}': mount them with app.use('${where}', gh.accountViews), or set accountViews: { prefix: '${report.accountViewsAt}' }.`,
    );
  }
}
