/**
 * The admin as ONE route table, the shape of the account views' (`accountRoutes`): each entry's
 * name, path (relative to the prefix), methods, access, headers and handler. Adapters register it
 * exactly as they register the account routes.
 *
 * Access in two steps. The route's own declaration is `staffOnly()`, which the adapter enforces
 * before the body is read: anonymous → login, not staff → 403. The handler then requires the
 * screen's model permission (and, for sensitive actions, a recent password check), after the
 * CSRF check: a staff user without it gets the bland 403, or the re-auth page.
 */
import { NotFoundError } from '../core/errors.js';
import { type AccessDeclaration, untypedAccess } from '../http/access.js';
import type { AccountMethod } from '../http/account-routes.js';
import type { AuthExchange } from '../http/exchange.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import type { HttpResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { AdminRequest, type AdminSettings } from './context.js';
import { ADMIN_HEADERS } from './headers.js';
import { AdminTemplates } from './templates.js';
import { auditExport, auditList, auditVerify } from './views/audit.js';
import { addGroupGet, addGroupPost, changeGroupGet, changeGroupPost, deleteGroupGet, deleteGroupPost, groupDetail, groupList } from './views/groups.js';
import { cssView, indexView } from './views/index.js';
import { matrixView } from './views/matrix.js';
import { permissionDetail, permissionList } from './views/permissions.js';
import {
  changeUserGet,
  changeUserPost,
  deleteUserGet,
  deleteUserPost,
  flagsGet,
  flagsPost,
  passwordGet,
  passwordPost,
  revokeSessionsPost,
  revokeTokensPost,
  userDetail,
} from './views/user.js';
import { addUserGet, addUserPost, userList } from './views/users.js';

/** A screen or action. */
export type AdminView = (request: AdminRequest) => Promise<HttpResponse>;

/** What one method of an admin URL requires and runs. */
interface MethodSpec {
  /** Model permissions required (all of them). */
  readonly perms: readonly string[];
  /** A password check within `reauthMaxAge` (sensitive actions, and the forms leading to them). */
  readonly recentAuth?: boolean;
  readonly view: AdminView;
}

