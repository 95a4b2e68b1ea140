/**
 * `gatehouse perms list | check | explain | grant | revoke`: what a user may do and why, answered by the same
 * `hasPerm` the server uses (Django's rules: inactive users have nothing, active superusers have
 * everything). `check` exits 0 for yes and 1 for no, so scripts can branch on it.
 */
import type { Command } from 'commander';
import type { User } from '../../core/user.js';
import { type CliContext, requireUser, withContext } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { out, printJson, printTable } from '../output.js';
import { permissionNameOf, splitPermissionName } from '../../core/permission-name.js';

/** Refuses a permission name that is not in the database: a typo must not read as "no". */
async function requirePermission(ctx: CliContext, name: string): Promise<void> {
  if (splitPermissionName(name) === null) throw new CliError(`"${name}" is not a permission name: use app_label.codename, e.g. auth.change_user.`);
  const all = await ctx.gatehouse.stores.permissions.list();
  if (!all.some((p) => permissionNameOf(p) === name)) {
    const lower = name.toLowerCase();
    const near = all.map(permissionNameOf).filter((n) => n.toLowerCase() === lower);
    throw new CliError(`Unknown permission "${name}"${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}: see \`gatehouse perms list\`.`);
  }
}

/** Each permission the user holds with where it comes from. */
async function userPermissionRows(ctx: CliContext, user: User): Promise<{ permission: string; sources: string[] }[]> {
  if (!user.isActive) return [];
  const set = await ctx.gatehouse.authz.permissionsOf(user);
  const names = user.isSuperuser ? (await ctx.gatehouse.stores.permissions.list()).map(permissionNameOf) : [...set.all];
  return names.sort().map((permission) => ({
    permission,
    sources: [
      ...(user.isSuperuser ? ['superuser'] : []),
      ...(set.direct.has(permission) ? ['direct'] : []),
      ...(set.groupsByPermission.get(permission) ?? []).map((g) => `group:${g}`),
    ],
  }));
}

async function list(ctx: CliContext, options: { user?: string; json?: boolean }): Promise<void> {
  if (options.user === undefined) {
    const declared = new Set<string>(ctx.gatehouse.permissionNames);
    const rows = (await ctx.gatehouse.stores.permissions.list()).map((p) => ({
      permission: permissionNameOf(p),
      name: p.name,
      model: p.model,
      declared: declared.has(permissionNameOf(p)),
    }));
    if (options.json) printJson(rows);
    else
      printTable(
        rows,
        [
          { header: 'PERMISSION', value: (r) => r.permission },
          { header: 'NAME', value: (r) => r.name },
          { header: 'IN CODE', value: (r) => (r.declared ? 'yes' : 'no') },
        ],
        'No permissions in the database: run `gatehouse migrate`.',
      );
    return;
  }
  const user = await requireUser(ctx, options.user);
  const rows = await userPermissionRows(ctx, user);
  if (options.json) {
    printJson({ user: user.username, isActive: user.isActive, isSuperuser: user.isSuperuser, permissions: rows });
    return;
  }
  if (!user.isActive) out(`${user.username} is inactive, and inactive users have no permissions.`);
  else if (user.isSuperuser) out(`${user.username} is a superuser: every permission, including any not listed here.`);
  printTable(
    rows,
    [
      { header: 'PERMISSION', value: (r) => r.permission },
      { header: 'FROM', value: (r) => r.sources.join(', ') },
    ],
    user.isActive ? `${user.username} has no permissions.` : '',
  );
}

async function check(ctx: CliContext, username: string, permission: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  await requirePermission(ctx, permission);
  const granted = await ctx.gatehouse.hasPerm(user, permission);
  if (options.json) printJson({ user: user.username, permission, granted });
  else out(granted ? 'yes' : 'no');
  if (!granted) process.exitCode = ExitCode.no;
}

async function explain(ctx: CliContext, username: string, permission: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  await requirePermission(ctx, permission);
  const explanation = await ctx.gatehouse.explainPerm(user, permission);
  if (options.json) {
    printJson({ user: user.username, permission, ...explanation });
    return;
  }
  out(explanation.summary);
  for (const source of explanation.sources) {
    out(`  - ${source.kind === 'group' ? `group "${source.group}"` : source.kind === 'direct' ? 'direct grant' : 'superuser flag'}`);
  }
}

async function grant(ctx: CliContext, username: string, permission: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  await requirePermission(ctx, permission);
  const already = (await ctx.gatehouse.authz.permissionsOf(user)).direct.has(permission);
  if (!already) await ctx.gatehouse.accounts.grantPermission(user, permission, { actor: ctx.actor });
  if (options.json) printJson({ user: user.username, permission, granted: !already });
  else out(already ? `${user.username} already holds ${permission} directly: nothing changed.` : `Granted ${permission} to ${user.username} directly.`);
}

async function revoke(ctx: CliContext, username: string, permission: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  await requirePermission(ctx, permission);
  const held = (await ctx.gatehouse.authz.permissionsOf(user)).direct.has(permission);
  // Revoking ends the user's sessions (their rights went down), so only when there is a grant to revoke.
  if (held) await ctx.gatehouse.accounts.revokePermission(user, permission, { actor: ctx.actor });
  if (options.json) printJson({ user: user.username, permission, revoked: held });
  else if (!held) out(`${user.username} holds no direct grant of ${permission}: nothing changed.`);
  else out(`Revoked ${user.username}'s direct grant of ${permission}; their sessions ended.`);
  const stillHas = held && (await ctx.gatehouse.hasPerm((await ctx.gatehouse.stores.users.getById(user.id)) ?? user, permission));
  if (stillHas && !options.json)
    out(`Note: ${user.username} still has ${permission} through a group or the superuser flag (\`gatehouse perms explain ${user.username} ${permission}\`).`);
}

/** Registers `perms` and its subcommands. */
export function registerPerms(program: Command): void {
  const perms = program.command('perms').description('list, check and explain permissions');
  perms
    .command('list')
    .description("every permission in the database, or one user's with where each comes from")
    .option('--user <user>', "the user's permissions")
    .option('--json', 'print JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => list(ctx, options)));
  perms
    .command('check')
    .argument('<user>')
    .argument('<permission>', 'app_label.codename')
    .description('does the user have the permission? prints yes/no; exit 0 yes, 1 no')
    .option('--json', 'print JSON')
    .action((username: string, permission: string, options, command: Command) => withContext(command, {}, (ctx) => check(ctx, username, permission, options)));
  perms
    .command('explain')
    .argument('<user>')
    .argument('<permission>', 'app_label.codename')
    .description('which grant, group or flag gives the permission, or what blocks it')
    .option('--json', 'print JSON')
    .action((username: string, permission: string, options, command: Command) =>
      withContext(command, {}, (ctx) => explain(ctx, username, permission, options)),
    );
  perms
    .command('grant')
    .argument('<user>')
    .argument('<permission>', 'app_label.codename')
    .description('grant a permission to a user directly (audited); prefer a role')
    .option('--json', 'print JSON')
    .action((username: string, permission: string, options, command: Command) => withContext(command, {}, (ctx) => grant(ctx, username, permission, options)));
  perms
    .command('revoke')
    .argument('<user>')
    .argument('<permission>', 'app_label.codename')
    .description("revoke a user's direct grant (audited); their sessions end")
    .option('--json', 'print JSON')
    .action((username: string, permission: string, options, command: Command) => withContext(command, {}, (ctx) => revoke(ctx, username, permission, options)));
}
