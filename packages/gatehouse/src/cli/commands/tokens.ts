/**
 * `gatehouse tokens create | list | revoke`: personal API tokens from the command line — for
 * service accounts (a token with no expiry is allowed here, and only here), and for an operator
 * ending a token that leaked. The secret is printed once, on stdout alone, so it can be piped
 * into a secret store without landing in a log.
 */
import type { Command } from 'commander';
import type { ApiTokenInfo } from '../../core/api-tokens.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { type CliContext, parseCount, requireUser, withContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatTime, out, printJson, printTable } from '../output.js';

interface CreateOptions {
  name: string;
  expiresDays?: string;
  expiry?: boolean;
  perm?: string[];
  json?: boolean;
}

async function create(ctx: CliContext, username: string, options: CreateOptions): Promise<void> {
  const user = await requireUser(ctx, username);
  const expiresInDays = options.expiry === false ? null : options.expiresDays === undefined ? undefined : parseCount(options.expiresDays, '--expires-days');
  try {
    const made = await ctx.gatehouse.apiTokens.create(user, {
      name: options.name,
      ...(expiresInDays !== undefined ? { expiresInDays } : {}),
      ...(options.perm && options.perm.length > 0 ? { permissions: options.perm } : {}),
      actor: ctx.actor,
      allowNoExpiry: true,
    });
    if (options.json) {
      printJson({ token: made.token, ...serialise(made.info) });
      return;
    }
    process.stderr.write(`Token ${made.info.id} "${made.info.name}" for "${user.username}" (shown once; store it now):\n`);
    out(made.token);
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.errors.map((e) => e.message).join(' '));
    throw error;
  }
}

function serialise(token: ApiTokenInfo): Record<string, unknown> {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return { ...token, createdAt: iso(token.createdAt), expiresAt: iso(token.expiresAt), lastUsedAt: iso(token.lastUsedAt) };
}

async function list(ctx: CliContext, username: string, options: { json?: boolean }): Promise<void> {
  const user = await requireUser(ctx, username);
  const tokens = await ctx.gatehouse.apiTokens.list(user);
  if (options.json) {
    printJson(tokens.map(serialise));
    return;
  }
  printTable(
    tokens,
    [
      { header: 'ID', value: (t) => String(t.id) },
      { header: 'NAME', value: (t) => t.name },
      { header: 'PREFIX', value: (t) => t.prefix },
      { header: 'PERMISSIONS', value: (t) => (t.permissions === null ? "(all of the user's)" : t.permissions.join(' ') || '(none)') },
      { header: 'EXPIRES', value: (t) => (t.expiresAt === null ? 'never' : formatTime(t.expiresAt)) },
      { header: 'LAST USED', value: (t) => (t.lastUsedAt === null ? 'never' : `${formatTime(t.lastUsedAt)} from ${t.lastUsedIp ?? '?'}`) },
    ],
    `"${user.username}" has no API tokens.`,
  );
}

async function revoke(ctx: CliContext, id: string | undefined, options: { user?: string }): Promise<void> {
  if ((id === undefined) === (options.user === undefined)) throw new CliError('Give either a token ID or --user USER.');
  if (options.user !== undefined) {
    const user = await requireUser(ctx, options.user);
    const count = await ctx.gatehouse.apiTokens.revokeAllForUser(user, { actor: ctx.actor, reason: 'cli' });
    out(`Revoked ${count} API token${count === 1 ? '' : 's'} of "${user.username}".`);
    return;
  }
  const tokenId = parseCount(id as string, 'token ID');
  try {
    await ctx.gatehouse.apiTokens.revoke(tokenId, { actor: ctx.actor });
  } catch (error) {
    if (error instanceof NotFoundError) throw new CliError(`No API token with ID ${tokenId}.`);
    throw error;
  }
  out(`API token ${tokenId} revoked.`);
}

/** Registers `tokens` and its subcommands. */
export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('personal API tokens: create (service accounts), list, revoke');
  tokens
    .command('create')
    .argument('<user>', 'the account the token acts as')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires-days <n>', 'days until it expires (default 90, at most 366)')
    .option('--no-expiry', 'never expires (service accounts; rotate it yourself)')
    .option('--perm <perm...>', "limit it to these permissions (each one the user holds); default: all of the user's")
    .option('--json', 'print JSON (the token included)')
    .description('make a token; the secret is printed once, on stdout')
    .action((user: string, options: CreateOptions, command: Command) => withContext(command, {}, (ctx) => create(ctx, user, options)));
  tokens
    .command('list')
    .argument('<user>', 'whose tokens')
    .option('--json', 'print JSON')
    .description("a user's tokens (never the secrets)")
    .action((user: string, options, command: Command) => withContext(command, {}, (ctx) => list(ctx, user, options)));
  tokens
    .command('revoke')
    .argument('[id]', 'the token ID shown by `tokens list`')
    .option('--user <user>', 'revoke every token of this user')
    .description('revoke one token, or every token of a user')
    .action((id: string | undefined, options, command: Command) => withContext(command, {}, (ctx) => revoke(ctx, id, options)));
}
