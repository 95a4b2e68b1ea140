/**
 * `gatehouse audit tail | verify`: the newest entries of the audit log, and a walk of its hash
 * chain that exits 1 at the first entry that was edited, inserted or deleted.
 */
import type { Command } from 'commander';
import type { AuditEntry } from '../../core/ports.js';
import { type CliContext, parseCount, withContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { formatTime, out, printJson, printTable } from '../output.js';

async function tail(ctx: CliContext, options: { lines: string; actor?: string; action?: string; json?: boolean }): Promise<void> {
  const limit = parseCount(options.lines, '-n');
  const newestFirst = await ctx.gatehouse.audit.list({
    limit,
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
    ...(options.action !== undefined ? { action: options.action } : {}),
  });
  // Oldest first, as `tail` prints a file.
  const entries = [...newestFirst].reverse();
  if (options.json) {
    printJson(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })));
    return;
  }
  printTable<AuditEntry>(
    entries,
    [
      { header: 'SEQ', value: (e) => String(e.seq) },
      { header: 'AT', value: (e) => formatTime(e.at) },
      { header: 'ACTOR', value: (e) => e.actor ?? '-' },
      { header: 'ACTION', value: (e) => e.action },
      { header: 'TARGET', value: (e) => e.target ?? '-' },
      { header: 'IP', value: (e) => e.ip ?? '-' },
      { header: 'DATA', value: (e) => (Object.keys(e.data).length === 0 ? '' : JSON.stringify(e.data)) },
    ],
    'The audit log is empty.',
  );
}

async function verify(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const result = await ctx.gatehouse.audit.verify();
  if (options.json) printJson(result);
  else if (result.ok) {
    out(
      `The audit log is intact: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}${result.head ? `, head ${result.head.seq} ${result.head.hash}` : ''}.`,
    );
    if (result.head) out('Keep the head somewhere else too: a chain rewritten from the start can only be caught against it.');
  } else {
    out(`The audit log is BROKEN: ${result.message} (${result.entries} entries verified before it.)`);
  }
  if (!result.ok) process.exitCode = ExitCode.no;
}

/** Registers `audit` and its subcommands. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('read and verify the audit log');
  audit
    .command('tail')
    .description('the newest entries, oldest first')
    .option('-n, --lines <n>', 'how many entries', '20')
    .option('--actor <actor>', 'only entries by this actor')
    .option('--action <action>', 'only entries with this action, e.g. auth.login')
    .option('--json', 'print JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => tail(ctx, options)));
  audit
    .command('verify')
    .description('walk the hash chain; exit 1 if an entry was edited, inserted or deleted')
    .option('--json', 'print the result as JSON')
    .action((options, command: Command) => withContext(command, {}, (ctx) => verify(ctx, options)));
}
