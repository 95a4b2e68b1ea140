/**
 * `gatehouse import-django` on each database, checked against what Django itself says about the
 * fixture (django32-auth-manifest.json): totals, every sample's permissions and has_perm answers,
 * logins with the samples' plaintexts, hash upgrades, idempotent re-runs, and the SQLite, dumpdata
 * and PostgreSQL sources giving the same result.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaults } from '../../src/core/config.js';
import { createGatehouse } from '../../src/core/gatehouse.js';
import { usernameSkeleton } from '../../src/core/skeleton.js';
import { type FreshDatabase, freshDatabaseUrl, postgresAdminUrl, djangoFixturesDir, testDatabases } from '../support/databases.js';
import { ensureBuilt, hasStackTrace, openDirect, runCli } from './helpers.js';

/** Permissions of gatehouse's `auth` app for models Django's has none of (sessions, the audit log). */
const GATEHOUSE_ONLY_AUTH = ['auth.delete_session', 'auth.view_auditlog', 'auth.view_session'];

interface Sample {
  id: number;
  username: string;
  email: string;
  password: string;
  hasher: string;
  iterations: number | null;
  stored_password: string;
  check_password: boolean;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
  date_joined: string;
  last_login: string | null;
  groups: string[];
  get_user_permissions: string[];
  get_group_permissions: string[];
  get_all_permissions: string[];
  has_perm: Record<string, boolean>;
  has_module_perms: Record<string, boolean>;
}

interface Manifest {
  totals: {
    users: number;
    active: number;
    staff: number;
    superusers: number;
    groups: number;
    permissions: number;
    memberships: number;
    user_permission_rows: number;
    group_permission_rows: number;
    users_with_direct_permissions: number;
    members_per_group: Record<string, number>;
    permissions_per_group: Record<string, number>;
    hashers: Record<string, number>;
    pbkdf2_sha256_iterations: Record<string, number>;
    last_login_null: number;
    email_empty: number;
    usernames_non_ascii: number;
    emails_shared_case_insensitive: string[];
    user_id_max: number;
    deleted_user_ids: number[];
  };
  samples: Sample[];
}

const fixtures = djangoFixturesDir();
const SQLITE_SOURCE = join(fixtures, 'django32-auth.sqlite3');
const JSON_SOURCE = join(fixtures, 'django32-auth-dumpdata.json');
let manifest: Manifest;
/** A folder whose config module turns emailUnique off, as a Django import needs. */
let configDir: string;
/** A folder without a config module (emailUnique on, the default). */
let plainDir: string;

