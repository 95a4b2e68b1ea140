/**
 * `gatehouse sessions list | revoke | purge`: where users are logged in, and ending it. Sessions
 * are known only by the SHA-256 of their id (the raw id lives in the browser cookie alone), so the
 * hash is what `list` shows and what `revoke` takes.
 */
import type { Command } from 'commander';
import type { SessionRecord } from '../../core/ports.js';
import type { User } from '../../core/user.js';
import { type CliContext, parseCount, requireUser, withContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatTime, out, printJson, printTable } from '../output.js';

/** Whether a stored session would still be accepted, and if not why. */
function stateOf(ctx: CliContext, session: SessionRecord, user: User | null): string {
  const now = ctx.gatehouse.clock.now();
  if (now >= session.expiresAt) return 'expired';
  if (now - session.lastSeenAt > ctx.gatehouse.config.session.idleTimeout * 1000) return 'idle';
  if (session.userId !== null && (user === null || !user.isActive || user.authEpoch !== session.authEpoch)) return 'revoked';
  return 'active';
}

async function list(ctx: CliContext, options: { user?: string; limit?: string; json?: boolean }): Promise<void> {
  const limit = options.limit === undefined ? 1000 : parseCount(options.limit, '--limit');
  const only = options.user === undefined ? undefined : await requireUser(ctx, options.user);
  const sessions = await ctx.gatehouse.stores.sessions.list({ limit, ...(only ? { userId: only.id } : {}) });
  const users = new Map<number, User | null>();
  for (const s of sessions) {
    if (s.userId !== null && !users.has(s.userId)) users.set(s.userId, await ctx.gatehouse.stores.users.getById(s.userId));
  }
  const rows = sessions.map((s) => {
    const user = s.userId === null ? null : (users.get(s.userId) ?? null);
    return {
      id: s.idHash,
      user: user?.username ?? null,
      state: stateOf(ctx, s, user),
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
    };
  });
  if (options.json) {
    printJson(
      rows.map((r) => ({
        ...r,
        createdAt: new Date(r.createdAt).toISOString(),
        lastSeenAt: new Date(r.lastSeenAt).toISOString(),
        expiresAt: new Date(r.expiresAt).toISOString(),
      })),
    );
    return;
  }
  printTable(
    rows,
    [
      { header: 'ID (stored hash)', value: (r) => r.id },
      { header: 'USER', value: (r) => r.user ?? '(anonymous)' },
      { header: 'STATE', value: (r) => r.state },
      { header: 'CREATED', value: (r) => formatTime(r.createdAt) },
      { header: 'LAST SEEN', value: (r) => formatTime(r.lastSeenAt) },
      { header: 'IP', value: (r) => r.ip ?? '-' },
      { header: 'USER AGENT', value: (r) => (r.userAgent ?? '-').slice(0, 60) },
    ],
    'No sessions.',
  );
}

async function revoke(ctx: CliContext, id: string | undefined, options: { user?: string }): Promise<void> {
  if ((id === undefined) === (options.user === undefined)) throw new CliError('Give either a session ID or --user USER.');
  if (options.user !== undefined) {
    const user = await requireUser(ctx, options.user);
    const ended = await ctx.gatehouse.accounts.logoutEverywhere(user, { actor: ctx.actor });
    out(`Ended ${ended} session${ended === 1 ? '' : 's'} of "${user.username}"; any other session they had is invalid too.`);
    return;
  }
  const idHash = (id as string).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(idHash)) throw new CliError(`"${id}" is not a session ID: use the 64-character hash shown by \`gatehouse sessions list\`.`);
  const session = await ctx.gatehouse.stores.sessions.get(idHash);
  if (!session || !(await ctx.gatehouse.sessions.endByHash(idHash))) throw new CliError(`No session with ID ${idHash}.`);
  const user = session.userId === null ? null : await ctx.gatehouse.stores.users.getById(session.userId);
  await ctx.gatehouse.audit.record({ actor: ctx.actor, action: 'sessions.revoke', target: user?.username ?? null, data: { session: idHash.slice(0, 16) } });
  out(`Session ${idHash.slice(0, 16)}… ended${user ? ` (user "${user.username}")` : ''}.`);
}

/** Registers `sessions` and its subcommands. */
export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').description('list and end sessions');
  sessions
    .command('list')
    .description('sessions, newest first, with their state (active, idle, expired, revoked)')
    .option('--user <user>', "only this user's")
    .option('--limit <n>', 'at most this many (default 1000)')
    .option('--json', 'print JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => list(ctx, options)));
  sessions
    .command('revoke')
    .argument('[id]', 'the stored hash shown by `sessions list`')
    .option('--user <user>', 'end every session of this user (their auth epoch moves on)')
    .description('end one session, or every session of a user')
    .action((id: string | undefined, options, command: Command) => withContext(command, {}, (ctx) => revoke(ctx, id, options)));
  sessions
    .command('purge')
    .description('delete expired and idle sessions (run it from a timer)')
    .action((_options, command: Command) =>
      withContext(command, {}, async (ctx) => {
        const removed = await ctx.gatehouse.sessions.purgeExpired();
        out(`Deleted ${removed} expired or idle session${removed === 1 ? '' : 's'}.`);
      }),
    );
}
