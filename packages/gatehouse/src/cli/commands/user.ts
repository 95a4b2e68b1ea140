/**
 * `gatehouse user ...`: account administration from the shell. Every change goes through
 * `Accounts`, so it is validated, audited, and ends the user's sessions where it must
 * (deactivation, losing staff or superuser, leaving a group, a new password).
 */
import type { Command } from 'commander';
import { identifyAlgorithm, isPasswordUsable } from '../../core/hashers/passwords.js';
import { type User, publicUser } from '../../core/user.js';
import { type CliContext, parseBoolean, parseCount, requireUser, withContext } from '../context.js';
import { CliError } from '../errors.js';
import { auditSkippedValidation, obtainNewPassword } from '../input.js';
import { formatTime, out, printJson, printTable, yesNo } from '../output.js';
import { type PasswordOptions, changePassword, withPasswordOptions } from './changepassword.js';

/** A user as printed: the public shape with readable times, and how the password is stored (never the hash). */
function describeUser(user: User): Record<string, unknown> {
  const { isAuthenticated: _authenticated, isAnonymous: _anonymous, ...shown } = publicUser(user);
  return {
    ...shown,
    lastLogin: user.lastLogin === null ? null : new Date(user.lastLogin).toISOString(),
    dateJoined: new Date(user.dateJoined).toISOString(),
    password: isPasswordUsable(user.password) ? (identifyAlgorithm(user.password) ?? 'unknown') : 'unusable',
  };
}

interface CreateOptions extends PasswordOptions {
  email?: string;
  firstName?: string;
  lastName?: string;
  staff?: boolean;
  superuser?: boolean;
  inactive?: boolean;
  unusablePassword?: boolean;
  json?: boolean;
}

async function createUser(ctx: CliContext, username: string, options: CreateOptions): Promise<void> {
  if (options.unusablePassword && options.passwordStdin) throw new CliError('Choose one of --password-stdin and --unusable-password.');
  const attributes = { username, email: options.email ?? '', firstName: options.firstName ?? '', lastName: options.lastName ?? '' };
  const password = options.unusablePassword
    ? null
    : await obtainNewPassword(ctx, attributes, { fromStdin: options.passwordStdin === true, skipValidation: options.skipPasswordValidation === true }).catch(
        (error: unknown) => {
          if (error instanceof CliError && !options.passwordStdin) {
            throw new CliError(`${error.message} Or pass --unusable-password for an account that cannot log in with a password.`);
          }
          throw error;
        },
      );
  const user = await ctx.gatehouse.accounts.createUser(
    {
      ...attributes,
      password,
      isActive: !options.inactive,
      isStaff: options.staff === true,
      isSuperuser: options.superuser === true,
      validatePassword: !options.skipPasswordValidation,
    },
    { actor: ctx.actor },
  );
  if (password !== null && options.skipPasswordValidation) await auditSkippedValidation(ctx, user.username, 'user create');
  if (options.json) printJson(describeUser(user));
  else out(`User "${user.username}" created (id ${user.id}${password === null ? ', unusable password' : ''}).`);
}

async function listUsers(ctx: CliContext, options: { search?: string; limit?: string; json?: boolean }): Promise<void> {
  const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : parseCount(options.limit, '--limit');
  const users: User[] = [];
  let afterId: number | undefined;
  for (;;) {
    const want = Math.min(1000, limit - users.length);
    if (want <= 0) break;
    const page = await ctx.gatehouse.stores.users.list({
      limit: want,
      ...(afterId !== undefined ? { afterId } : {}),
      ...(options.search ? { search: options.search } : {}),
    });
    users.push(...page);
    if (page.length < want) break;
    afterId = page[page.length - 1]!.id;
  }
  if (options.json) {
    printJson(users.map(describeUser));
    return;
  }
  printTable(
    users,
    [
      { header: 'ID', value: (u) => String(u.id) },
      { header: 'USERNAME', value: (u) => u.username },
      { header: 'EMAIL', value: (u) => u.email },
      { header: 'ACTIVE', value: (u) => yesNo(u.isActive) },
      { header: 'STAFF', value: (u) => yesNo(u.isStaff) },
      { header: 'SUPERUSER', value: (u) => yesNo(u.isSuperuser) },
      { header: 'LAST LOGIN', value: (u) => formatTime(u.lastLogin) },
    ],
    'No users.',
  );
}

async function showUser(ctx: CliContext, username: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  const groups = (await ctx.gatehouse.stores.groups.groupsOfUser(user.id)).map((g) => g.name);
  const direct = [...(await ctx.gatehouse.authz.permissionsOf(user)).direct].sort();
  const sessions = await ctx.gatehouse.sessions.listForUser(user.id);
  const described = { ...describeUser(user), groups, directPermissions: direct, sessions: sessions.length };
  if (options.json) {
    printJson(described);
    return;
  }
  for (const [key, value] of Object.entries(described)) {
    out(`${`${key}:`.padEnd(19)} ${Array.isArray(value) ? value.join(', ') || '-' : String(value ?? '-')}`);
  }
  if (!user.isActive) out('(inactive: cannot log in and has no permissions)');
}

