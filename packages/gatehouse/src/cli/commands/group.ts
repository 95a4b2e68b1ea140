/**
 * `gatehouse group list | show | create | delete | add-perm | remove-perm`: groups outside the
 * roles kept in code — a one-off group for a project, a grant while an incident lasts. Each change
 * is audited with the operator (`cli:<os user>`). A group that is a role declared in code can be
 * changed too, but the command says that it drifts and that `roles apply` will put it back.
 */
import type { Command } from 'commander';
import { type CliContext, withContext } from '../context.js';
import { CliError } from '../errors.js';
import { note, out, printJson, printTable } from '../output.js';
import { permissionNameOf } from '../../core/permission-name.js';

/** Warns when `name` is a role declared in code: a change by hand is drift. */
function warnIfRole(ctx: CliContext, name: string): void {
  if (Object.hasOwn(ctx.loaded.app.roles, name)) {
    note(`"${name}" is a role kept in code: \`gatehouse roles plan\` will show this change as drift, and \`gatehouse roles apply\` will revert it.`);
  }
}

/** Refuses names that are not declared permissions of the database, listing the unknown ones. */
async function requirePermissions(ctx: CliContext, names: readonly string[]): Promise<void> {
  const known = new Set((await ctx.gatehouse.stores.permissions.list()).map(permissionNameOf));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0)
    throw new CliError(`Unknown permission${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: see \`gatehouse perms list\`.`);
}

async function list(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const byGroup = await ctx.gatehouse.stores.groups.permissionsByGroup();
  const rows = [];
  for (const group of await ctx.gatehouse.groups.list()) {
    rows.push({
      group: group.name,
      role: Object.hasOwn(ctx.loaded.app.roles, group.name),
      permissions: (byGroup.get(group.name) ?? []).length,
      members: (await ctx.gatehouse.stores.groups.memberIds(group.id)).length,
    });
  }
  if (options.json) {
    printJson(rows);
    return;
  }
  printTable(
    rows,
    [
      { header: 'GROUP', value: (r) => r.group },
      { header: 'ROLE IN CODE', value: (r) => (r.role ? 'yes' : 'no') },
      { header: 'PERMISSIONS', value: (r) => String(r.permissions) },
      { header: 'MEMBERS', value: (r) => String(r.members) },
    ],
    'No groups.',
  );
}

async function show(ctx: CliContext, name: string, options: { json?: boolean }): Promise<void> {
  const group = await ctx.gatehouse.groups.require(name);
  const permissions = (await ctx.gatehouse.stores.groups.permissions(group.id)).sort();
  const memberIds = await ctx.gatehouse.stores.groups.memberIds(group.id);
  const members: string[] = [];
  for (const id of memberIds) {
    const user = await ctx.gatehouse.stores.users.getById(id);
    if (user) members.push(user.username);
  }
  members.sort();
  const role = Object.hasOwn(ctx.loaded.app.roles, group.name);
  if (options.json) {
    printJson({ group: group.name, role, permissions, members });
    return;
  }
  out(`${group.name}${role ? '  (a role kept in code)' : ''}`);
  out('permissions:');
  for (const p of permissions) out(`  ${p}`);
  if (permissions.length === 0) out('  (none)');
  out('members:');
  for (const m of members) out(`  ${m}`);
  if (members.length === 0) out('  (none)');
}

async function create(ctx: CliContext, name: string, options: { perm?: string[]; json?: boolean }): Promise<void> {
  const perms = options.perm ?? [];
  await requirePermissions(ctx, perms);
  const group = await ctx.gatehouse.groups.create(name, { actor: ctx.actor });
  const granted = perms.length > 0 ? await ctx.gatehouse.groups.addPermissions(group.name, perms, { actor: ctx.actor }) : [];
  if (options.json) printJson({ group: group.name, permissions: granted });
  else out(`Created group "${group.name}"${granted.length > 0 ? ` with ${granted.join(', ')}` : ''}.`);
  warnIfRole(ctx, group.name);
}

