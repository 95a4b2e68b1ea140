/**
 * The built `gatehouse` command with an app config module: migrate syncs the app's permissions
 * and roles, `roles plan --check` catches drift, `perms` answers as hasPerm does, and `routes`
 * renders the inventory and access matrix. Config modules are written to temp folders.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, repoRoot, testDatabases } from '../support/databases.js';
import { ensureBuilt, hasStackTrace, openDirect, runCli } from './helpers.js';

const definitionUrl = pathToFileURL(join(repoRoot(), 'dist', 'core', 'app-definition.js')).href;

const APPS = `{
    billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } },
    support: { models: { ticket: { defaultPermissions: ['view', 'change'] } } },
  }`;

const ROUTES = `async () => [
    { method: 'get', url: '/', access: 'public', permissions: [] },
    { method: 'GET', url: '/me', access: 'authenticated', permissions: [] },
    { method: 'GET', url: '/invoices', access: 'permission', permissions: ['billing.view_invoice'] },
    { method: 'POST', url: '/payouts/:id/approve', access: 'critical', permissions: ['billing.approve_payout'], recentAuth: 300 },
    { method: 'GET', url: '/staff/<script>alert(1)</script>', access: 'staff', permissions: [] },
    { method: 'GET', url: '/invoices/:id', access: 'object', permissions: ['billing.view_invoice'], rule: 'ownInvoice' },
    { method: 'POST', url: '/reports', access: 'test', permissions: [] },
    { method: 'GET', url: '/health', access: 'undeclared', permissions: [], csrfExempt: true },
  ]`;

/** A config module: the app above with the given roles (and extra app source). */
function configModule(roles: string, options: { extraApps?: string; routes?: boolean } = {}): string {
  const apps = options.extraApps ? `{ ...${APPS}, ${options.extraApps} }` : APPS;
  return `import { defineGatehouseApp } from ${JSON.stringify(definitionUrl)};
export default defineGatehouseApp({
  apps: ${apps},
  roles: ${roles},
  ${options.routes === false ? '' : `routes: ${ROUTES},`}
});
`;
}

