/**
 * `gatehouse roles plan | apply | show`: roles as code. `plan` is a readable diff between the
 * code and the database (`--check` exits 1 on any drift, for CI and deploy pipelines), `apply`
 * makes the database match, `show` lists each role with its permissions and members.
 */
import type { Command } from 'commander';
import { ALL_PERMISSIONS, type RoleApplyResult, formatRolePlan } from '../../core/roles.js';
import { type CliContext, noteWithoutConfig, withContext } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { out, printJson } from '../output.js';
import { permissionNameOf } from '../../core/permission-name.js';

/** Lines describing what applying roles changed (empty when nothing did). */
function describeRoleChanges(result: RoleApplyResult): string[] {
  return [
    ...result.createdGroups.map((name) => `+ role ${name} (new group)`),
    ...result.granted.flatMap((g) => g.permissions.map((p) => `  ${g.role}: + ${p}`)),
    ...result.revoked.flatMap((r) => r.permissions.map((p) => `  ${r.role}: - ${p}`)),
  ];
}

/** Declared permissions that are not in the database yet (migrate creates them). */
async function unsyncedPermissions(ctx: CliContext): Promise<string[]> {
  const inDatabase = new Set((await ctx.gatehouse.stores.permissions.list()).map(permissionNameOf));
  return ctx.gatehouse.permissionNames.filter((name) => !inDatabase.has(name));
}

async function plan(ctx: CliContext, options: { check?: boolean; prune?: boolean; json?: boolean }): Promise<void> {
  // A check against nothing would always pass: in CI that reads as "no drift" when the config
  // module was simply not found. Say so and fail instead.
  if (options.check && Object.keys(ctx.loaded.app.roles).length === 0) {
    throw new CliError(
      ctx.loaded.path === null
        ? 'Cannot check drift: no roles declared (no config module gatehouse.config.{js,mjs,ts,mts} here, and no --config). Run `gatehouse init` to write one.'
        : `Cannot check drift: ${ctx.loaded.path} declares no roles.`,
    );
  }
  noteWithoutConfig(ctx, 'no roles are declared, so only groups in the database are reported.');
  const result = await ctx.gatehouse.planRoles();
  const unsynced = await unsyncedPermissions(ctx);
  const inSync = result.inSync && unsynced.length === 0;
  if (options.json) {
    printJson({ inSync, drift: result.drift, undeclaredGroups: result.undeclaredGroups, unsyncedPermissions: unsynced });
  } else {
    for (const name of unsynced) out(`+ permission ${name} (declared in code, not in the database yet: run migrate)`);
    if (!result.inSync) out(formatRolePlan(result, { prune: options.prune === true }));
    else {
      if (unsynced.length === 0) out('Roles are in sync with the database.');
      // formatRolePlan stops at "in sync"; groups nobody declares are still worth a look.
      for (const group of result.undeclaredGroups) out(`? group ${group} exists in the database but no role declares it`);
    }
    if (!inSync) out(`\nRun \`gatehouse roles apply${options.prune ? ' --prune' : ''}\` (or \`gatehouse migrate\`) to make the database match.`);
  }
  if (options.check && !inSync) process.exitCode = ExitCode.no;
}

async function apply(ctx: CliContext, options: { prune?: boolean; json?: boolean }): Promise<void> {
  noteWithoutConfig(ctx, 'no roles are declared: nothing to apply.');
  // Permissions first, so a role never meets a permission that is not there yet.
  const { permissions, roles } = await ctx.gatehouse.setup({ prune: options.prune === true });
  if (options.json) {
    printJson({ permissions, roles });
    return;
  }
  for (const name of permissions.created) out(`+ permission ${name}`);
  const lines = describeRoleChanges(roles);
  if (lines.length === 0) out('Roles already match the code: nothing changed.');
  else out(lines.join('\n'));
}

async function show(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  noteWithoutConfig(ctx, 'no roles are declared.');
  const declared = ctx.loaded.app.roles;
  const groups = new Map((await ctx.gatehouse.stores.groups.list()).map((g) => [g.name, g]));
  const granted = await ctx.gatehouse.stores.groups.permissionsByGroup();
  const rows = [];
  for (const [name, perms] of Object.entries(declared)) {
    const group = groups.get(name);
    rows.push({
      role: name,
      declared: true,
      permissions: perms === ALL_PERMISSIONS ? [...ctx.gatehouse.permissionNames] : [...perms].sort(),
      allPermissions: perms === ALL_PERMISSIONS,
      inDatabase: group !== undefined,
      grantedInDatabase: granted.get(name) ?? [],
      members: group ? (await ctx.gatehouse.stores.groups.memberIds(group.id)).length : 0,
    });
  }
  for (const [name, group] of groups) {
    if (name in declared) continue;
    rows.push({
      role: name,
      declared: false,
      permissions: [],
      allPermissions: false,
      inDatabase: true,
      grantedInDatabase: granted.get(name) ?? [],
      members: (await ctx.gatehouse.stores.groups.memberIds(group.id)).length,
    });
  }
  if (options.json) {
    printJson(rows);
    return;
  }
  if (rows.length === 0) out('No roles declared and no groups in the database.');
  for (const row of rows) {
    const state = !row.declared
      ? 'group in the database only, not declared'
      : !row.inDatabase
        ? 'not applied yet'
        : `${row.members} member${row.members === 1 ? '' : 's'}`;
    out(`${row.role}  (${state})`);
    const list = row.declared ? row.permissions : row.grantedInDatabase;
    if (row.allPermissions) out('  every declared permission');
    for (const p of row.allPermissions ? [] : list) out(`  ${p}`);
    if (list.length === 0) out('  (no permissions)');
  }
}

/** Registers `roles` and its subcommands. */
export function registerRoles(program: Command): void {
  const roles = program.command('roles').description('compare, apply and show the roles declared in code');
  roles
    .command('plan')
    .description('show how the database differs from the declared roles (+ grant, - revoke, ! extra kept)')
    .option('--check', 'exit 1 when anything differs (for CI and deploy pipelines)')
    .option('--prune', 'plan as `apply --prune` would: extra permissions are revoked')
    .option('--json', 'print the plan as JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => plan(ctx, options)));
  roles
    .command('apply')
    .description('sync permissions, then create missing role groups and grant missing permissions')
    .option('--prune', 'also revoke permissions a role no longer declares')
    .option('--json', 'print what changed as JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => apply(ctx, options)));
  roles
    .command('show')
    .description('list each role with its permissions and member count')
    .option('--json', 'print JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => show(ctx, options)));
}