async function remove(ctx: CliContext, name: string, options: { yes?: boolean; json?: boolean }): Promise<void> {
  const group = await ctx.gatehouse.groups.require(name);
  const members = (await ctx.gatehouse.stores.groups.memberIds(group.id)).length;
  if (members > 0 && !options.yes) {
    throw new CliError(
      `"${group.name}" has ${members} member${members === 1 ? '' : 's'}, who would lose its permissions and be logged out: pass --yes to delete it anyway.`,
    );
  }
  const result = await ctx.gatehouse.groups.delete(group.name, { actor: ctx.actor });
  if (options.json) printJson({ group: group.name, deleted: true, members: result.members });
  else out(`Deleted group "${group.name}"${result.members > 0 ? `; its ${result.members} member${result.members === 1 ? '' : 's'} were logged out` : ''}.`);
  warnIfRole(ctx, group.name);
}

async function addPerm(ctx: CliContext, name: string, perms: string[], options: { json?: boolean }): Promise<void> {
  await requirePermissions(ctx, perms);
  const added = await ctx.gatehouse.groups.addPermissions(name, perms, { actor: ctx.actor });
  if (options.json) printJson({ group: name, added });
  else out(added.length > 0 ? `Granted ${added.join(', ')} to "${name}".` : `"${name}" already had ${perms.join(', ')}: nothing changed.`);
  if (added.length > 0) warnIfRole(ctx, name);
}

async function removePerm(ctx: CliContext, name: string, perms: string[], options: { json?: boolean }): Promise<void> {
  await requirePermissions(ctx, perms);
  const removed = await ctx.gatehouse.groups.removePermissions(name, perms, { actor: ctx.actor });
  if (options.json) printJson({ group: name, removed });
  else out(removed.length > 0 ? `Revoked ${removed.join(', ')} from "${name}".` : `"${name}" did not have ${perms.join(', ')}: nothing changed.`);
  if (removed.length > 0) warnIfRole(ctx, name);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `group` and its subcommands. */
export function registerGroup(program: Command): void {
  const group = program.command('group').description('create, delete and change groups outside the roles kept in code (audited)');
  group
    .command('list')
    .description('every group, whether it is a role kept in code, its permission and member counts')
    .option('--json', 'print JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => list(ctx, options)));
  group
    .command('show')
    .argument('<group>')
    .description("a group's permissions and members")
    .option('--json', 'print JSON')
    .action((name: string, options, command: Command) => withContext(command, {}, (ctx) => show(ctx, name, options)));
  group
    .command('create')
    .argument('<group>')
    .description('create a group (names are unique, at most 150 characters)')
    .option('--perm <permission>', 'grant this permission too (repeatable)', collect)
    .option('--json', 'print JSON')
    .action((name: string, options, command: Command) => withContext(command, {}, (ctx) => create(ctx, name, options)));
  group
    .command('delete')
    .argument('<group>')
    .description('delete a group; its members lose its permissions and are logged out')
    .option('--yes', 'delete even when the group has members')
    .option('--json', 'print JSON')
    .action((name: string, options, command: Command) => withContext(command, {}, (ctx) => remove(ctx, name, options)));
  group
    .command('add-perm')
    .argument('<group>')
    .argument('<permissions...>', 'app_label.codename')
    .description('grant permissions to a group')
    .option('--json', 'print JSON')
    .action((name: string, perms: string[], options, command: Command) => withContext(command, {}, (ctx) => addPerm(ctx, name, perms, options)));
  group
    .command('remove-perm')
    .argument('<group>')
    .argument('<permissions...>', 'app_label.codename')
    .description('revoke permissions from a group (effective on the members’ next request)')
    .option('--json', 'print JSON')
    .action((name: string, perms: string[], options, command: Command) => withContext(command, {}, (ctx) => removePerm(ctx, name, perms, options)));
}