type FlagSetter = 'setActive' | 'setStaff' | 'setSuperuser';

async function setFlag(ctx: CliContext, username: string, raw: string, setter: FlagSetter, label: string): Promise<void> {
  const value = parseBoolean(raw, label);
  const user = await requireUser(ctx, username);
  await ctx.gatehouse.accounts[setter](user, value, { actor: ctx.actor });
  const ended = setter === 'setActive' ? 'their sessions and API tokens were ended' : 'their sessions were ended';
  out(`${label} of "${user.username}" set to ${value}${value ? '' : `; ${ended}`}.`);
}

/** Registers `user` and its subcommands. */
export function registerUser(program: Command): void {
  const user = program.command('user').description('create, list, show and change user accounts');
  const run =
    <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      await withContext(command, {}, (ctx) => fn(ctx, ...(args.slice(0, -1) as A)));
    };

  withPasswordOptions(
    user
      .command('create')
      .argument('<username>')
      .description('create a user (password prompted at a terminal, or --password-stdin, or --unusable-password)')
      .option('--email <email>', 'email address')
      .option('--first-name <name>', 'first name')
      .option('--last-name <name>', 'last name')
      .option('--staff', 'may use staff-only routes')
      .option('--superuser', 'has every permission')
      .option('--inactive', 'create the account deactivated')
      .option('--unusable-password', 'no password: the account cannot log in with one until it is set or reset')
      .option('--json', 'print the new user as JSON'),
  ).action(run(createUser));

  user
    .command('list')
    .description('list users')
    .option('--search <text>', 'only usernames or emails containing this (case-insensitive)')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON')
    .action(run(listUsers));

  user
    .command('show')
    .argument('<user>')
    .description('show one user with groups, direct permissions and sessions')
    .option('--json', 'print JSON')
    .action(run(showUser));

  user
    .command('set-active')
    .argument('<user>')
    .argument('<value>', 'true or false')
    .description('activate or deactivate (deactivation ends their sessions)')
    .action(run((ctx, name: string, value: string) => setFlag(ctx, name, value, 'setActive', 'Active')));
  user
    .command('set-staff')
    .argument('<user>')
    .argument('<value>', 'true or false')
    .description('grant or remove staff status (removal ends their sessions)')
    .action(run((ctx, name: string, value: string) => setFlag(ctx, name, value, 'setStaff', 'Staff')));
  user
    .command('set-superuser')
    .argument('<user>')
    .argument('<value>', 'true or false')
    .description('grant or remove superuser status (removal ends their sessions)')
    .action(run((ctx, name: string, value: string) => setFlag(ctx, name, value, 'setSuperuser', 'Superuser')));

  user
    .command('add-group')
    .argument('<user>')
    .argument('<group>')
    .description('add the user to a group (a role)')
    .action(
      run(async (ctx, name: string, group: string) => {
        const target = await requireUser(ctx, name);
        await ctx.gatehouse.accounts.addToGroup(target, group, { actor: ctx.actor });
        out(`"${target.username}" is in group "${group}".`);
      }),
    );
  user
    .command('remove-group')
    .argument('<user>')
    .argument('<group>')
    .description('remove the user from a group (ends their sessions)')
    .action(
      run(async (ctx, name: string, group: string) => {
        const target = await requireUser(ctx, name);
        const removed = await ctx.gatehouse.accounts.removeFromGroup(target, group, { actor: ctx.actor });
        out(removed ? `"${target.username}" removed from group "${group}"; their sessions were ended.` : `"${target.username}" was not in group "${group}".`);
      }),
    );

  withPasswordOptions(
    user.command('set-password').argument('<user>').description('set a new password (prompt or --password-stdin); ends their sessions'),
  ).action(run((ctx, name: string, options: PasswordOptions) => changePassword(ctx, name, options, 'user set-password')));
  user
    .command('set-unusable-password')
    .argument('<user>')
    .description('make the password unusable (no password login until set or reset); ends their sessions')
    .action(
      run(async (ctx, name: string) => {
        const target = await requireUser(ctx, name);
        await ctx.gatehouse.accounts.setPassword(target, null, { actor: ctx.actor });
        out(`"${target.username}" now has an unusable password; their sessions and API tokens were ended.`);
      }),
    );
  user
    .command('set-email')
    .argument('<user>')
    .argument('<email>', 'the new address ("" for none)')
    .description('change the email address')
    .action(
      run(async (ctx, name: string, email: string) => {
        const target = await requireUser(ctx, name);
        const updated = await ctx.gatehouse.accounts.setEmail(target, email, { actor: ctx.actor });
        out(`Email of "${updated.username}" set to ${updated.email === '' ? '(none)' : updated.email}.`);
      }),
    );
}
