/**
 * CONTRACT.md's fixture users and its route table as data, so the tests drive every row for every
 * user (and for anonymous visitors) from one place.
 */

/** The fixture users who can log in. */
export const ACTIVE_USERS = ['alice', 'bob', 'sam', 'fin', 'fin_nostaff', 'ops', 'root', 'lead'] as const;
export type ActiveUser = (typeof ACTIVE_USERS)[number];
/** Anonymous visitors, and `inactive`, whose login is refused, so that it browses as anonymous. */
export type Visitor = ActiveUser | 'anonymous' | 'inactive';
export const VISITORS: readonly Visitor[] = ['anonymous', 'inactive', ...ACTIVE_USERS];

/** What a visitor gets: a status, or `login` (302 to the login page for browsers, 401 for JSON). */
export type Outcome = number | 'login';

/** One GET row: the path and each visitor's outcome. */
export interface GetRow {
  path: string;
  outcomes: Record<Visitor, Outcome>;
}

/** `allowed` get `yes`, other logged-in users `no`, anonymous visitors are sent to log in. */
function row(path: string, allowed: readonly ActiveUser[] | 'all', yes: Outcome = 200, no: Outcome = 403): GetRow {
  const outcomes = { anonymous: 'login', inactive: 'login' } as Record<Visitor, Outcome>;
  for (const user of ACTIVE_USERS) outcomes[user] = allowed === 'all' || allowed.includes(user) ? yes : no;
  return { path, outcomes };
}

/** Everyone, anonymous included. */
function everyone(path: string, status: Outcome): GetRow {
  const outcomes = {} as Record<Visitor, Outcome>;
  for (const visitor of VISITORS) outcomes[visitor] = status;
  return { path, outcomes };
}

/** Who holds shop.view_all_orders (Support and Admin). */
const SEES_ALL_ORDERS: readonly ActiveUser[] = ['sam', 'root', 'lead'];
const FINANCE: readonly ActiveUser[] = ['fin', 'fin_nostaff', 'root'];

/** Every GET route of the contract (the login and reset views are tested on their own). */
export const GET_ROWS: readonly GetRow[] = [
  everyone('/health/', 200),
  row('/dashboard/', 'all'),
  row('/invoices/', FINANCE),
  row('/orders/', 'all'),
  row('/orders/1/', ['alice', ...SEES_ALL_ORDERS]),
  row('/orders/2/', ['bob', ...SEES_ALL_ORDERS]),
  // Missing: 404 only for those who could see it; everyone else the same 403 as someone else's.
  row('/orders/999/', SEES_ALL_ORDERS, 404, 403),
  // Ids no row can have: 404 for everyone logged in, never a 500.
  row('/orders/abc/', 'all', 404, 404),
  row('/orders/0/', 'all', 404, 404),
  row('/orders/-1/', 'all', 404, 404),
  row('/orders/1.5/', 'all', 404, 404),
  row('/orders/99999999999999999999/', 'all', 404, 404),
  row('/orders/2147483648/', 'all', 404, 404),
  row('/internal/metrics/', ['ops', 'root']),
  row('/reports/export/', FINANCE),
  row('/account/email/', 'all'),
  row('/audit/', FINANCE),
];

/** The orders each user's list shows. */
export const VISIBLE_ORDERS: Record<ActiveUser, number[]> = {
  alice: [1],
  bob: [2],
  sam: [1, 2],
  fin: [],
  fin_nostaff: [],
  ops: [],
  root: [1, 2],
  lead: [1, 2],
};

/** Users refused by the critical route (staff AND billing.approve_payout): everyone but fin and root. */
export const CANNOT_APPROVE: readonly ActiveUser[] = ['alice', 'bob', 'sam', 'fin_nostaff', 'ops', 'lead'];

/** Words a 403 page must not contain: permission names, rule names, reasons, internals. */
export const LEAKS: RegExp =
  /billing\.|shop\.|ops\.|support\.|auth\.|view_|approve_|export_|missing permission|rule |not staff|superuser|stack|Error:|at [\w.]+ \(/i;
