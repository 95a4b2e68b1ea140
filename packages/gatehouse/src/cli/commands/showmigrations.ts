/** `gatehouse showmigrations`: each schema migration and whether it has run, as Django lists them. */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { withContext } from '../context.js';
import { formatTime, out, printJson } from '../output.js';

interface ShowMigrationsOptions {
  json?: boolean;
  check?: boolean;
}

/** Registers `showmigrations`. */
export function registerShowMigrations(program: Command): void {
  program
    .command('showmigrations')
    .description('list the schema migrations: [X] applied, [ ] pending')
    .option('--check', 'exit 1 when a migration is pending (for deploy pipelines)')
    .option('--json', 'print the list as JSON')
    .action(async (options: ShowMigrationsOptions, command: Command) => {
      await withContext(command, { migrated: false }, async (ctx) => {
        const list = await ctx.database.showMigrations();
        if (options.json) {
          printJson(list.map((m) => ({ name: m.name, applied: m.executedAt !== null, appliedAt: m.executedAt?.toISOString() ?? null })));
        } else {
          out('gatehouse');
          for (const m of list) out(` [${m.executedAt ? 'X' : ' '}] ${m.name}${m.executedAt ? `  (${formatTime(m.executedAt.getTime())})` : ''}`);
        }
        if (options.check && list.some((m) => m.executedAt === null)) process.exitCode = ExitCode.no;
      });
    });
}
