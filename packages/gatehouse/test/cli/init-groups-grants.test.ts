/**
 * `gatehouse init`, `roles plan --check` without declarations, `group …` and `perms grant|revoke`,
 * through the built command on each database.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, repoRoot, testDatabases } from '../support/databases.js';
import { ensureBuilt, hasStackTrace, openDirect, runCli } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

/** A project folder inside the repository (so `gatehouse` resolves to this build through node_modules). */
function newProject(pkg: object, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(repoRoot(), 'test', '.init-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot(), join(dir, 'node_modules', 'gatehouse'), 'dir');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('gatehouse init', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a TypeScript config module for a TypeScript project, named after the package, and never overwrites it', async () => {
    const dir = newProject({ name: '@acme/billing-api', type: 'module', devDependencies: { typescript: '*' } }, { 'tsconfig.json': '{}' });
    dirs.push(dir);
    const first = await runCli(['init'], { cwd: dir, databaseUrl: null });
    expect(first.code, first.stderr).toBe(0);
    const text = readFileSync(join(dir, 'gatehouse.config.ts'), 'utf8');
    expect(text).toContain('billing_api: {');
    expect(text).toContain("'sqlite:app.sqlite3'");
    expect(text).toContain('defineRoles<PermissionName<typeof apps>>');

    const again = await runCli(['init'], { cwd: dir, databaseUrl: null });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(hasStackTrace(again.stderr)).toBe(false);
  });

  it('writes a JavaScript module for a PostgreSQL project without TypeScript, and the command then works on its declarations', async () => {
    const dir = newProject({ name: 'shop', type: 'module', dependencies: { pg: '*' } });
    dirs.push(dir);
    const init = await runCli(['init'], { cwd: dir, databaseUrl: null });
    expect(init.code, init.stderr).toBe(0);
    const text = readFileSync(join(dir, 'gatehouse.config.mjs'), 'utf8');
    expect(text).toContain("'postgres://localhost/shop'");

    const database = join(dir, 'db.sqlite3');
    const migrate = await runCli(['migrate'], { cwd: dir, databaseUrl: `sqlite:${database}` });
    expect(migrate.code, migrate.stderr).toBe(0);
    const check = await runCli(['roles', 'plan', '--check'], { cwd: dir, databaseUrl: `sqlite:${database}` });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('in sync');
  });
});

describe.concurrent.each(testDatabases())('groups and direct grants on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  const cli = (args: string[]) => runCli(args, { databaseUrl: fresh.url });

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    expect((await cli(['migrate'])).code).toBe(0);
    const direct = await openDirect(fresh.url);
    try {
      const alice = await direct.gatehouse.accounts.createUser({ username: 'alice', password: 'Tundra-Quokka-5841-Velvet' });
      await direct.gatehouse.accounts.createUser({ username: 'bob', password: 'Tundra-Quokka-5841-Velvet' });
      await direct.gatehouse.login(alice, null);
    } finally {
      await direct.close();
    }
  }, 60_000);
  afterAll(async () => {
    await fresh?.drop();
  });

  it.sequential('roles plan --check refuses to pass when no roles are declared', async () => {
    const result = await cli(['roles', 'plan', '--check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot check drift: no roles declared/i);
    expect(result.stdout).not.toMatch(/in sync/);
  });

  it.sequential('creates a group with permissions, shows it, changes it, and audits each change', async () => {
    const created = await cli(['group', 'create', 'Auditors', '--perm', 'auth.view_user']);
    expect(created.code, created.stderr).toBe(0);
    expect((await cli(['group', 'create', 'Auditors'])).code).toBe(2);
    const unknown = await cli(['group', 'add-perm', 'Auditors', 'auth.view_usr']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown permission "auth.view_usr"');

    expect((await cli(['group', 'add-perm', 'Auditors', 'auth.view_group', 'auth.view_permission'])).code).toBe(0);
    expect((await cli(['group', 'remove-perm', 'Auditors', 'auth.view_group'])).code).toBe(0);
    const shown = await cli(['group', 'show', 'Auditors', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual({ group: 'Auditors', role: false, permissions: ['auth.view_permission', 'auth.view_user'], members: [] });

    const direct = await openDirect(fresh.url);
    try {
      const entries = (await direct.gatehouse.stores.audit.list({ limit: 50 })).filter((e) => e.action.startsWith('group.'));
      expect(entries.map((e) => [e.action, e.actor?.startsWith('cli'), e.data])).toEqual(
        expect.arrayContaining([
          ['group.create', true, {}],
          ['group.add_permissions', true, { permissions: ['auth.view_user'] }],
          ['group.add_permissions', true, { permissions: ['auth.view_group', 'auth.view_permission'] }],
          ['group.remove_permissions', true, { permissions: ['auth.view_group'] }],
        ]),
      );
    } finally {
      await direct.close();
    }
  });

  it.sequential('refuses to delete a group with members without --yes; with it, the members are logged out', async () => {
    expect((await cli(['user', 'add-group', 'alice', 'Auditors'])).code).toBe(0);
    const direct = await openDirect(fresh.url);
    try {
      const alice = (await direct.gatehouse.stores.users.getByUsername('alice'))!;
      const session = await direct.gatehouse.login(alice, null);
      const refused = await cli(['group', 'delete', 'Auditors']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/1 member.*--yes/);
      expect(await direct.gatehouse.sessions.load(session.id)).not.toBeNull();

      const deleted = await cli(['group', 'delete', 'Auditors', '--yes']);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(await direct.gatehouse.sessions.load(session.id)).toBeNull();
      expect(await direct.gatehouse.stores.groups.getByName('Auditors')).toBeNull();
    } finally {
      await direct.close();
    }
  });

  it.sequential('grants and revokes a permission directly; revoking ends the sessions and is audited', async () => {
    const granted = await cli(['perms', 'grant', 'bob', 'auth.view_group']);
    expect(granted.code, granted.stderr).toBe(0);
    expect((await cli(['perms', 'check', 'bob', 'auth.view_group'])).code).toBe(0);
    const again = await cli(['perms', 'grant', 'bob', 'auth.view_group']);
    expect(again.stdout).toContain('nothing changed');

    const direct = await openDirect(fresh.url);
    try {
      const bob = (await direct.gatehouse.stores.users.getByUsername('bob'))!;
      const session = await direct.gatehouse.login(bob, null);
      const revoked = await cli(['perms', 'revoke', 'bob', 'auth.view_group']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await cli(['perms', 'check', 'bob', 'auth.view_group'])).code).toBe(1);
      expect(await direct.gatehouse.sessions.load(session.id)).toBeNull();
      const actions = (await direct.gatehouse.stores.audit.list({ limit: 50 })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['perm.grant', 'perm.revoke']));
    } finally {
      await direct.close();
    }
    expect((await cli(['perms', 'grant', 'nobody', 'auth.view_group'])).code).toBe(2);
  });
});
