/**
 * The peer app of the benchmark (issue 6, item 2): the example's measured routes written on the
 * stack a Node team would otherwise pick — Express 5, passport-local, express-session with a
 * SQLite session store (better-sqlite3-session-store) — and a hand-written permission check, over
 * the same database file as the example (auth_user, auth_group, auth_permission and the link
 * tables, shop_order, billing_invoice). Its own session table (`sessions`) sits beside gatehouse's.
 *
 * Written the way such a team typically writes it, no better and no worse:
 * - passport's `deserializeUser` loads the user row on every request;
 * - permissions: one query per request, on the first check, loading every permission the user
 *   holds directly or through a group, kept for the rest of the request (superusers pass);
 * - queries are better-sqlite3 prepared statements, run synchronously;
 * - express-session's defaults apart from the usual `resave: false, saveUninitialized: false`
 *   (so the store's `touch` writes the session's expiry back on every request, as it does for
 *   every app on this stack).
 * Passwords are the example's argon2 hashes in Django's format (`argon2$argon2id$v=19$…`): the
 * PHC string after the `argon2` prefix, verified with @node-rs/argon2 like any argon2 user would.
 * The routes answer the same JSON as the example's (`Accept: application/json`), from the same
 * rows. There is no CSRF protection on the login form (none of these packages gives one); the
 * example checks it, which costs it a form GET per login in the storm measurement only.
 *
 *   PORT=… HOST=127.0.0.1 DATABASE_FILE=/tmp/x.sqlite3 SECRET=… npx tsx bench/peer/server.ts
 */
import { verify } from '@node-rs/argon2';
import Sqlite from 'better-sqlite3';
import makeSqliteStore from 'better-sqlite3-session-store';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { ORDER_LIST_LIMIT, page } from './pages.js';

interface UserRow {
  id: number;
  username: string;
  email: string;
  password: string;
  is_active: number;
  is_staff: number;
  is_superuser: number;
}

interface OrderRow {
  id: number;
  owner_id: number;
  item: string;
  amount_cents: number;
  created_at: number;
  owner: string | null;
}

interface InvoiceRow {
  id: number;
  number: string;
  customer: string;
  amount_cents: number;
  status: string;
}

declare global {
  namespace Express {
    interface User extends UserRow {}
  }
}

const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const file = process.env.DATABASE_FILE;
const secret = process.env.SECRET ?? 'peer-secret-peer-secret-peer-secret-0000';
if (!file) throw new Error('DATABASE_FILE is required');

const db = new Sqlite(file);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');

const userById = db.prepare<[number], UserRow>('select * from auth_user where id = ?');
const userByName = db.prepare<[string], UserRow>('select * from auth_user where username = ?');
/** Every permission the user holds, directly or through a group, in one query. */
const userPermissions = db.prepare<[number, number], { name: string }>(
  `select p.app_label || '.' || p.codename as name
     from auth_permission p join auth_user_user_permissions up on up.permission_id = p.id where up.user_id = ?
   union
   select p.app_label || '.' || p.codename
     from auth_permission p join auth_group_permissions gp on gp.permission_id = p.id
     join auth_user_groups ug on ug.group_id = gp.group_id where ug.user_id = ?`,
);
const groupsOfUser = db.prepare<[number], { name: string }>(
  'select g.name from auth_group g join auth_user_groups ug on ug.group_id = g.id where ug.user_id = ? order by g.name',
);
const pendingPayouts = db.prepare<[], { id: number; amount_cents: number; requestedBy: string | null }>(
  `select p.id, p.amount_cents, u.username as requestedBy from billing_payout p left join auth_user u on u.id = p.requested_by
   where p.status = 'pending' order by p.id limit 20`,
);
const invoices = db.prepare<[], InvoiceRow>('select id, number, customer, amount_cents, status from billing_invoice order by number');
const orderColumns = 'o.id, o.owner_id, o.item, o.amount_cents, o.created_at, u.username as owner';
const orderById = db.prepare<[number], OrderRow>(`select ${orderColumns} from shop_order o left join auth_user u on u.id = o.owner_id where o.id = ?`);
const allOrders = db.prepare<[number], OrderRow>(`select ${orderColumns} from shop_order o left join auth_user u on u.id = o.owner_id order by o.id limit ?`);
const ownOrders = db.prepare<[number, number], OrderRow>(
  `select ${orderColumns} from shop_order o left join auth_user u on u.id = o.owner_id where o.owner_id = ? order by o.id limit ?`,
);

/**
 * Django's rule, as a team would copy it: inactive users have nothing, superusers everything,
 * everyone else what the one permission query of this request found (loaded on first use).
 */
const permissionsOfRequest = new WeakMap<Request, Set<string>>();
function hasPerm(req: Request, perm: string): boolean {
  const user = req.user;
  if (!user?.is_active) return false;
  if (user.is_superuser) return true;
  let perms = permissionsOfRequest.get(req);
  if (!perms) {
    perms = new Set(userPermissions.all(user.id, user.id).map((r) => r.name));
    permissionsOfRequest.set(req, perms);
  }
  return perms.has(perm);
}