const ROLES = `{ Clerk: ['billing.view_invoice', 'billing.add_invoice'], Approver: ['billing.view_payout', 'billing.approve_payout'], 'Ops & <Admins>': '*' }`;
const DRIFTED = `{ Clerk: ['billing.view_invoice', 'billing.change_invoice'], Approver: ['billing.view_payout', 'billing.approve_payout'], 'Ops & <Admins>': '*', Support: ['support.view_ticket', 'support.escalate_ticket'] }`;

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'gh-cli-config-'));
  await writeFile(join(dir, 'gatehouse.config.mjs'), configModule(ROLES));
  await writeFile(
    join(dir, 'drift.config.mjs'),
    configModule(DRIFTED, {
      extraApps: "support: { models: { ticket: { defaultPermissions: ['view', 'change'], permissions: { escalate_ticket: 'Can escalate tickets' } } } }",
    }),
  );
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The databases run side by side (each one's steps in order): the CLI's start-up dominates.
describe.concurrent.each(testDatabases())('gatehouse with a config module on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  const cli = (args: string[]) => runCli(args, { databaseUrl: fresh.url, cwd: dir });

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it.sequential('migrate finds gatehouse.config.mjs, syncs its permissions and applies its roles', async () => {
    const result = await cli(['migrate']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('No config module');
    expect(result.stdout).toContain('Permissions: 26 created, 0 updated, 26 declared.');
    expect(result.stdout).toContain('+ billing.approve_payout');
    expect(result.stdout).toContain('+ role Clerk (new group)');
    expect(result.stdout).toMatch(/Clerk: granted billing\.add_invoice, billing\.view_invoice/);

    const plan = await cli(['roles', 'plan', '--check']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Roles are in sync with the database.');

    const shown = JSON.parse((await cli(['roles', 'show', '--json'])).stdout);
    const admins = shown.find((r: { role: string }) => r.role === 'Ops & <Admins>');
    expect(admins).toMatchObject({ declared: true, allPermissions: true, inDatabase: true, members: 0 });
    expect(admins.permissions).toHaveLength(26);
  });

  it.sequential('roles plan --check exits 1 on drift with a readable diff; apply (and --prune) brings it back in sync', async () => {
    const drift = await cli(['--config', 'drift.config.mjs', 'roles', 'plan', '--check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('+ permission support.escalate_ticket (declared in code, not in the database yet: run migrate)');
    expect(drift.stdout).toContain('~ role Clerk');
    expect(drift.stdout).toContain('    + billing.change_invoice');
    expect(drift.stdout).toContain('    ! billing.add_invoice (granted in the database, not in code; --prune removes it)');
    expect(drift.stdout).toContain('+ role Support (new group)');
    const json = JSON.parse((await cli(['--config', 'drift.config.mjs', 'roles', 'plan', '--json'])).stdout);
    expect(json).toMatchObject({ inSync: false, unsyncedPermissions: ['support.escalate_ticket'] });

    // Global options work after the subcommand too.
    const applied = await cli(['roles', 'apply', '--config', 'drift.config.mjs']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('+ permission support.escalate_ticket');
    expect(applied.stdout).toContain('Clerk: + billing.change_invoice');
    // Without --prune the extra grant stays, and --check still says so.
    expect((await cli(['--config', 'drift.config.mjs', 'roles', 'plan', '--check'])).code).toBe(1);
    const pruned = await cli(['--config', 'drift.config.mjs', 'roles', 'apply', '--prune']);
    expect(pruned.stdout).toContain('Clerk: - billing.add_invoice');
    expect((await cli(['--config', 'drift.config.mjs', 'roles', 'plan', '--check'])).code).toBe(0);

    // Back to the original code: drift the other way, fixed by migrate --prune.
    const back = await cli(['roles', 'plan', '--check', '--prune']);
    expect(back.code).toBe(1);
    expect(back.stdout).toContain('    - billing.change_invoice');
    expect(back.stdout).toContain('? group Support exists in the database but no role declares it');
    expect((await cli(['migrate', '--prune'])).code).toBe(0);
    expect((await cli(['roles', 'plan', '--check'])).code).toBe(0);
  });

  it.sequential('perms check exits 0 for yes and 1 for no, following Django rules; explain and list say why', async () => {
    const d = await openDirect(fresh.url);
    try {
      const { accounts } = d.gatehouse;
      const alice = await accounts.createUser({ username: 'alice', password: null });
      await accounts.addToGroup(alice, 'Clerk');
      const bob = await accounts.createUser({ username: 'bob', password: null });
      await accounts.grantPermission(bob, 'billing.approve_payout');
      await accounts.createSuperuser({ username: 'root', password: null });
      await accounts.createSuperuser({ username: 'ina', password: null });
      await accounts.setActive((await d.gatehouse.stores.users.getByUsername('ina'))!, false);
    } finally {
      await d.close();
    }
    const [yes, no, superuser, inactive, direct, unknown, wrongCase, malformed] = await Promise.all([
      cli(['perms', 'check', 'alice', 'billing.view_invoice']),
      cli(['perms', 'check', 'alice', 'billing.approve_payout']),
      cli(['perms', 'check', 'root', 'billing.approve_payout']),
      cli(['perms', 'check', 'ina', 'billing.view_invoice']),
      cli(['perms', 'check', 'bob', 'billing.approve_payout', '--json']),
      cli(['perms', 'check', 'alice', 'billing.approve_everything']),
      cli(['perms', 'check', 'alice', 'Billing.view_invoice']),
      cli(['perms', 'check', 'alice', 'view_invoice']),
    ]);
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    expect(superuser.code).toBe(0);
    expect(inactive.code).toBe(1);
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toEqual({ user: 'bob', permission: 'billing.approve_payout', granted: true });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown permission "billing.approve_everything"');
    expect(wrongCase.code).toBe(2);
    expect(wrongCase.stderr).toContain('did you mean billing.view_invoice?');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a permission name');
    for (const r of [unknown, wrongCase, malformed]) expect(hasStackTrace(r.stderr)).toBe(false);

    const [explainGroup, explainInactive, explainNo, listUser, listAll] = await Promise.all([
      cli(['perms', 'explain', 'alice', 'billing.view_invoice']),
      cli(['perms', 'explain', 'ina', 'billing.view_invoice']),
      cli(['perms', 'explain', 'alice', 'billing.approve_payout', '--json']),
      cli(['perms', 'list', '--user', 'alice', '--json']),
      cli(['perms', 'list', '--json']),
    ]);
    expect(explainGroup.stdout).toContain('alice has billing.view_invoice through group "Clerk"');
    expect(explainInactive.stdout).toContain('ina is inactive');
    expect(JSON.parse(explainNo.stdout)).toMatchObject({ granted: false, blockedBy: 'not_granted' });
    expect(JSON.parse(listUser.stdout)).toEqual({
      user: 'alice',
      isActive: true,
      isSuperuser: false,
      permissions: [
        { permission: 'billing.add_invoice', sources: ['group:Clerk'] },
        { permission: 'billing.view_invoice', sources: ['group:Clerk'] },
      ],
    });
    const all = JSON.parse(listAll.stdout);
    expect(all).toHaveLength(27);
    expect(all.find((p: { permission: string }) => p.permission === 'billing.approve_payout')).toEqual({
      permission: 'billing.approve_payout',
      name: 'Can approve payouts',
      model: 'payout',
      declared: true,
    });
    // Synced by the drift config, no longer declared by this one.
    expect(all.find((p: { permission: string }) => p.permission === 'support.escalate_ticket').declared).toBe(false);
  });

  it.sequential('a role naming an undeclared permission is a clear error', async () => {
    await writeFile(join(dir, `typo-${kind}.config.mjs`), configModule(`{ Clerk: ['billing.veiw_invoice'] }`));
    const result = await cli(['--config', `typo-${kind}.config.mjs`, 'roles', 'plan']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Role "Clerk" names "billing.veiw_invoice", which no app declares.');
  });
});

describe('gatehouse routes', () => {
  const routes = (args: string[], cwd = dir) => runCli(['routes', ...args], { cwd, databaseUrl: null });

  it('lists the inventory and the access matrix, without a database', async () => {
    const table = await routes([]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/GET\s+\/invoices\s+permission\s+billing\.view_invoice/);
    expect(table.stdout).toMatch(/POST \/payouts\/:id\/approve\s+no\s+no\s+staff only\s+staff only/);
    expect(table.stdout).toMatch(/GET\s+\/invoices\/:id\s+object\s+billing\.view_invoice\s+rule ownInvoice/);
    expect(table.stdout).toContain('password re-checked within 300 s');
  });

  it('computes reachability per role: public, authenticated, permission, staff and critical', async () => {
    const json = JSON.parse((await routes(['--format', 'json'])).stdout);
    expect(json.columns).toEqual(['anonymous', 'Clerk', 'Approver', 'Ops & <Admins>']);
    const reach = Object.fromEntries(json.matrix.map((m: { method: string; url: string; reach: unknown }) => [`${m.method} ${m.url}`, m.reach]));
    const A = 'Ops & <Admins>';
    expect(reach['GET /']).toEqual({ anonymous: 'yes', Clerk: 'yes', Approver: 'yes', [A]: 'yes' });
    expect(reach['GET /me']).toEqual({ anonymous: 'no', Clerk: 'yes', Approver: 'yes', [A]: 'yes' });
    expect(reach['GET /invoices']).toEqual({ anonymous: 'no', Clerk: 'yes', Approver: 'no', [A]: 'yes' });
    expect(reach['POST /payouts/:id/approve']).toEqual({ anonymous: 'no', Clerk: 'no', Approver: 'staff only', [A]: 'staff only' });
    expect(reach['GET /staff/<script>alert(1)</script>']).toEqual({ anonymous: 'no', Clerk: 'staff only', Approver: 'staff only', [A]: 'staff only' });
    // Object rules, custom tests and undeclared routes (the Fastify plugin's other classes).
    expect(reach['GET /invoices/:id']).toEqual({ anonymous: 'no', Clerk: 'yes', Approver: 'per object', [A]: 'yes' });
    expect(reach['POST /reports']).toEqual({ anonymous: 'custom test', Clerk: 'custom test', Approver: 'custom test', [A]: 'custom test' });
    expect(reach['GET /health']).toEqual({ anonymous: 'undeclared', Clerk: 'undeclared', Approver: 'undeclared', [A]: 'undeclared' });
    expect(json.routes[0]).toEqual({
      method: 'GET',
      url: '/',
      access: 'public',
      accessClass: 'public',
      permissions: [],
      recentAuth: null,
      rule: null,
      csrfExempt: false,
    });
    expect(json.routes.find((r: { url: string }) => r.url === '/payouts/:id/approve').recentAuth).toBe(300);
    expect((await routes(['--json'])).stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
  });

  it('writes Markdown and one self-contained, escaped HTML page', async () => {
    const [markdown, html] = await Promise.all([routes(['--format', 'markdown']), routes(['--format', 'html'])]);
    expect(markdown.stdout).toContain('| GET | /invoices | permission | billing.view_invoice |');
    expect(markdown.stdout).toContain('| Route | anonymous | Clerk | Approver | Ops &amp; &lt;Admins&gt; |');
    expect(markdown.stdout).not.toContain('<script>');
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.stdout).toContain('Ops &amp; &lt;Admins&gt;');
    expect(html.stdout).not.toMatch(/<script|<link|\bsrc=|\bhref=/i);
  });

  it('says why when there is nothing to show or the format is wrong', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'gh-cli-empty-'));
    try {
      await writeFile(join(empty, 'noroutes.config.mjs'), configModule(ROLES, { routes: false }));
      const [none, noRoutes, badFormat] = await Promise.all([
        routes([], empty),
        routes(['--config', 'noroutes.config.mjs'], empty),
        routes(['--format', 'pdf']),
      ]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('No config module');
      expect(noRoutes.code).toBe(2);
      expect(noRoutes.stderr).toContain('declares no `routes`');
      expect(badFormat.code).toBe(2);
      expect(badFormat.stderr).toContain('--format must be one of table, markdown, json, html');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('gatehouse config modules', () => {
  it('loads gatehouse.config.ts through tsx', async () => {
    const tsDir = await mkdtemp(join(tmpdir(), 'gh-cli-ts-'));
    try {
      const source = pathToFileURL(join(repoRoot(), 'src', 'core', 'app-definition.ts')).href;
      await writeFile(
        join(tsDir, 'gatehouse.config.ts'),
        `import { defineGatehouseApp, type RouteInventoryEntry } from ${JSON.stringify(source)};
const inventory: RouteInventoryEntry[] = [{ method: 'GET', url: '/reports', access: 'permission', permissions: ['ops.view_report'] }];
export default defineGatehouseApp({
  apps: { ops: { models: { report: { defaultPermissions: ['view'] } } } },
  roles: { Analyst: ['ops.view_report'] },
  routes: async (): Promise<RouteInventoryEntry[]> => inventory,
});
`,
      );
      const result = await runCli(['routes', '--json'], { cwd: tsDir, databaseUrl: null });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).matrix).toEqual([{ method: 'GET', url: '/reports', reach: { anonymous: 'no', Analyst: 'yes' } }]);
    } finally {
      await rm(tsDir, { recursive: true, force: true });
    }
  });

  it('reports broken or missing config modules in one line', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'gh-cli-bad-'));
    try {
      await writeFile(join(bad, 'throws.mjs'), "throw new Error('boom at load');\n");
      await writeFile(join(bad, 'empty.mjs'), 'export const nothing = 1;\n');
      await writeFile(
        join(bad, 'badname.mjs'),
        `import { defineGatehouseApp } from ${JSON.stringify(definitionUrl)};\nexport default defineGatehouseApp({ apps: { 'Bad-Label': {} } });\n`,
      );
      const load = (file: string) => runCli(['--config', file, 'routes'], { cwd: bad, databaseUrl: null });
      const [missing, throws, empty, badName] = await Promise.all([load('nope.mjs'), load('throws.mjs'), load('empty.mjs'), load('badname.mjs')]);
      expect(missing.stderr).toContain('The config module nope.mjs does not exist.');
      expect(throws.stderr).toMatch(/Cannot load the config module .*throws\.mjs: boom at load/);
      expect(empty.stderr).toContain('does not export an app');
      expect(badName.stderr).toContain('"Bad-Label" is not a valid app label');
      for (const r of [missing, throws, empty, badName]) {
        expect(r.code).toBe(2);
        expect(hasStackTrace(r.stderr)).toBe(false);
      }
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
