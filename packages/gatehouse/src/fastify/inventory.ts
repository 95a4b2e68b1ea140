/**
 * Route declarations: every route registered after the plugin passes through `onRoute` here.
 * A declared route gets its guard as the first `onRequest` hook; a route protected only by a
 * standalone guard (`preHandler: permissionRequired(...)`) counts as declared by it; anything else
 * is collected, and `ready()` fails naming each one — unless it is listed in
 * `allowUndeclaredRoutes`, the visible opt-out. The same records make the route inventory
 * (`fastify.gatehouseRoutes()`, and the CLI's `routes` command).
 */
import type { RouteOptions } from 'fastify';
import { ConfigError } from '../core/errors.js';
import { type AccessDeclaration, type AccessKind, declaredPermissions, isAccessDeclaration } from './access.js';
import { kHidden } from './context.js';
import { guardAccess, guardFor } from './guards.js';

/** One route of the inventory. */
export interface RouteAccessEntry {
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
  /** True when the route opted out of CSRF checks (`config: { csrf: false }`). */
  csrfExempt: boolean;
  /** How the access was declared. */
  declaredBy: 'config' | 'guard' | 'allowed';
}

type HookList = RouteOptions['onRequest'];

function asList<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** `GET /docs/*`, `/health/` (every method) or `*`: which undeclared routes are allowed. */
function matchesPattern(pattern: string, method: string, url: string): boolean {
  const trimmed = pattern.trim();
  const space = trimmed.indexOf(' ');
  const patternMethod = space > 0 ? trimmed.slice(0, space).toUpperCase() : null;
  const patternUrl = space > 0 ? trimmed.slice(space + 1).trim() : trimmed;
  if (patternMethod !== null && patternMethod !== method) return false;
  if (patternUrl.endsWith('*')) return url.startsWith(patternUrl.slice(0, -1));
  return url === patternUrl;
}

/** Collects declarations and undeclared routes for one plugin registration. */
export class RouteInventory {
  private readonly entries: RouteAccessEntry[] = [];
  private readonly undeclared: string[] = [];

  constructor(
    private readonly allowUndeclared: readonly string[],
    private readonly reauthMaxAge: number,
  ) {}

  /** The `onRoute` hook. */
  readonly onRoute = (route: RouteOptions): void => {
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
    let access: AccessDeclaration | null = null;
    let declaredBy: RouteAccessEntry['declaredBy'] = 'config';
    if (declared) {
      access = declared;
      // Public routes need no guard; every other class gets its guard as the very first hook.
      if (declared.kind !== 'public') route.onRequest = [guardFor(declared), ...asList(route.onRequest)] as HookList;
    } else {
      const guards = [...asList(route.onRequest), ...asList(route.preParsing), ...asList(route.preValidation), ...asList(route.preHandler)]
        .map(guardAccess)
        .filter((a): a is AccessDeclaration => a !== undefined);
      if (guards.length > 0) {
        access = guards[0] as AccessDeclaration;
        declaredBy = 'guard';
      } else {
        declaredBy = 'allowed';
      }
    }

    if (config[kHidden] === true) return;
    const csrfExempt = config.csrf === false;
    for (const method of methods) {
      // Fastify adds HEAD for every GET route with a copy of its options: list the GET only.
      if (method === 'HEAD' && this.entries.some((e) => e.method === 'GET' && e.url === url)) continue;
      if (access === null) {
        if (!this.allowUndeclared.some((p) => matchesPattern(p, method, url))) {
          if (!(method === 'HEAD' && this.undeclared.includes(`GET ${url}`))) this.undeclared.push(`${method} ${url}`);
          continue;
        }
      }
      this.entries.push(this.entry(method, url, access, declaredBy, csrfExempt));
    }
  };

  private entry(method: string, url: string, access: AccessDeclaration | null, declaredBy: RouteAccessEntry['declaredBy'], csrfExempt: boolean): RouteAccessEntry {
    const recent = access && 'recentAuth' in access ? access.recentAuth : undefined;
    return {
      method,
      url,
      access: access ? access.kind : 'undeclared',
      permissions: access ? [...declaredPermissions(access)] : [],
      recentAuth: recent === undefined ? null : recent === true ? this.reauthMaxAge : recent,
      rule: access?.kind === 'object' ? access.rule.name : null,
      csrfExempt,
      declaredBy,
    };
  }

  /** The `onReady` check: throws naming every undeclared route. */
  check(): void {
    if (this.undeclared.length === 0) return;
    throw new ConfigError(
      'gatehouse.fastify.undeclared_routes',
      `${this.undeclared.length === 1 ? 'This route declares' : 'These routes declare'} no access: ${this.undeclared.join(', ')}. ` +
        'Give each one config: { access: ... } (publicAccess() for open routes), or list it in the plugin option allowUndeclaredRoutes.',
    );
  }

  /** The inventory, sorted by URL then method. */
  list(): RouteAccessEntry[] {
    return [...this.entries]
      .sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url)))
      .map((e) => ({ ...e, permissions: [...e.permissions] }));
  }
}
