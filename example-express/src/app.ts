/**
 * A small notes service on Express 5 with gatehouse/express: the permissions and roles in code,
 * the database prepared on start (gatehouse's schema, permissions, roles, one table of notes, demo
 * users on a fresh database), the account views at /accounts/, and one route of each access
 * class:
 *
 *   GET  /health/                 public, reads no session
 *   GET  /                        public (says who is logged in)
 *   GET  /notes/                  object rule: your notes, every note with notes.view_all_notes
 *   GET  /notes/:id/              object rule, checked on the loaded note
 *   GET  /reports/                permission reports.view_reports
 *   GET  /account/                logged in
 *   GET  /account/security/       logged in, password re-checked within 10 minutes
 *   POST /ops/cache/reset/        critical: staff AND ops.reset_cache, every decision audited
 *
 * `openExample(settings)` gives the running pieces; main.ts listens, tests drive it over HTTP.
 */
import { randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { type Gatehouse, type PermissionName, createGatehouse, defineApps, defineRoles } from 'gatehouse';
import { type Database, type DialectKind, createLoginThrottle, createRateLimits, openDatabase } from 'gatehouse/db';
import {
  type GatehouseExpress,
  access,
  authorizeObject,
  critical,
  defineRule,
  gatehouseExpress,
  loggedInUser,
  loginRequired,
  objectRule,
  permissionRequired,
  publicAccess,
  recentAuthRequired,
  ruleFilter,
} from 'gatehouse/express';
import { type ClosableMailer, mailerFromUrl } from 'gatehouse/mail';
import type { Generated, Kysely } from 'kysely';

export const apps = defineApps({
  notes: { models: { note: { permissions: { view_all_notes: 'Can view every note' } } } },
  reports: { permissions: { view_reports: 'Can view reports' } },
  ops: { permissions: { reset_cache: 'Can reset the cache' } },
});

/** Every permission name the example declares. */
export type Permission = PermissionName<typeof apps>;

export const roles = defineRoles<Permission>({
  Writer: ['notes.add_note', 'notes.change_note'],
  Moderator: ['notes.view_all_notes', 'notes.view_note'],
  Analyst: ['reports.view_reports'],
  Operator: ['ops.reset_cache'],
});

/** The demo users of a fresh database (staff flags belong to users, not roles). */
export const demoUsers = [
  { username: 'alice', role: 'Writer', isStaff: false },
  { username: 'bob', role: 'Writer', isStaff: false },
  { username: 'mona', role: 'Moderator', isStaff: false },
  { username: 'rita', role: 'Analyst', isStaff: false },
  { username: 'oscar', role: 'Operator', isStaff: true },
] as const;

/** The example's own table (type aliases: Kysely's table map needs an index signature). */
type NoteTable = {
  id: Generated<number>;
  owner_id: number;
  title: string;
};

/** The tables the example queries (gatehouse's own are reached through gatehouse). */
export type ExampleTables = {
  example_note: NoteTable;
};

/** A note as read. */
type Note = { id: number; owner_id: number; title: string };

/** Own notes; every note for holders of notes.view_all_notes. One rule for the page and the list. */
export const noteRule = defineRule<Note, ExampleTables, 'example_note'>({
  name: 'notes.note.view',
  grantedBy: ['notes.view_all_notes'],
  check: (user, note) => note.owner_id === user.id,
  where: (user, eb) => eb('example_note.owner_id', '=', user.id),
});

/** How the example runs. */
export interface ExampleSettings {
  /** `sqlite:/path/file.sqlite3`, `sqlite::memory:`, or `postgres://…`. */
  databaseUrl: string;
  /** At least 32 characters; a random one per process when absent (development only). */
  secretKey?: string | undefined;
  /** `console:` (reset mails printed), `memory:`, `smtp://…`. */
  emailUrl: string;
  /** The demo users' password, set on a fresh database. */
  demoPassword: string;
  /** NODE_ENV=production: no demo users, and gatehouse's production refusals apply. */
  production: boolean;
  /** `https://notes.example.com` (required in production). */
  siteUrl?: string | undefined;
  /** Host names the site answers (required in production). */
  allowedHosts?: readonly string[] | undefined;
  /** Silence gatehouse's log (tests). */
  quiet?: boolean;
}

/** The running pieces. */
export interface Example {
  app: Express;
  gh: GatehouseExpress;
  gatehouse: Gatehouse<Permission>;
  database: Database;
  mailer: ClosableMailer;
  /** True when the demo users were created by this start. */
  seeded: boolean;
  close(): Promise<void>;
}

async function migrateNotes(db: Kysely<ExampleTables>, kind: DialectKind): Promise<void> {
  await db.schema
    .createTable('example_note')
    .ifNotExists()
    .addColumn('id', kind === 'postgres' ? 'serial' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('auth_user.id').onDelete('cascade'))
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .execute();
}

async function seed(gatehouse: Gatehouse<Permission>, db: Kysely<ExampleTables>, password: string): Promise<void> {
  for (const demo of demoUsers) {
    const user = await gatehouse.accounts.createUser(
      { username: demo.username, email: `${demo.username}@example.com`, password, isStaff: demo.isStaff },
      { actor: 'seed' },
    );
    await gatehouse.accounts.addToGroup(user, demo.role, { actor: 'seed' });
    if (demo.username === 'alice' || demo.username === 'bob') {
      await db
        .insertInto('example_note')
        .values({ owner_id: user.id, title: `${demo.username}'s first note` })
        .execute();
    }
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function noteId(raw: unknown): number | null {
  return typeof raw === 'string' && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null;
}

/** The Express app: gatehouse first, the account views, the routes, the 404 and error handlers. */
export function buildApp(gh: GatehouseExpress, db: Kysely<ExampleTables>): Express {
  const app = express();
  app.use(gh.middleware);
  app.use('/accounts', gh.accountViews);

  app.get('/health/', access(publicAccess({ session: false })), (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/', access(publicAccess()), (req: Request, res: Response) => {
    const who = req.user.isAuthenticated
      ? `<p>Logged in as ${escapeHtml(req.user.username)}.</p><form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="${req.csrfToken()}"><button>Log out</button></form>`
      : '<p><a href="/accounts/login/">Log in</a></p>';
    res.send(
      page('Notes', `${who}<ul><li><a href="/notes/">Notes</a></li><li><a href="/reports/">Reports</a></li><li><a href="/account/">Account</a></li></ul>`),
    );
  });

  app.get('/notes/', access(objectRule(noteRule)), async (req: Request, res: Response) => {
    const notes = await db
      .selectFrom('example_note')
      .select(['id', 'owner_id', 'title'])
      .where(await ruleFilter(req, noteRule))
      .orderBy('id')
      .execute();
    res.json({ notes });
  });

  app.get('/notes/:id/', access(objectRule(noteRule)), async (req: Request, res: Response) => {
    const id = noteId(req.params.id);
    const note = id === null ? undefined : await db.selectFrom('example_note').select(['id', 'owner_id', 'title']).where('id', '=', id).executeTakeFirst();
    res.json({ note: await authorizeObject(req, noteRule, note) });
  });

  app.get('/reports/', permissionRequired('reports.view_reports'), (_req: Request, res: Response) => {
    res.json({ reports: [{ name: 'notes per user', rows: 2 }] });
  });

  app.get('/account/', loginRequired(), (req: Request, res: Response) => {
    const user = loggedInUser(req);
    const form = `<form method="post" action="/ops/cache/reset/"><input type="hidden" name="csrfmiddlewaretoken" value="${req.csrfToken()}"><button>Reset the cache</button></form>`;
    res.send(page('Account', `<p>${escapeHtml(user.username)} (${escapeHtml(user.email)})</p>${user.isStaff ? form : ''}`));
  });

  app.get('/account/security/', recentAuthRequired(600), (req: Request, res: Response) => {
    res.json({ username: loggedInUser(req).username, passwordRecentlyChecked: true });
  });

  app.post('/ops/cache/reset/', access(critical('ops.reset_cache')), (req: Request, res: Response) => {
    res.json({ reset: true, by: loggedInUser(req).username });
  });

  app.use(gh.notFoundHandler);
  app.use(gh.errorHandler);
  gh.check(app);
  return app;
}

/** Opens the database and the mailer, prepares the database, and builds the app. */
export async function openExample(settings: ExampleSettings): Promise<Example> {
  const mailer = mailerFromUrl(settings.emailUrl, { defaultFromEmail: 'notes@example.com' });
  const database = await openDatabase(settings.databaseUrl);
  try {
    const gatehouse = createGatehouse({
      stores: database.stores,
      apps,
      roles,
      config: {
        // Development without a key: a random one for this process (sessions end at restart).
        secretKey: settings.secretKey ?? (settings.production ? undefined : randomBytes(48).toString('base64url')),
        production: settings.production,
        loginUrl: '/accounts/login/',
        loginRedirectUrl: '/account/',
        logoutRedirectUrl: '/',
      },
    });
    await database.migrate({ emailUnique: gatehouse.config.emailUnique });
    await gatehouse.setup();
    const db = database.db.withTables<ExampleTables>();
    await migrateNotes(db, database.kind);
    let seeded = false;
    if (!settings.production && (await gatehouse.stores.users.count()) === 0) {
      await seed(gatehouse, db, settings.demoPassword);
      seeded = true;
    }
    const throttle = await createLoginThrottle(database, gatehouse.config.throttle);
    const rateLimits = await createRateLimits(database, gatehouse.config.passwordReset);
    const gh = await gatehouseExpress({
      gatehouse,
      mailer,
      throttle,
      rateLimits,
      siteName: 'Notes',
      siteUrl: settings.siteUrl,
      allowedHosts: settings.allowedHosts,
      ...(settings.quiet ? { logger: { info() {}, warn() {}, error() {} } } : {}),
    });
    const app = buildApp(gh, db);
    return {
      app,
      gh,
      gatehouse,
      database,
      mailer,
      seeded,
      async close() {
        await gh.close();
        await rateLimits.close();
        await throttle.close();
        await mailer.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    await mailer.close();
    throw error;
  }
}
