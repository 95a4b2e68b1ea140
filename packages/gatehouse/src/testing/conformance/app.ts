/**
 * The small app every adapter builds: a few permissions and roles, the users of the access matrix
 * (one per kind of visitor), two orders owned by different users, and one route per access class.
 * Handlers are framework-neutral (`ConformanceRoute`), so the app is the same whatever serves it.
 */
import type { Gatehouse } from '../../core/gatehouse.js';
import { defineApps } from '../../core/permissions.js';
import type { PermissionName } from '../../core/permissions.js';
import { defineRoles } from '../../core/roles.js';
import type { User } from '../../core/user.js';
import { access, defineRule } from './access.js';
import type { ConformanceOptions, ConformanceRoute } from './types.js';

/** Every fixture user's password. */
export const CONFORMANCE_PASSWORD = 'correct horse battery staple';

/** A new password chosen through a form: passes the strict validators. */
export const CONFORMANCE_NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

/** The app's permissions (Django's apps and models). */
export const conformanceApps = defineApps({
  billing: {
    models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } },
    permissions: { export_reports: 'Can export reports' },
  },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
});

/** A permission of the conformance app. */
export type ConformancePermission = PermissionName<typeof conformanceApps>;

/** The app's roles (groups). */
export const conformanceRoles = defineRoles<ConformancePermission>({
  Customer: [],
  Support: ['shop.view_all_orders'],
  Finance: ['billing.view_invoice', 'billing.approve_payout', 'billing.export_reports'],
});

/** One fixture user: flags and roles. */
export interface ConformanceUserSpec {
  readonly isStaff?: boolean;
  readonly isSuperuser?: boolean;
  readonly isActive?: boolean;
  readonly roles: readonly (keyof typeof conformanceRoles)[];
}

/**
 * The users. The first eight are the visitors of the access matrix; the rest each belong to one
 * scenario that changes them (their password, their throttle count), so no scenario disturbs
 * another.
 */
export const CONFORMANCE_USERS = {
  /** A plain user; owns order 1. */
  alice: { roles: ['Customer'] },
  /** Another plain user; owns order 2. */
  bob: { roles: ['Customer'] },
  /** Staff without any permission. */
  ops: { isStaff: true, roles: [] },
  /** Staff holding the finance permissions: passes the critical route. */
  fin: { isStaff: true, roles: ['Finance'] },
  /** The finance permissions without staff: refused by the critical route. */
  fin_nostaff: { roles: ['Finance'] },
  /** Sees every order (shop.view_all_orders). */
  sam: { roles: ['Support'] },
  /** Superuser (and staff): every permission. */
  root: { isStaff: true, isSuperuser: true, roles: [] },
  /** Inactive: the login is refused, so it browses as anonymous. */
  inactive: { isActive: false, roles: ['Customer'] },
  /** Changes its password (password-change scenario). */
  carol: { roles: ['Customer'] },
  /** Resets its password by mail (password-reset scenario). */
  dave: { roles: ['Customer'] },
  /** The target of the login burst (throttling scenario). */
  erin: { roles: ['Customer'] },
  /** Logs in and out (session scenarios). */
  frank: { roles: ['Customer'] },
} as const satisfies Record<string, ConformanceUserSpec>;

/** A fixture username. */
export type ConformanceUsername = keyof typeof CONFORMANCE_USERS;

/** Creates the fixture users (email `<name>@example.com`) and returns them reloaded, with their groups. */
export async function seedConformanceUsers(gatehouse: Gatehouse<ConformancePermission>): Promise<Record<ConformanceUsername, User>> {
  const users = {} as Record<ConformanceUsername, User>;
  for (const [username, spec] of Object.entries(CONFORMANCE_USERS) as [ConformanceUsername, ConformanceUserSpec][]) {
    const created = await gatehouse.accounts.createUser({
      username,
      password: CONFORMANCE_PASSWORD,
      email: `${username}@example.com`,
      ...(spec.isStaff !== undefined ? { isStaff: spec.isStaff } : {}),
      ...(spec.isSuperuser !== undefined ? { isSuperuser: spec.isSuperuser } : {}),
      ...(spec.isActive !== undefined ? { isActive: spec.isActive } : {}),
    });
    for (const role of spec.roles) await gatehouse.accounts.addToGroup(created, role);
    users[username] = await gatehouse.accounts.require(created.id);
  }
  return users;
}

/** An order of the app: the object of the object rule. */
export interface ConformanceOrder {
  readonly id: number;
  readonly ownerId: number;
}

/** The orders table the list half of the rule is written for. */
export interface ConformanceOrdersDb {
  readonly orders: { readonly id: number; readonly owner_id: number };
}