/** One admin URL: the account route's shape, plus what each method requires. */
export interface AdminRoute {
  readonly name: string;
  /** Relative to the prefix, `:param` syntax, trailing slash. */
  readonly path: string;
  readonly methods: readonly AccountMethod[];
  readonly access: AccessDeclaration;
  readonly headers: Readonly<Record<string, string>>;
  /** Permissions by method, for the docs and the access matrix. */
  readonly requires: Readonly<Partial<Record<AccountMethod, { perms: readonly string[]; recentAuth: boolean }>>>;
  handler(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse>;
}

/** What `adminRoutes` takes from the adapter. */
export interface AdminRouteOptions {
  /** The route inventory (Fastify: `fastify.gatehouseRoutes()`), for the access matrix page. */
  routes?: () => readonly RouteAccessEntry[];
}

const staff = untypedAccess.staffOnly();
const stylesheetAccess = untypedAccess.publicAccess({ session: false });

function withAdminHeaders(response: HttpResponse): HttpResponse {
  for (const [name, value] of Object.entries(ADMIN_HEADERS)) response.headers[name] ??= value;
  return response;
}

async function run(settings: AdminSettings, spec: MethodSpec, exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  // A console for people in a browser: a bearer API token never opens it, whatever its user may
  // do (a leaked token of a superuser must not be able to edit accounts or groups).
  if (exchange.apiToken) return withAdminHeaders(exchange.tokenRefused());
  // The adapter enforced staffOnly() already; checked again so a misregistered route fails closed.
  const entry = await exchange.authorize(staff);
  if (entry) return withAdminHeaders(entry);
  const options = spec.recentAuth ? { recentAuth: true as const } : undefined;
  const declaration =
    spec.perms.length > 0 ? untypedAccess.permissions(spec.perms as [string, ...string[]], options) : options ? untypedAccess.staffOnly(options) : null;
  if (declaration) {
    const denied = await exchange.authorize(declaration);
    if (denied) return withAdminHeaders(denied);
  }
  const request = new AdminRequest(exchange, settings, params);
  try {
    return withAdminHeaders(await spec.view(request));
  } catch (error) {
    if (error instanceof NotFoundError) return withAdminHeaders(await request.render('admin/404.html', 'Not found', {}, 404));
    throw error;
  }
}

interface RouteDraft {
  name: string;
  path: string;
  GET?: MethodSpec;
  POST?: MethodSpec;
}

function build(settings: AdminSettings, draft: RouteDraft): AdminRoute {
  const methods = (['GET', 'POST'] as const).filter((m) => draft[m] !== undefined);
  const requires: Partial<Record<AccountMethod, { perms: readonly string[]; recentAuth: boolean }>> = {};
  for (const m of methods) requires[m] = { perms: draft[m]!.perms, recentAuth: draft[m]!.recentAuth === true };
  return Object.freeze({
    name: draft.name,
    path: draft.path,
    methods,
    access: staff,
    headers: ADMIN_HEADERS,
    requires,
    handler: (exchange: AuthExchange, params: Record<string, string>) => {
      const method = exchange.request.method === 'HEAD' ? 'GET' : exchange.request.method;
      const spec = method === 'GET' || method === 'POST' ? draft[method] : undefined;
      if (!spec) throw new Error(`gatehouse admin: ${draft.name} called with ${exchange.request.method}`);
      return run(settings, spec, exchange, params);
    },
  });
}

const p = (perms: readonly string[], view: AdminView, recentAuth = false): MethodSpec => ({ perms, view, recentAuth });

/** The admin's screens and actions, in the order the docs list them. */
function drafts(): RouteDraft[] {
  return [
    { name: 'admin_index', path: '/', GET: p([], indexView) },
    { name: 'admin_users', path: '/users/', GET: p(['auth.view_user'], userList) },
    { name: 'admin_user_add', path: '/users/add/', GET: p(['auth.add_user'], addUserGet), POST: p(['auth.add_user'], addUserPost) },
    { name: 'admin_user', path: '/users/:id/', GET: p(['auth.view_user'], userDetail) },
    { name: 'admin_user_change', path: '/users/:id/change/', GET: p(['auth.change_user'], changeUserGet), POST: p(['auth.change_user'], changeUserPost) },
    { name: 'admin_user_flags', path: '/users/:id/flags/', GET: p(['auth.change_user'], flagsGet, true), POST: p(['auth.change_user'], flagsPost, true) },
    {
      name: 'admin_user_password',
      path: '/users/:id/password/',
      GET: p(['auth.change_user'], passwordGet, true),
      POST: p(['auth.change_user'], passwordPost, true),
    },
    {
      name: 'admin_user_delete',
      path: '/users/:id/delete/',
      GET: p(['auth.delete_user'], deleteUserGet, true),
      POST: p(['auth.delete_user'], deleteUserPost, true),
    },
    { name: 'admin_user_sessions', path: '/users/:id/sessions/', POST: p(['auth.delete_session'], revokeSessionsPost) },
    { name: 'admin_user_tokens', path: '/users/:id/tokens/', POST: p(['auth.delete_session'], revokeTokensPost) },
    { name: 'admin_groups', path: '/groups/', GET: p(['auth.view_group'], groupList) },
    { name: 'admin_group_add', path: '/groups/add/', GET: p(['auth.add_group'], addGroupGet), POST: p(['auth.add_group'], addGroupPost) },
    { name: 'admin_group', path: '/groups/:id/', GET: p(['auth.view_group'], groupDetail) },
    {
      name: 'admin_group_change',
      path: '/groups/:id/change/',
      GET: p(['auth.change_group'], changeGroupGet, true),
      POST: p(['auth.change_group'], changeGroupPost, true),
    },
    {
      name: 'admin_group_delete',
      path: '/groups/:id/delete/',
      GET: p(['auth.delete_group'], deleteGroupGet, true),
      POST: p(['auth.delete_group'], deleteGroupPost, true),
    },
    { name: 'admin_permissions', path: '/permissions/', GET: p(['auth.view_permission'], permissionList) },
    { name: 'admin_permission', path: '/permissions/:name/', GET: p(['auth.view_permission'], permissionDetail) },
    { name: 'admin_audit', path: '/audit/', GET: p(['auth.view_auditlog'], auditList) },
    { name: 'admin_audit_verify', path: '/audit/verify/', GET: p(['auth.view_auditlog'], auditVerify) },
    { name: 'admin_audit_export', path: '/audit/export/', GET: p(['auth.view_auditlog'], auditExport) },
    { name: 'admin_matrix', path: '/matrix/', GET: p(['auth.view_permission'], matrixView) },
  ];
}

/**
 * The admin routes of `site` (none unless the `admin` option mounted it). Built once at start-up:
 * the templates are looked up then.
 */
export function adminRoutes(site: HttpSite, options: AdminRouteOptions = {}): readonly AdminRoute[] {
  if (site.adminPrefix === null) return [];
  const requirements = new Map<string, { perms: readonly string[]; recentAuth: boolean }>();
  const settings: AdminSettings = {
    site,
    prefix: site.adminPrefix,
    templates: new AdminTemplates(site.templatesDir),
    routes: options.routes ?? (() => []),
    requirements,
  };
  const table = drafts().map((draft) => build(settings, draft));
  for (const route of table) {
    for (const [method, need] of Object.entries(route.requires)) requirements.set(`${method} ${site.adminPrefix}${route.path}`, need);
  }
  const stylesheet: AdminRoute = Object.freeze({
    name: 'admin_css',
    path: '/admin.css',
    methods: ['GET'] as const,
    access: stylesheetAccess,
    headers: Object.freeze({}),
    requires: {},
    handler: async () => cssView(settings),
  });
  return Object.freeze([...table, stylesheet]);
}
