/**
 * An app's declarations in one object: its apps (and so its permissions), its roles, its
 * configuration and, optionally, where to read its route inventory. The app exports it from a
 * config module (`gatehouse.config.ts` by convention) so that the `gatehouse` command works on the
 * same declarations as the running server: `migrate` syncs exactly the permissions the code
 * declares, `roles plan --check` compares exactly the roles the code declares.
 */
import type { GatehouseConfigInput } from './config.js';
import { ConfigError } from './errors.js';
import { type AppsDeclaration, type PermissionName, permissionDefinitions } from './permissions.js';
import { ALL_PERMISSIONS, type RolesDeclaration, defineRoles } from './roles.js';
import { permissionNameOf } from './permission-name.js';

/**
 * One route as the web adapter enforces it: what the route inventory lists. The HTTP layer's
 * `RouteAccessEntry` (every adapter's inventory) is this type with every field known; a
 * hand-written source may leave the optional ones out.
 */
export interface RouteInventoryEntry {
  /** HTTP method, upper case (`GET`, `POST`, ...). */
  method: string;
  /** The route's path pattern, e.g. `/payouts/:id/approve`. */
  url: string;
  /**
   * The access class: `public`, `authenticated`, `staff`, `permission`, `critical`, `object`
   * (an object rule decides), `test` (a custom test decides) or `undeclared` (let through by the
   * adapter's explicit opt-out).
   */
  access: string;
  /** The permissions the route requires (for `object`: those that grant every object). */
  permissions: string[];
  /** Seconds within which the password must have been re-checked, if the route asks for it. */
  recentAuth?: number | null;
  /** The object rule's name, for `object` routes. */
  rule?: string | null;
  /** True when the route opted out of CSRF checks. */
  csrfExempt?: boolean;
}

/** Reads the route inventory, typically by building the app without listening. */
export type RouteInventorySource = () => Promise<readonly RouteInventoryEntry[]>;

/** What `defineGatehouseApp` takes. */
export interface GatehouseAppInput<Apps extends AppsDeclaration> {
  /** The apps and their permissions, as `defineApps` takes them. */
  apps: Apps;
  /** Roles kept in code, typed against the apps' permissions. */
  roles?: RolesDeclaration<PermissionName<Apps>>;
  /** The same configuration `createGatehouse` takes. */
  config?: GatehouseConfigInput;
  /** The route inventory, for `gatehouse routes` (the Fastify plugin provides one). */
  routes?: RouteInventorySource | null;
  /**
   * The database the app uses when neither `--database` nor `DATABASE_URL` names one (the
   * app's own default, e.g. its SQLite file), so the command and the server agree.
   */
  databaseUrl?: string | null;
}

/** An app's checked declarations, as the `gatehouse` command loads them. */
export interface GatehouseApp<Apps extends AppsDeclaration = AppsDeclaration> {
  readonly apps: Apps;
  readonly roles: RolesDeclaration<PermissionName<Apps>>;
  readonly config: GatehouseConfigInput;
  readonly routes: RouteInventorySource | null;
  readonly databaseUrl: string | null;
}

/**
 * Declares an app for the `gatehouse` command (and for the app's own start-up, which can pass the
 * same pieces to `createGatehouse`). Checks the apps, the role names and every permission a role
 * names at once, so a mistake fails when the module loads, not halfway through a deploy.
 */
export function defineGatehouseApp<const Apps extends AppsDeclaration>(input: GatehouseAppInput<Apps>): GatehouseApp<Apps> {
  if (input === null || typeof input !== 'object' || input.apps === null || typeof input.apps !== 'object') {
    throw new ConfigError('gatehouse.config.invalid_app', 'defineGatehouseApp needs an object with `apps` (use {} for none).');
  }
  const declared = new Set(permissionDefinitions(input.apps).map(permissionNameOf));
  const roles = defineRoles(input.roles ?? {});
  for (const [role, perms] of Object.entries(roles)) {
    if (perms === ALL_PERMISSIONS) continue;
    if (!Array.isArray(perms))
      throw new ConfigError('gatehouse.config.invalid_role', `Role "${role}" must list permission names, or be ALL_PERMISSIONS ('*').`);
    const unknown = perms.find((p) => !declared.has(p));
    if (unknown !== undefined) {
      throw new ConfigError('gatehouse.config.unknown_permission_in_role', `Role "${role}" names "${unknown}", which no app declares.`);
    }
  }
  if (input.routes != null && typeof input.routes !== 'function') {
    throw new ConfigError('gatehouse.config.invalid_app', '`routes` must be an async function returning the route inventory.');
  }
  if (input.databaseUrl != null && typeof input.databaseUrl !== 'string') {
    throw new ConfigError('gatehouse.config.invalid_app', '`databaseUrl` must be a string such as sqlite:./data/app.sqlite3.');
  }
  return Object.freeze({ apps: input.apps, roles, config: input.config ?? {}, routes: input.routes ?? null, databaseUrl: input.databaseUrl ?? null });
}