beforeAll(async () => {
  await ensureBuilt();
  manifest = JSON.parse(await readFile(join(fixtures, 'django32-auth-manifest.json'), 'utf8')) as Manifest;
  configDir = await mkdtemp(join(tmpdir(), 'gh-cli-import-'));
  // A plain object, not defineGatehouseApp: the command checks it the same way.
  await writeFile(join(configDir, 'gatehouse.config.mjs'), 'export default { apps: {}, config: { emailUnique: false } };\n');
  plainDir = await mkdtemp(join(tmpdir(), 'gh-cli-import-plain-'));
}, 120_000);
afterAll(async () => {
  await Promise.all([configDir, plainDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

/** Django's ISO time (microseconds, offset) as epoch ms, truncated as the importer does. */
function djangoTime(iso: string | null): number | null {
  if (iso === null) return null;
  return Date.parse(iso.replace(/(\.\d{3})\d*/, '$1'));
}

/** Everything an import writes, keyed by names so two databases can be compared. */
async function snapshot(url: string) {
  const d = await openDirect(url);
  try {
    const db = d.database.db;
    const users = (await db.selectFrom('auth_user').selectAll().orderBy('username').execute()).map((u) => ({
      username: u.username,
      email: u.email,
      password: u.password,
      firstName: u.first_name,
      lastName: u.last_name,
      isActive: Boolean(u.is_active),
      isStaff: Boolean(u.is_staff),
      isSuperuser: Boolean(u.is_superuser),
      lastLogin: u.last_login === null ? null : Number(u.last_login),
      dateJoined: Number(u.date_joined),
    }));
    const permissions = (await db.selectFrom('auth_permission').select(['app_label', 'codename', 'name', 'model']).execute())
      .map((p) => `${p.app_label}.${p.codename}|${p.model}|${p.name}`)
      .sort();
    const groupPerms = (
      await db
        .selectFrom('auth_group_permissions as gp')
        .innerJoin('auth_group as g', 'g.id', 'gp.group_id')
        .innerJoin('auth_permission as p', 'p.id', 'gp.permission_id')
        .select(['g.name', 'p.app_label', 'p.codename'])
        .execute()
    )
      .map((r) => `${r.name}|${r.app_label}.${r.codename}`)
      .sort();
    const memberships = (
      await db
        .selectFrom('auth_user_groups as ug')
        .innerJoin('auth_user as u', 'u.id', 'ug.user_id')
        .innerJoin('auth_group as g', 'g.id', 'ug.group_id')
        .select(['u.username', 'g.name'])
        .execute()
    )
      .map((r) => `${r.username}|${r.name}`)
      .sort();
    const grants = (
      await db
        .selectFrom('auth_user_user_permissions as up')
        .innerJoin('auth_user as u', 'u.id', 'up.user_id')
        .innerJoin('auth_permission as p', 'p.id', 'up.permission_id')
        .select(['u.username', 'p.app_label', 'p.codename'])
        .execute()
    )
      .map((r) => `${r.username}|${r.app_label}.${r.codename}`)
      .sort();
    const groups = (await db.selectFrom('auth_group').select('name').orderBy('name').execute()).map((g) => g.name);
    return { users, permissions, groups, groupPerms, memberships, grants };
  } finally {
    await d.close();
  }
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** A PostgreSQL database laid out as Django 3.2 makes it, filled from the SQLite fixture. */
async function djangoOnPostgres(): Promise<FreshDatabase> {
  const db = await freshDatabaseUrl('postgres');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const source = new Sqlite(SQLITE_SOURCE, { readonly: true, fileMustExist: true });
  try {
    await client.query(`
      CREATE TABLE django_content_type (id serial PRIMARY KEY, app_label varchar(100) NOT NULL, model varchar(100) NOT NULL);
      CREATE TABLE auth_permission (id serial PRIMARY KEY, name varchar(255) NOT NULL, content_type_id integer NOT NULL REFERENCES django_content_type, codename varchar(100) NOT NULL);
      CREATE TABLE auth_group (id serial PRIMARY KEY, name varchar(150) NOT NULL UNIQUE);
      CREATE TABLE auth_group_permissions (id bigserial PRIMARY KEY, group_id integer NOT NULL REFERENCES auth_group, permission_id integer NOT NULL REFERENCES auth_permission);
      CREATE TABLE auth_user (id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz NULL, is_superuser boolean NOT NULL,
        username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,
        is_staff boolean NOT NULL, is_active boolean NOT NULL, date_joined timestamptz NOT NULL);
      CREATE TABLE auth_user_groups (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES auth_user, group_id integer NOT NULL REFERENCES auth_group);
      CREATE TABLE auth_user_user_permissions (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES auth_user, permission_id integer NOT NULL REFERENCES auth_permission);
      SET TIME ZONE 'America/New_York';`);
    const copy = async (table: string, columns: string[], cast: Record<string, string> = {}) => {
      const rows = source.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).all() as Record<string, unknown>[];
      const values: unknown[] = [];
      const tuples = rows.map(
        (row) =>
          `(${columns
            .map((c) => {
              values.push(row[c]);
              return `$${values.length}${cast[c] ?? ''}`;
            })
            .join(', ')})`,
      );
      if (rows.length > 0) await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    };
    await client.query('BEGIN');
    await copy('django_content_type', ['id', 'app_label', 'model']);
    await copy('auth_permission', ['id', 'name', 'content_type_id', 'codename']);
    await copy('auth_group', ['id', 'name']);
    await copy('auth_group_permissions', ['id', 'group_id', 'permission_id']);
    // SQLite holds UTC without an offset: say so, whatever the session's time zone.
    const utc = "::timestamp AT TIME ZONE 'UTC'";
    const bool = '::int::boolean';
    await copy(
      'auth_user',
      ['id', 'password', 'last_login', 'is_superuser', 'username', 'first_name', 'last_name', 'email', 'is_staff', 'is_active', 'date_joined'],
      {
        last_login: utc,
        date_joined: utc,
        is_superuser: bool,
        is_staff: bool,
        is_active: bool,
      },
    );
    await copy('auth_user_groups', ['id', 'user_id', 'group_id']);
    await copy('auth_user_user_permissions', ['id', 'user_id', 'permission_id']);
    await client.query('COMMIT');
  } finally {
    source.close();
    await client.end();
  }
  return db;
}

// The databases run side by side (each one's steps in order): the CLI's start-up dominates.
describe.concurrent.each(testDatabases())('gatehouse import-django on $label', ({ kind }) => {
  const databases: FreshDatabase[] = [];
  let a: FreshDatabase;
  let afterSqliteImport: Snapshot;
  const inConfigDir = (url: string, args: string[]) => runCli(args, { databaseUrl: url, cwd: configDir });

  beforeAll(async () => {
    a = await freshDatabaseUrl(kind);
    databases.push(a);
    expect((await inConfigDir(a.url, ['migrate'])).code).toBe(0);
  });
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it.sequential("imports the SQLite file: the totals are the manifest's, hashes and datetimes as Django stored them", async () => {
    const started = Date.now();
    const result = await inConfigDir(a.url, ['import-django', SQLITE_SOURCE, '--json']);
    const wall = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout);
    console.log(`import-django (${kind} target, SQLite source, 300 users): ${summary.durationMs} ms import, ${wall} ms for the whole command`);
    expect(summary).toMatchObject({
      dryRun: false,
      permissions: { created: 37, existing: 12 },
      groups: { created: 8, existing: 0, grantsAdded: 49 },
      users: { created: 300, updated: 0, unchanged: 0, skipped: [], emailsCleared: [] },
      memberships: { added: 239, existing: 0, onlyInTarget: 0 },
      directGrants: { added: 53, existing: 0, onlyInTarget: 0 },
      problems: [],
    });
    // The md5 hashes Django holds are counted, with the exact line that lets those users log in
    // (the legacy digests are off by default).
    expect(summary.users.legacyHashes).toEqual({
      count: manifest.totals.hashers.md5,
      algorithms: { md5: manifest.totals.hashers.md5 },
      notEnabled: ['md5'],
      enableWith: 'passwordHashers: ["argon2","scrypt","pbkdf2_sha256","pbkdf2_sha1","bcrypt_sha256","bcrypt","md5"],',
    });

    const snap = await snapshot(a.url);
    afterSqliteImport = snap;
    // The import writes rows itself: it fills the confusable-username skeleton as the store does.
    const direct = await openDirect(a.url, { emailUnique: false });
    try {
      const rows = await direct.database.db.selectFrom('auth_user').select(['username', 'username_skeleton']).execute();
      expect(rows).toHaveLength(manifest.totals.users);
      for (const row of rows) expect(row.username_skeleton, row.username).toBe(usernameSkeleton(row.username));
    } finally {
      await direct.close();
    }
    const t = manifest.totals;
    const { users } = snap;
    expect(users).toHaveLength(t.users);
    expect(users.filter((u) => u.isActive)).toHaveLength(t.active);
    expect(users.filter((u) => u.isStaff)).toHaveLength(t.staff);
    expect(users.filter((u) => u.isSuperuser)).toHaveLength(t.superusers);
    expect(users.filter((u) => u.lastLogin === null)).toHaveLength(t.last_login_null);
    expect(users.filter((u) => u.email === '')).toHaveLength(t.email_empty);
    expect(users.filter((u) => /[^\x00-\x7f]/.test(u.username))).toHaveLength(t.usernames_non_ascii);
    expect(snap.groups).toHaveLength(t.groups);
    // Django's own, plus the auth permissions gatehouse declares for models Django has none of.
    expect(snap.permissions).toHaveLength(t.permissions + GATEHOUSE_ONLY_AUTH.length);
    expect(snap.groupPerms).toHaveLength(t.group_permission_rows);
    expect(snap.memberships).toHaveLength(t.memberships);
    expect(snap.grants).toHaveLength(t.user_permission_rows);
    expect(new Set(snap.grants.map((g) => g.split('|')[0])).size).toBe(t.users_with_direct_permissions);
    for (const [group, members] of Object.entries(t.members_per_group))
      expect(
        snap.memberships.filter((m) => m.endsWith(`|${group}`)),
        group,
      ).toHaveLength(members);
    for (const [group, perms] of Object.entries(t.permissions_per_group))
      expect(
        snap.groupPerms.filter((m) => m.startsWith(`${group}|`)),
        group,
      ).toHaveLength(perms);
    const algorithm = (password: string) => (password.startsWith('!') ? 'unusable' : password.split('$')[0]!);
    const byHasher: Record<string, number> = {};
    for (const u of users) byHasher[algorithm(u.password)] = (byHasher[algorithm(u.password)] ?? 0) + 1;
    expect(byHasher).toEqual(t.hashers);
    const iterations: Record<string, number> = {};
    for (const u of users.filter((x) => x.password.startsWith('pbkdf2_sha256$')))
      iterations[u.password.split('$')[1]!] = (iterations[u.password.split('$')[1]!] ?? 0) + 1;
    expect(iterations).toEqual(t.pbkdf2_sha256_iterations);
    // Shared emails are all kept, as in Django (emailUnique is off in this config).
    for (const email of t.emails_shared_case_insensitive) expect(users.filter((u) => u.email.toLowerCase() === email).length).toBeGreaterThan(1);

    // Django's ids are kept (gaps included), so the app's own tables can follow as they are.
    const ids = await openDirect(a.url).then(async (d) => {
      try {
        return new Map((await d.database.db.selectFrom('auth_user').select(['id', 'username']).execute()).map((r) => [r.username, Number(r.id)]));
      } finally {
        await d.close();
      }
    });
    for (const s of manifest.samples) expect(ids.get(s.username), s.username).toBe(s.id);
    expect(Math.max(...ids.values())).toBe(t.user_id_max);
    for (const gap of t.deleted_user_ids) expect([...ids.values()]).not.toContain(gap);

    for (const s of manifest.samples) {
      const u = users.find((x) => x.username === s.username)!;
      expect(u, s.username).toBeDefined();
      expect(u.password, s.username).toBe(s.stored_password);
      expect([u.isActive, u.isStaff, u.isSuperuser], s.username).toEqual([s.is_active, s.is_staff, s.is_superuser]);
      expect(u.dateJoined, s.username).toBe(djangoTime(s.date_joined));
      expect(u.lastLogin, s.username).toBe(djangoTime(s.last_login));
      expect(u.email.toLowerCase(), s.username).toBe(s.email.toLowerCase());
    }
  });

  it.sequential("answers every sample's permission questions as Django does", async () => {
    const d = await openDirect(a.url, { emailUnique: false });
    try {
      const { gatehouse } = d;
      for (const s of manifest.samples) {
        const user = (await gatehouse.stores.users.getByUsername(s.username))!;
        const sorted = (set: Set<string>) => [...set].sort();
        // A superuser has every permission in the database, gatehouse's own auth ones included.
        const extra = s.is_superuser && s.is_active ? GATEHOUSE_ONLY_AUTH : [];
        expect(sorted(await gatehouse.getAllPermissions(user)), `${s.username} get_all_permissions`).toEqual([...s.get_all_permissions, ...extra].sort());
        expect(sorted(await gatehouse.authz.getUserPermissions(user)), `${s.username} get_user_permissions`).toEqual(
          [...s.get_user_permissions, ...extra].sort(),
        );
        expect(sorted(await gatehouse.authz.getGroupPermissions(user)), `${s.username} get_group_permissions`).toEqual(
          [...s.get_group_permissions, ...extra].sort(),
        );
        for (const [perm, answer] of Object.entries(s.has_perm)) expect(await gatehouse.hasPerm(user, perm), `${s.username} has_perm ${perm}`).toBe(answer);
        for (const [app, answer] of Object.entries(s.has_module_perms))
          expect(await gatehouse.authz.hasModulePerms(user, app), `${s.username} has_module_perms ${app}`).toBe(answer);
        expect((await gatehouse.stores.groups.groupsOfUser(user.id)).map((g) => g.name).sort(), `${s.username} groups`).toEqual([...s.groups].sort());
      }
    } finally {
      await d.close();
    }
  });

  it.sequential('logs each sample in with its plaintext exactly when Django would, and upgrades the hash', async () => {
    const d = await openDirect(a.url, { emailUnique: false });
    try {
      // The default hashers (argon2 first): what a real app runs, so a login upgrades old hashes.
      const defaultsOnly = createGatehouse({ stores: d.database.stores, config: { emailUnique: false } });
      // The line import-django printed: the defaults, then md5 to verify (and upgrade) those users.
      const withLegacy = createGatehouse({ stores: d.database.stores, config: { emailUnique: false, passwordHashers: [...defaults.passwordHashers, 'md5'] } });
      const md5Samples = manifest.samples.filter((s) => s.hasher === 'md5');
      expect(md5Samples.some((s) => s.check_password && s.is_active)).toBe(true);
      for (const s of md5Samples) {
        // Legacy digests are off by default: the right password does not open an md5 account.
        expect((await defaultsOnly.hashers.checkPassword(s.password, s.stored_password)).valid, `${s.username} md5 off by default`).toBe(false);
        expect(await defaultsOnly.authenticate({ username: s.username, password: s.password }), `${s.username} no login without md5`).toBeNull();
        expect((await defaultsOnly.stores.users.getByUsername(s.username))!.password).toBe(s.stored_password);
      }
      await Promise.all(
        manifest.samples.map(async (s) => {
          const gatehouse = s.hasher === 'md5' ? withLegacy : defaultsOnly;
          // For inactive users, Django's check_password on the stored hash (a login says it for the rest).
          if (!s.is_active) {
            const check = await gatehouse.hashers.checkPassword(s.password, s.stored_password);
            expect(check.valid, `${s.username} check_password`).toBe(s.check_password);
          }
          const user = await gatehouse.authenticate({ username: s.username, password: s.password });
          // Inactive users never authenticate, whatever their password.
          expect(user !== null, `${s.username} logs in`).toBe(s.check_password && s.is_active);
          const stored = (await gatehouse.stores.users.getByUsername(s.username))!.password;
          if (user !== null) {
            expect(stored, `${s.username} hash upgraded`).toMatch(/^argon2\$argon2id\$/);
            expect((await gatehouse.hashers.checkPassword(s.password, stored)).valid).toBe(true);
          } else {
            expect(stored, `${s.username} hash untouched`).toBe(s.stored_password);
          }
          if (s.hasher !== 'pbkdf2_sha256') {
            expect((await gatehouse.hashers.checkPassword(`${s.password}x`, s.stored_password)).valid, `${s.username} wrong password`).toBe(false);
          }
        }),
      );
      const upgradedPbkdf2 = manifest.samples.filter((s) => s.hasher === 'pbkdf2_sha256' && s.check_password && s.is_active);
      expect(upgradedPbkdf2.length).toBeGreaterThan(5);
    } finally {
      await d.close();
    }
  }, 60_000);

  it.sequential('changes nothing when run again, from either source, keeping the hashes upgraded at login', async () => {
    const before = await snapshot(a.url);
    const again = await inConfigDir(a.url, ['import-django', SQLITE_SOURCE, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout);
    const upgraded = manifest.samples
      .filter((s) => s.check_password && s.is_active)
      .map((s) => s.username)
      .sort();
    expect(summary).toMatchObject({
      permissions: { created: 0, existing: 49 },
      groups: { created: 0, existing: 8, grantsAdded: 0, grantsExisting: 49 },
      users: { created: 0, updated: 0, unchanged: 300, skipped: [] },
      memberships: { added: 0, existing: 239 },
      directGrants: { added: 0, existing: 53 },
    });
    expect([...summary.users.passwordsKept].sort()).toEqual(upgraded);
    const fromJson = await inConfigDir(a.url, ['import-django', JSON_SOURCE, '--json']);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect(JSON.parse(fromJson.stdout).users).toMatchObject({ created: 0, updated: 0, unchanged: 300 });
    expect(await snapshot(a.url)).toEqual(before);

    const text = await inConfigDir(a.url, ['import-django', SQLITE_SOURCE, '--no-progress']);
    expect(text.stdout).toContain('Users:        0 created, 0 updated, 300 unchanged, 0 skipped');
    expect(text.stdout).toMatch(/Passwords kept: \d+ user\(s\)/);
  });

  it.sequential('gives the same result from the dumpdata JSON file; --dry-run writes nothing; a progress bar goes to stderr', async () => {
    const b = await freshDatabaseUrl(kind);
    databases.push(b);
    expect((await inConfigDir(b.url, ['migrate'])).code).toBe(0);
    const dry = await inConfigDir(b.url, ['import-django', JSON_SOURCE, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, users: { created: 300 } });
    expect((await snapshot(b.url)).users).toHaveLength(0);

    const real = await inConfigDir(b.url, ['import-django', JSON_SOURCE]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('Imported from dumpdata file');
    expect(real.stdout).toContain(
      `Legacy hashes: ${manifest.totals.hashers.md5} imported password hash(es) use a fast digest (${manifest.totals.hashers.md5} md5).`,
    );
    expect(real.stdout).toContain('      passwordHashers: ["argon2","scrypt","pbkdf2_sha256","pbkdf2_sha1","bcrypt_sha256","bcrypt","md5"],');
    expect(real.stdout).toContain('Users:        300 created, 0 updated, 0 unchanged, 0 skipped');
    // Not a terminal: cli-progress's noTTYOutput lines, on stderr only.
    expect(real.stderr).toContain('Importing [');
    expect(real.stdout).not.toContain('Importing [');
    expect(await snapshot(b.url)).toEqual(afterSqliteImport);
  });

  it.sequential('stops before writing when emails are shared and emailUnique is on; --allow-duplicate-emails imports without them; taken ids are renumbered', async () => {
    const c = await freshDatabaseUrl(kind);
    databases.push(c);
    const plain = (args: string[]) => runCli(args, { databaseUrl: c.url, cwd: plainDir });
    expect((await plain(['migrate'])).code).toBe(0);
    // An account of gatehouse's own holds id 1, which Django's admin has.
    expect(JSON.parse((await plain(['user', 'create', 'early', '--unusable-password', '--json'])).stdout).id).toBe(1);
    const refused = await plain(['import-django', SQLITE_SOURCE]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('3 email addresses are shared by several accounts');
    expect(refused.stderr).toContain('dana.lee@example.com (dana.lee, Dana.Lee)');
    expect(refused.stderr).toContain('emailUnique: false');
    expect(refused.stderr).toContain('--allow-duplicate-emails');
    expect(refused.stderr).not.toContain('Importing [');
    expect(hasStackTrace(refused.stderr)).toBe(false);
    expect((await snapshot(c.url)).users).toHaveLength(1);

    const allowed = await plain(['import-django', SQLITE_SOURCE, '--allow-duplicate-emails', '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const summary = JSON.parse(allowed.stdout);
    expect(summary.users.created).toBe(300);
    expect(summary.users.renumbered).toEqual([{ username: 'admin', djangoId: 1, id: manifest.totals.user_id_max + 1 }]);
    expect(summary.users.emailsCleared.map((e: { username: string }) => e.username).sort()).toEqual(
      ['Dana.Lee', 'nicholas-thompson', 'Richard.Jimenez'].sort(),
    );
    const users = (await snapshot(c.url)).users;
    expect(users.find((u) => u.username === 'Dana.Lee')!.email).toBe('');
    expect(users.find((u) => u.username === 'dana.lee')!.email).toBe('Dana.Lee@example.com');
    // Mixed-case domains are stored with the domain lower-cased, as gatehouse stores every email.
    expect(users.find((u) => u.username === 'mostergaard')!.email).toBe('Mei.Ostergaard@billing.example');
    const rerun = await plain(['import-django', SQLITE_SOURCE, '--allow-duplicate-emails', '--json']);
    expect(JSON.parse(rerun.stdout).users).toMatchObject({ created: 0, updated: 0, unchanged: 300 });
    // The id sequence moved past the imported ids: the next account does not collide.
    const next = await plain(['user', 'create', 'newcomer', '--unusable-password', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout).id).toBe(manifest.totals.user_id_max + 2);
  });

  it.sequential('refuses sources that are not Django databases, in one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-cli-sources-'));
    try {
      await writeFile(join(dir, 'notes.txt'), 'hello\n');
      await writeFile(join(dir, 'broken.json'), '[{"model": ');
      const empty = new Sqlite(join(dir, 'empty.sqlite3'));
      empty.exec('CREATE TABLE t (x)');
      empty.close();
      const results = await Promise.all([
        inConfigDir(a.url, ['import-django', join(dir, 'missing.sqlite3')]),
        inConfigDir(a.url, ['import-django', join(dir, 'notes.txt')]),
        inConfigDir(a.url, ['import-django', join(dir, 'broken.json')]),
        inConfigDir(a.url, ['import-django', join(dir, 'empty.sqlite3')]),
        inConfigDir(a.url, ['import-django', 'mysql://django:secret@db/app']),
      ]);
      expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
      expect(results[0]!.stderr).toContain('No such file');
      expect(results[1]!.stderr).toContain('neither a SQLite database nor a dumpdata JSON file');
      expect(results[2]!.stderr).toContain('is not valid JSON');
      expect(results[3]!.stderr).toContain('has no django_content_type, auth_permission');
      expect(results[4]!.stderr).toContain('Cannot import from mysql://django:***@db/app');
      for (const r of results) expect(hasStackTrace(r.stderr)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Needs a PostgreSQL server for the source: skipped (it could not run) without one.
  (postgresAdminUrl() !== undefined ? it.sequential : it.skip)('gives the same result from a Django PostgreSQL database', async () => {
    const source = await djangoOnPostgres();
    databases.push(source);
    const target = await freshDatabaseUrl(kind);
    databases.push(target);
    expect((await inConfigDir(target.url, ['migrate'])).code).toBe(0);
    const result = await inConfigDir(target.url, ['import-django', source.url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).source).toMatch(/^PostgreSQL database postgres:\/\//);
    expect(await snapshot(target.url)).toEqual(afterSqliteImport);
  });
});
