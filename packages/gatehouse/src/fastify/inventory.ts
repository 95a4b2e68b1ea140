/**
 * Feeds every route registered after the plugin (Fastify's `onRoute`) to the HTTP layer's
 * `RouteInventory`: its declaration from `config.access`, or from a standalone guard among its
 * hooks (`preHandler: permissionRequired(...)`). The declared access itself is enforced by the
 * plugin's `onRequest` hook; `ready()` fails naming every undeclared route.
 */
import type { RouteOptions } from 'fastify';
import { ConfigError } from '../core/errors.js';
import { type AccessDeclaration, isAccessDeclaration } from '../http/access.js';
import { RouteInventory } from '../http/inventory.js';
import type { HttpSite } from '../http/site.js';
import { kHidden } from './context.js';
import { guardAccess } from './guards.js';

function asList<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** The inventory of one plugin registration, and its `onRoute` hook. */
export function fastifyInventory(site: HttpSite): { inventory: RouteInventory; onRoute(route: RouteOptions): void } {
  const inventory = new RouteInventory(site.allowUndeclaredRoutes, site.gatehouse.config.reauthMaxAge, 'gatehouse.fastify');
  const onRoute = (route: RouteOptions): void => {
    const methods = asList(route.method).map((m) => String(m).toUpperCase());
    const url = route.url;
    const config = (route.config ?? {}) as Record<string | symbol, unknown>;
    const declared = config.access;
    if (declared !== undefined && !isAccessDeclaration(declared)) {
      throw new ConfigError(
        'gatehouse.fastify.invalid_access',
        `Route ${methods.join(',')} ${url} has config.access that is not an access declaration: build it with publicAccess(), authenticated(), permission(...) and so on.`,
      );
    }
    let declaration: AccessDeclaration | undefined = declared;
    let declaredBy: 'config' | 'guard' = 'config';
    if (!declaration) {
      const guards = [...asList(route.onRequest), ...asList(route.preParsing), ...asList(route.preValidation), ...asList(route.preHandler)]
        .map(guardAccess)
        .filter((a): a is AccessDeclaration => a !== undefined);
      declaration = guards[0];
      declaredBy = 'guard';
    }
    if (config[kHidden] === true) return;
    const csrfExempt = config.csrf === false;
    for (const method of methods) inventory.add({ method, url, declaration, csrfExempt, declaredBy });
  };
  return { inventory, onRoute };
}
