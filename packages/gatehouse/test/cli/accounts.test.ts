/**
 * The built `gatehouse` command on each database: migrate, showmigrations, createsuperuser,
 * changepassword, user ..., sessions ..., audit ..., and its behaviour on bad input.
 */
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/core/sessions.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type Direct, canFakeTerminal, ensureBuilt, hasStackTrace, openDirect, runCli, runInTerminal } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

// The databases run side by side (each one's steps in order): the CLI's start-up dominates.
describe.concurrent.each(testDatabases())('gatehouse accounts commands on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let url: string;
  const cli = (args: string[], options: { input?: string; env?: Record<string, string | undefined> } = {}) => runCli(args, { databaseUrl: url, ...options });

  async function direct<T>(fn: (d: Direct) => Promise<T>): Promise<T> {
    const d = await openDirect(url);
    try {
      return await fn(d);
    } finally {
      await d.close();
    }
  }

  /** Logs the user in, in this process, and returns the raw session id. */
  const loginSession = (username: string): Promise<string> =>
    direct(async ({ gatehouse }) => {
      const user = (await gatehouse.stores.users.getByUsername(username))!;
      return (await gatehouse.login(user, null)).id;
    });
  const sessionAlive = (id: string): Promise<boolean> => direct(async ({ gatehouse }) => (await gatehouse.sessions.load(id)) !== null);
  const authenticates = (username: string, password: string): Promise<boolean> =>
    direct(async ({ gatehouse }) => (await gatehouse.authenticate({ username, password })) !== null);

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    url = fresh.url;
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it.sequential('refuses to work on a database that is not migrated, then migrate creates it, idempotently', async () => {
    const before = await cli(['user', 'list']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(kind === 'sqlite' ? /no SQLite database .*gatehouse migrate/ : /not migrated .*gatehouse migrate/);
    expect(hasStackTrace(before.stderr)).toBe(false);

    const first = await cli(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      'Schema: applied 0001_initial, 0002_username_skeleton, 0003_authz_versions, 0004_api_tokens, 0005_admin_indexes, 0006_authz_triggers.',
    );
    expect(first.stdout).toContain('Permissions: 15 created');
    expect(first.stdout).toContain('+ auth.change_user');
    expect(first.stderr).toContain('No config module');

    const again = await cli(['migrate', '--json']);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ applied: [], emailUnique: true, permissions: { created: [], updated: [] }, roles: { createdGroups: [] } });

    const shown = await cli(['showmigrations', '--check']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\[X\] 0001_initial/);
    const json = JSON.parse((await cli(['showmigrations', '--json'])).stdout);
    expect(json).toEqual([
      { name: '0001_initial', applied: true, appliedAt: expect.any(String) },
      { name: '0002_username_skeleton', applied: true, appliedAt: expect.any(String) },
      { name: '0003_authz_versions', applied: true, appliedAt: expect.any(String) },
      { name: '0004_api_tokens', applied: true, appliedAt: expect.any(String) },
      { name: '0005_admin_indexes', applied: true, appliedAt: expect.any(String) },
      { name: '0006_authz_triggers', applied: true, appliedAt: expect.any(String) },
    ]);
  });

  it.sequential('createsuperuser --no-input reads the GATEHOUSE_SUPERUSER_* variables, and refuses to prompt without a terminal', async () => {
    const env = { GATEHOUSE_SUPERUSER_USERNAME: 'root', GATEHOUSE_SUPERUSER_EMAIL: 'root@example.com', GATEHOUSE_SUPERUSER_PASSWORD: 'orbit maple velvet' };
    const [noTty, noName, weak] = await Promise.all([
      cli(['createsuperuser']),
      cli(['createsuperuser', '--no-input'], { env: { GATEHOUSE_SUPERUSER_USERNAME: undefined } }),
      cli(['createsuperuser', '--no-input'], { env: { ...env, GATEHOUSE_SUPERUSER_PASSWORD: '12345678' } }),
    ]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/needs a terminal.*--no-input/);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('GATEHOUSE_SUPERUSER_USERNAME');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/too common|entirely numeric/);

    const made = await cli(['createsuperuser', '--no-input'], { env });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('Superuser "root" created.');
    const root = await direct(({ gatehouse }) => gatehouse.stores.users.getByUsername('root'));
    expect(root).toMatchObject({ isSuperuser: true, isStaff: true, isActive: true, email: 'root@example.com' });
    expect(root!.password).toMatch(/^argon2\$/);
    expect(await authenticates('root', 'orbit maple velvet')).toBe(true);

    const twice = await cli(['createsuperuser', '--no-input'], { env });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('already exists');

    const unusable = await cli(['createsuperuser', '--no-input', '--username', 'ops'], { env: { GATEHOUSE_SUPERUSER_PASSWORD: undefined } });
    expect(unusable.code).toBe(0);
    expect(unusable.stdout).toContain('unusable password');
  });

  it.sequential('user create takes the password from stdin only, validates it and never prints the hash', async () => {
    const [weak, noSource, argv] = await Promise.all([
      cli(['user', 'create', 'weakling', '--password-stdin'], { input: 'abc\n' }),
      cli(['user', 'create', 'nopass']),
      cli(['user', 'create', 'alice', 'orbit-maple-velvet']),
    ]);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('too short');
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/--password-stdin.*--unusable-password/);
    // A password given as an argument is a usage error, not a password.
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/too many arguments/);

    const created = await cli(['user', 'create', 'alice', '--email', 'alice@Example.COM', '--first-name', 'Alice', '--password-stdin', '--json'], {
      input: 'lantern-quartz-meadow\n',
    });
    expect(created.code, created.stderr).toBe(0);
    const user = JSON.parse(created.stdout);
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', firstName: 'Alice', isActive: true, isStaff: false, password: 'argon2' });
    expect(created.stdout).not.toContain('$argon2');
    expect(await authenticates('alice', 'lantern-quartz-meadow')).toBe(true);

    const bob = await cli(['user', 'create', 'bob', '--unusable-password', '--staff']);
    expect(bob.code).toBe(0);
    expect(bob.stdout).toContain('unusable password');
    const dup = await cli(['user', 'create', 'bob', '--unusable-password']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already exists');
  });

  it.sequential('user list and show print the accounts, as a table or JSON', async () => {
    const [table, json, search, show] = await Promise.all([
      cli(['user', 'list']),
      cli(['user', 'list', '--json']),
      cli(['user', 'list', '--search', 'ALI', '--json']),
      cli(['user', 'show', 'bob', '--json']),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL/);
    expect(table.stdout).toMatch(/alice\s+alice@example\.com\s+yes\s+no\s+no/);
    expect(JSON.parse(json.stdout).map((u: { username: string }) => u.username)).toEqual(['root', 'ops', 'alice', 'bob']);
    expect(JSON.parse(search.stdout).map((u: { username: string }) => u.username)).toEqual(['alice']);
    expect(JSON.parse(show.stdout)).toMatchObject({ username: 'bob', isStaff: true, password: 'unusable', groups: [], directPermissions: [], sessions: 0 });
  });

  it.sequential('set-active false ends the sessions at once; flags are parsed strictly', async () => {
    const session = await loginSession('alice');
    expect(await sessionAlive(session)).toBe(true);
    const bad = await cli(['user', 'set-active', 'alice', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be true or false');

    const off = await cli(['user', 'set-active', 'alice', 'false']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('sessions and API tokens were ended');
    expect(await sessionAlive(session)).toBe(false);
    expect(await authenticates('alice', 'lantern-quartz-meadow')).toBe(false);
    expect((await cli(['user', 'set-active', 'alice', 'true'])).code).toBe(0);
    expect(await authenticates('alice', 'lantern-quartz-meadow')).toBe(true);

    expect((await cli(['user', 'set-staff', 'alice', 'yes'])).code).toBe(0);
    const staffSession = await loginSession('alice');
    expect((await cli(['user', 'set-staff', 'alice', 'false'])).code).toBe(0);
    expect(await sessionAlive(staffSession)).toBe(false);
    expect(await direct(async ({ gatehouse }) => (await gatehouse.stores.users.getByUsername('alice'))!.isStaff)).toBe(false);
  });

  it.sequential('add-group and remove-group change memberships; leaving a group ends the sessions', async () => {
    await direct(({ gatehouse }) => gatehouse.stores.groups.create('Editors'));
    const added = await cli(['user', 'add-group', 'alice', 'Editors']);
    expect(added.code, added.stderr).toBe(0);
    const shown = JSON.parse((await cli(['user', 'show', 'alice', '--json'])).stdout);
    expect(shown.groups).toEqual(['Editors']);

    const session = await loginSession('alice');
    const removed = await cli(['user', 'remove-group', 'alice', 'Editors']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('sessions were ended');
    expect(await sessionAlive(session)).toBe(false);

    const unknown = await cli(['user', 'add-group', 'alice', 'Nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No group named "Nope"');
  });

  it.sequential('set-password reads stdin, validates, and ends the old session', async () => {
    const session = await loginSession('alice');
    const weak = await cli(['user', 'set-password', 'alice', '--password-stdin'], { input: 'alice123\n' });
    expect(weak.code).toBe(2);
    expect(await sessionAlive(session)).toBe(true);

    const noStdin = await cli(['user', 'set-password', 'alice']);
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toContain('--password-stdin');

    const changed = await cli(['user', 'set-password', 'alice', '--password-stdin'], { input: 'copper-violet-harbor\r\n' });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('sessions and API tokens were ended');
    expect(await sessionAlive(session)).toBe(false);
    expect(await authenticates('alice', 'copper-violet-harbor')).toBe(true);
    expect(await authenticates('alice', 'lantern-quartz-meadow')).toBe(false);

    const viaChangepassword = await cli(['changepassword', 'alice', '--password-stdin'], { input: 'granite-willow-ember' });
    expect(viaChangepassword.code).toBe(0);
    expect(await authenticates('alice', 'granite-willow-ember')).toBe(true);

    const unusable = await cli(['user', 'set-unusable-password', 'alice']);
    expect(unusable.code).toBe(0);
    expect(await authenticates('alice', 'granite-willow-ember')).toBe(false);
    expect((await cli(['changepassword', 'alice', '--password-stdin'], { input: 'granite-willow-ember' })).code).toBe(0);
  });

  it.sequential('set-email validates and refuses a taken address', async () => {
    const [ok, taken, invalid] = await Promise.all([
      cli(['user', 'set-email', 'bob', 'Bob@Example.org']),
      cli(['user', 'set-email', 'ops', 'ALICE@example.com']),
      cli(['user', 'set-email', 'ops', 'not an email']),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Bob@example.org');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('already exists');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('valid email');
  });

  it.sequential('an unknown user is a one-line error with exit 2 for every command', async () => {
    const results = await Promise.all([
      cli(['user', 'show', 'ghost']),
      cli(['user', 'set-active', 'ghost', 'false']),
      cli(['changepassword', 'ghost', '--password-stdin'], { input: 'whatever-long-pass' }),
      cli(['perms', 'check', 'ghost', 'auth.view_user']),
      cli(['sessions', 'list', '--user', 'ghost']),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe('gatehouse: No user named "ghost".');
      expect(r.stdout).toBe('');
    }
    // What the person typed is echoed with control characters made visible, never acted on.
    const escaped = await cli(['user', 'show', '\u001b[2Jghost']);
    expect(escaped.stderr.trim()).toBe('gatehouse: No user named "\\x1b[2Jghost".');
  });

  it.sequential('sessions list shows stored hashes; revoke ends one by hash, or all of a user', async () => {
    const first = await loginSession('alice');
    const second = await loginSession('alice');
    const listed = JSON.parse((await cli(['sessions', 'list', '--user', 'alice', '--json'])).stdout);
    expect(listed.map((s: { id: string }) => s.id).sort()).toEqual([hashSessionId(first), hashSessionId(second)].sort());
    expect(listed[0]).toMatchObject({ user: 'alice', state: 'active' });
    expect(JSON.stringify(listed)).not.toContain(first);

    const one = await cli(['sessions', 'revoke', hashSessionId(first)]);
    expect(one.code, one.stderr).toBe(0);
    expect(await sessionAlive(first)).toBe(false);
    expect(await sessionAlive(second)).toBe(true);

    const [gone, malformed, neither] = await Promise.all([
      cli(['sessions', 'revoke', hashSessionId(first)]),
      cli(['sessions', 'revoke', first]),
      cli(['sessions', 'revoke']),
    ]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('No session with ID');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a session ID');
    expect(neither.code).toBe(2);

    const all = await cli(['sessions', 'revoke', '--user', 'alice']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('Ended 1 session of "alice"');
    expect(await sessionAlive(second)).toBe(false);
  });

  it.sequential('audit tail prints the newest entries oldest first; verify exits 1 once an entry is edited', async () => {
    const tail = await cli(['audit', 'tail', '-n', '3', '--json']);
    expect(tail.code).toBe(0);
    const entries = JSON.parse(tail.stdout);
    expect(entries).toHaveLength(3);
    expect(entries[0].seq).toBeLessThan(entries[2].seq);
    expect(entries[2]).toMatchObject({ action: 'sessions.revoke_all', target: 'alice', actor: expect.stringMatching(/^cli/) });
    const text = await cli(['audit', 'tail', '--action', 'user.create']);
    expect(text.stdout).toMatch(/user\.create\s+alice/);

    const intact = await cli(['audit', 'verify']);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('intact');

    await direct(async ({ database }) => {
      await database.db.updateTable('gh_audit_log').set({ target: 'mallory' }).where('seq', '=', 2).execute();
    });
    const broken = await cli(['audit', 'verify', '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, seq: 2, problem: 'edited' });
  });

  it.sequential('--database overrides DATABASE_URL', async () => {
    const override = await runCli(['--database', url, 'user', 'list', '--json'], { databaseUrl: 'mysql://nope' });
    expect(override.code, override.stderr).toBe(0);
    expect(JSON.parse(override.stdout).length).toBeGreaterThan(0);
  });

  if (kind === 'postgres') {
    it.sequential('a PostgreSQL database that does not exist is a one-line error', async () => {
      const missing = new URL(url);
      missing.pathname = '/gh_no_such_database';
      const result = await runCli(['user', 'list'], { databaseUrl: missing.toString() });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe('gatehouse: database "gh_no_such_database" does not exist: create it first, or fix DATABASE_URL.');
    });
  }

  // SQLite only: the test does not exist in the PostgreSQL run (rather than being "skipped" there).
  if (kind === 'sqlite') {
    it.sequential('a locked SQLite database is a one-line error, not a hang or a stack', async () => {
      const file = url.slice('sqlite:'.length);
      const holder = new Sqlite(file);
      holder.pragma('busy_timeout = 100');
      holder.exec('BEGIN EXCLUSIVE');
      try {
        const locked = await cli(['user', 'set-active', 'bob', 'false']);
        expect(locked.code).toBe(2);
        expect(locked.stderr).toMatch(/locked by another process/);
        expect(hasStackTrace(locked.stderr)).toBe(false);
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
    }, 30_000);
  }
});

// The prompts need a terminal; python3's pty module provides one. Skipped (could not run) without it.
describe.skipIf(!canFakeTerminal())('gatehouse prompts at a terminal', () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabaseUrl('sqlite');
    expect((await runCli(['migrate'], { databaseUrl: fresh.url })).code).toBe(0);
    expect((await runCli(['user', 'create', 'taken', '--unusable-password'], { databaseUrl: fresh.url })).code).toBe(0);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('createsuperuser asks for username, email and password (validated, twice)', async () => {
    const result = runInTerminal(
      ['createsuperuser'],
      [
        { expect: 'Username', keys: 'taken\r' },
        { expect: 'That username is already taken.', keys: '' },
        { expect: 'Username', keys: 'boss\r' },
        { expect: 'Email address', keys: 'boss@example.com\r' },
        { expect: 'Password', keys: 'short\r' },
        { expect: 'This password is too short.', keys: `${'\x7f'.repeat(5)}quiet-falcon-river\r` },
        { expect: 'Password (again)', keys: 'quiet-falcon-river\r' },
      ],
      { databaseUrl: fresh.url },
    );
    expect(result.output).toContain('Superuser "boss" created.');
    expect(result.output).not.toContain('quiet-falcon-river');
    expect(result.code).toBe(0);
    const d = await openDirect(fresh.url);
    try {
      expect(await d.gatehouse.authenticate({ username: 'boss', password: 'quiet-falcon-river' })).toMatchObject({
        isSuperuser: true,
        email: 'boss@example.com',
      });
    } finally {
      await d.close();
    }
  });

  it('changepassword asks twice and gives up after three mismatches, changing nothing', async () => {
    const steps = [1, 2, 3].flatMap((n) => [
      { expect: 'Password', keys: `first-attempt-${n}\r` },
      { expect: 'Password (again)', keys: `other-attempt-${n}\r` },
    ]);
    const result = runInTerminal(['changepassword', 'boss'], steps, { databaseUrl: fresh.url });
    expect(result.output).toContain("The passwords didn't match.");
    expect(result.output).toContain('Too many mismatched passwords: nothing was changed.');
    expect(result.code).toBe(2);
  });
});

describe('gatehouse usage', () => {
  it('every command answers --help with exit 0', async () => {
    const commands = [
      [],
      ['migrate'],
      ['createsuperuser'],
      ['changepassword'],
      ['user', 'create'],
      ['roles', 'plan'],
      ['perms', 'check'],
      ['routes'],
      ['sessions', 'revoke'],
      ['audit', 'verify'],
      ['import-django'],
    ];
    const results = await Promise.all(commands.map((c) => runCli([...c, '--help'], { databaseUrl: null })));
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: gatehouse/);
    });
    expect(results[0]!.stdout).toContain('Exit codes');
    expect(results[10]!.stdout).toContain('--allow-duplicate-emails');
  });

  it('bad database URLs and unreachable servers are one-line errors with exit 2, without the password', async () => {
    const [scheme, missing, refused] = await Promise.all([
      runCli(['user', 'list'], { databaseUrl: 'mysql://root:secret@localhost/app' }),
      runCli(['user', 'list'], { databaseUrl: null }),
      runCli(['user', 'list'], { databaseUrl: 'postgres://gatehouse:secret@127.0.0.1:1/app' }),
    ]);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/DATABASE_URL \(mysql:…\) cannot be used/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('set DATABASE_URL or pass --database');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/connection refused/);
    for (const r of [scheme, missing, refused]) {
      expect(r.stderr).not.toContain('secret');
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  it('unknown commands, unknown options and missing arguments exit 2', async () => {
    const results = await Promise.all([runCli(['frobnicate']), runCli(['user', 'list', '--frob']), runCli(['perms', 'check', 'alice']), runCli(['user'])]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(results[0]!.stderr).toContain("unknown command 'frobnicate'");
  });
});
