/**
 * The route inventory: every route an adapter registers is fed here with its declaration (from
 * the route's options, or from a guard that carries one). Routes with neither are collected, and
 * `check()` (at start-up) fails naming each one, unless `allowUndeclaredRoutes` lets it through:
 * the visible opt-out. The same records are what `gatehouse routes` lists.
 */
import type { RouteInventoryEntry } from '../core/app-definition.js';
import { ConfigError } from '../core/errors.js';
import { type AccessDeclaration, type AccessKind, declaredPermissions } from './access.js';

/** One route of the inventory (the CLI's `RouteInventoryEntry`, with every field known). */
export interface RouteAccessEntry extends RouteInventoryEntry {
  method: string;
  url: string;
  /** The access class, or `undeclared` for routes let through by `allowUndeclaredRoutes`. */
  access: AccessKind | 'undeclared';
  /** Permissions the class requires (for object rules: the permissions that grant every object). */
  permissions: string[];
  /** Seconds within which a password re-check is required, or null. */
  recentAuth: number | null;
  /** The object rule's name, for `object` routes. */
  rule: string | null;
  /** True when the route opted out of CSRF checks. */
  csrfExempt: boolean;
  /** How the access was declared: in the route's options, by a guard, or let through undeclared. */
  declaredBy: 'config' | 'guard' | 'allowed';
}

/** What an adapter feeds the inventory for one method of one route. */
export interface InventoryRoute {
  method: string;
  url: string;
  /** The declaration, from the route's options or its guard; undefined when it has none. */
  declaration?: AccessDeclaration | undefined;
  csrfExempt: boolean;
  /** Where the declaration came from (ignored without one). */
  declaredBy: 'config' | 'guard';
}

/** `GET /docs/*`, `/health/` (every method) or `*`: which undeclared routes are allowed. */
export function matchesRoutePattern(pattern: string, method: string, url: string): boolean {
  const trimmed = pattern.trim();
  const space = trimmed.indexOf(' ');
  const patternMethod = space > 0 ? trimmed.slice(0, space).toUpperCase() : null;
  const patternUrl = space > 0 ? trimmed.slice(space + 1).trim() : trimmed;
  if (patternMethod !== null && patternMethod !== method) return false;
  if (patternUrl.endsWith('*')) return url.startsWith(patternUrl.slice(0, -1));
  return url === patternUrl;
}

/** The inventory entry for a declared route (or an allowed undeclared one). */
export function routeAccessEntry(
  method: string,
  url: string,
  declaration: AccessDeclaration | null,
  declaredBy: RouteAccessEntry['declaredBy'],
  csrfExempt: boolean,
  reauthMaxAge: number,
): RouteAccessEntry {
  const recent = declaration && 'recentAuth' in declaration ? declaration.recentAuth : undefined;
  return {
    method,
    url,
    access: declaration ? declaration.kind : 'undeclared',
    permissions: declaration ? [...declaredPermissions(declaration)] : [],
    recentAuth: recent === undefined ? null : recent === true ? reauthMaxAge : recent,
    rule: declaration?.kind === 'object' ? declaration.rule.name : null,
    csrfExempt,
    declaredBy,
  };
}

/** Collects the routes of one app. */
export class RouteInventory {
  private readonly entries: RouteAccessEntry[] = [];
  private readonly undeclared: string[] = [];

  constructor(
    private readonly allowUndeclared: readonly string[],
    private readonly reauthMaxAge: number,
    /** The `ConfigError` code prefix (`gatehouse.http`, or an adapter's for compatibility). */
    private readonly codePrefix = 'gatehouse.http',
  ) {}

  /** Records one method of one route. */
  add(route: InventoryRoute): void {
    const method = route.method.toUpperCase();
    const { url } = route;
    // A framework that adds HEAD for every GET: list the GET only.
    if (method === 'HEAD' && this.entries.some((e) => e.method === 'GET' && e.url === url)) return;
    if (route.declaration === undefined) {
      if (!this.allowUndeclared.some((p) => matchesRoutePattern(p, method, url))) {
        if (!(method === 'HEAD' && this.undeclared.includes(`GET ${url}`))) this.undeclared.push(`${method} ${url}`);
        return;
      }
      this.entries.push(routeAccessEntry(method, url, null, 'allowed', route.csrfExempt, this.reauthMaxAge));
      return;
    }
    this.entries.push(routeAccessEntry(method, url, route.declaration, route.declaredBy, route.csrfExempt, this.reauthMaxAge));
  }

  /** The routes that declare no access and are not allowed to. */
  undeclaredRoutes(): readonly string[] {
    return [...this.undeclared];
  }

  /** Throws `ConfigError(<prefix>.undeclared_routes)` naming every undeclared route. */
  check(): void {
    if (this.undeclared.length === 0) return;
    throw new ConfigError(
      `${this.codePrefix}.undeclared_routes`,
      `${this.undeclared.length === 1 ? 'This route declares' : 'These routes declare'} no access: ${this.undeclared.join(', ')}. ` +
        'Give each one an access declaration (publicAccess() for open routes), or list it in the option allowUndeclaredRoutes.',
    );
  }

  /** The inventory, sorted by URL then method. */
  list(): RouteAccessEntry[] {
    return [...this.entries]
      .sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url)))
      .map((e) => ({ ...e, permissions: [...e.permissions] }));
  }
}