/** Users see their own orders; holders of shop.view_all_orders see all. */
export const orderRule = defineRule<ConformanceOrder, ConformanceOrdersDb, 'orders', ConformancePermission>({
  name: 'shop.order.view',
  grantedBy: ['shop.view_all_orders'],
  check: (user, order) => order.ownerId === user.id,
  // The list half of the rule, for completeness: the app keeps its orders in memory.
  where: (user, eb) => eb('owner_id', '=', user.id),
});

/** What the app's handlers did, so scenarios can prove a refused request changed nothing. */
export interface ConformanceAppState {
  /** Payout ids approved through the critical route, in order. */
  readonly approvals: string[];
  /** Successful POSTs to `/profile/` and `/echo/`. */
  changes: number;
}

const { publicAccess, authenticated, staffOnly, permission, critical, objectRule, passesTest, recentAuth } = access;

/** The route table; `state` records what handlers changed. */
export function conformanceRoutes(users: Readonly<Record<ConformanceUsername, User>>, state: ConformanceAppState): readonly ConformanceRoute[] {
  const orders = new Map<string, ConformanceOrder>([
    ['1', { id: 1, ownerId: users.alice.id }],
    ['2', { id: 2, ownerId: users.bob.id }],
  ]);
  return [
    // Never reads the session: the user is anonymous here even with a session cookie.
    { method: 'GET', path: '/health/', access: publicAccess({ session: false }), handler: ({ user }) => ({ json: { status: 'ok', user: user.username } }) },
    { method: 'GET', path: '/whoami/', access: publicAccess(), handler: ({ user }) => ({ json: { user: user.username, anonymous: user.isAnonymous } }) },
    // A token for scripts (the SPA way); pages embed theirs in forms.
    { method: 'GET', path: '/csrf/', access: publicAccess(), handler: ({ csrfToken }) => ({ json: { token: csrfToken() } }) },
    {
      method: 'POST',
      path: '/echo/',
      access: publicAccess(),
      handler: ({ body }) => {
        state.changes += 1;
        return { json: { fields: Object.keys(body ?? {}).length } };
      },
    },
    {
      method: 'GET',
      path: '/dashboard/',
      access: authenticated(),
      handler: ({ user }) => ({ html: `<!doctype html><title>Dashboard</title><p>Signed in as <strong>${user.username}</strong></p>` }),
    },
    {
      method: 'POST',
      path: '/profile/',
      access: authenticated(),
      handler: ({ user }) => {
        state.changes += 1;
        return { json: { changed: true, user: user.username } };
      },
    },
    { method: 'GET', path: '/internal/', access: staffOnly(), handler: () => ({ json: { internal: true } }) },
    { method: 'GET', path: '/invoices/', access: permission('billing.view_invoice'), handler: () => ({ json: { invoices: [] } }) },
    {
      method: 'POST',
      path: '/payouts/:id/approve/',
      access: critical('billing.approve_payout'),
      handler: ({ params, user }) => {
        state.approvals.push(params.id ?? '');
        return { json: { approved: params.id, by: user.username } };
      },
    },
    {
      method: 'GET',
      path: '/orders/:id/',
      access: objectRule(orderRule),
      handler: async ({ params, authorizeObject }) => {
        const order = await authorizeObject(orderRule, orders.get(params.id ?? ''));
        return { json: { order } };
      },
    },
    {
      method: 'GET',
      path: '/team/f/',
      access: passesTest('username starts with f', (user) => user.isAuthenticated && user.username.startsWith('f')),
      handler: () => ({ json: { team: 'f' } }),
    },
    { method: 'GET', path: '/reports/export/', access: recentAuth(permission('billing.export_reports'), 600), handler: () => ({ json: { report: 'ok' } }) },
  ];
}

/** The gatehouse configuration the suite runs with (besides the test defaults). */
export const conformanceGatehouseConfig = {
  loginRedirectUrl: '/dashboard/',
  // Five tries per account and address, as in production; every scenario's client shares the
  // address 127.0.0.1, so the per-address count is set high enough for the whole run.
  throttle: { perAccountAndAddress: 5, perAddress: 1000, window: 900 },
  passwordReset: { perEmail: 5, perAddress: 100, invalidLinksPerAddress: 100 },
} as const;

/** Options the adapter passes to its gatehouse integration; see `ConformanceOptions`. */
export function conformanceOptions(parts: Omit<ConformanceOptions, 'siteName' | 'siteUrl' | 'allowedHosts' | 'accountViews'>): ConformanceOptions {
  return {
    ...parts,
    siteName: 'Conformance',
    // Links in mail come from here, never from the request: the scenarios check they do.
    siteUrl: 'http://conformance.test',
    allowedHosts: ['127.0.0.1', 'localhost'],
    accountViews: { prefix: '/accounts' },
  };
}