passport.use(
  new LocalStrategy((username, password, done) => {
    const user = userByName.get(username);
    // Django's format is the PHC string with `argon2` in front.
    const hash = user?.password.startsWith('argon2$') ? user.password.slice('argon2'.length) : null;
    if (!user || !hash || !user.is_active) {
      done(null, false);
      return;
    }
    verify(hash, password).then(
      (ok) => done(null, ok ? user : false),
      (error: unknown) => done(error),
    );
  }),
);
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id: number, done) => {
  const user = userById.get(id);
  done(null, user?.is_active ? user : false);
});

const SqliteStore = makeSqliteStore(session);
const app = express();
app.disable('x-powered-by');
app.use(
  session({
    store: new SqliteStore({ client: db, expired: { clear: true, intervalMs: 15 * 60 * 1000 } }),
    secret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 12 * 3600 * 1000 },
  }),
);
app.use(passport.session());

function wantsJson(req: Request): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

function loginRequired(req: Request, res: Response, next: NextFunction): void {
  if (req.user) {
    next();
    return;
  }
  if (wantsJson(req)) {
    res.status(401).json({ error: 'not_authenticated', message: 'Log in first.' });
    return;
  }
  res.redirect(302, `/accounts/login/?next=${encodeURIComponent(req.originalUrl)}`);
}

function forbidden(req: Request, res: Response): void {
  if (wantsJson(req)) res.status(403).json({ error: 'permission_denied', message: 'You do not have access to this page.' });
  else res.status(403).send(page('Forbidden', '<p>You do not have access to this page.</p>'));
}

function permissionRequired(perm: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    loginRequired(req, res, () => {
      if (hasPerm(req, perm)) next();
      else forbidden(req, res);
    });
  };
}

/** Pages for a logged-in user must not land in a shared cache (the example sends the same). */
function privatePage(res: Response): Response {
  return res.set('Cache-Control', 'private, no-store').vary('Cookie');
}

const NAV: readonly { href: string; perm?: string }[] = [
  { href: '/dashboard/' },
  { href: '/orders/' },
  { href: '/invoices/', perm: 'billing.view_invoice' },
  { href: '/reports/export/', perm: 'billing.export_reports' },
  { href: '/audit/', perm: 'billing.view_audit_log' },
  { href: '/internal/metrics/', perm: 'ops.view_metrics' },
  { href: '/account/email/' },
];

function orderJson(order: OrderRow): Record<string, unknown> {
  return { id: order.id, owner: order.owner, item: order.item, amountCents: order.amount_cents, createdAt: new Date(order.created_at).toISOString() };
}

app.get('/health/', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/accounts/login/', (_req, res) => {
  res.send(page('Log in', '<form method="post"><input name="username"><input type="password" name="password"><button>Log in</button></form>'));
});

app.post('/accounts/login/', express.urlencoded({ extended: false }), passport.authenticate('local', { failureRedirect: '/accounts/login/' }), (_req, res) => {
  res.redirect(302, '/dashboard/');
});

app.get('/dashboard/', loginRequired, (req, res) => {
  const user = req.user!;
  const groups = groupsOfUser.all(user.id).map((g) => g.name);
  const links = NAV.filter((l) => l.href !== '/dashboard/' && (!l.perm || hasPerm(req, l.perm))).map((l) => l.href);
  const pending = user.is_staff && hasPerm(req, 'billing.approve_payout') ? pendingPayouts.all() : [];
  privatePage(res).json({
    user: { username: user.username, email: user.email, isStaff: user.is_staff === 1, isSuperuser: user.is_superuser === 1, groups },
    links,
    pendingPayouts: pending.map((p) => ({ id: p.id, amountCents: p.amount_cents, requestedBy: p.requestedBy })),
  });
});

app.get('/invoices/', permissionRequired('billing.view_invoice'), (_req, res) => {
  privatePage(res).json({
    invoices: invoices.all().map((r) => ({ id: r.id, number: r.number, customer: r.customer, amountCents: r.amount_cents, status: r.status })),
  });
});

app.get('/orders/', loginRequired, (req, res) => {
  const seesAll = hasPerm(req, 'shop.view_all_orders');
  const rows = seesAll ? allOrders.all(ORDER_LIST_LIMIT) : ownOrders.all(req.user!.id, ORDER_LIST_LIMIT);
  privatePage(res).json({ orders: rows.map(orderJson), scope: seesAll ? 'all' : 'own' });
});

app.get('/orders/:id/', loginRequired, (req, res) => {
  const raw = String(req.params.id);
  const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null;
  const order = id === null ? undefined : orderById.get(id);
  const seesAll = hasPerm(req, 'shop.view_all_orders');
  if (!order) {
    if (seesAll) res.status(404).json({ error: 'not_found', message: 'Not found.' });
    else forbidden(req, res);
    return;
  }
  if (!seesAll && order.owner_id !== req.user!.id) {
    forbidden(req, res);
    return;
  }
  privatePage(res).json({ order: orderJson(order) });
});

const server = app.listen(port, host, () => {
  process.stdout.write(`peer listening on http://${host}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    db.close();
    process.exit(0);
  });
}
