#!/usr/bin/env node
/**
 * `gatehouse`: Django's manage.py auth commands and more, for a gatehouse app. Each command lives
 * in commands/ and runs on DATABASE_URL (or --database) and the app's config module. Every command
 * works without a terminal; errors end in one line and a meaningful exit code, never a stack.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerChangePassword } from './commands/changepassword.js';
import { registerCreateSuperuser } from './commands/createsuperuser.js';
import { registerGroup } from './commands/group.js';
import { registerImportDjango } from './commands/import-django.js';
import { registerInit } from './commands/init.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPerms } from './commands/perms.js';
import { registerRoles } from './commands/roles.js';
import { registerRoutes } from './commands/routes.js';
import { registerSessions } from './commands/sessions.js';
import { registerTokens } from './commands/tokens.js';
import { registerShowMigrations } from './commands/showmigrations.js';
import { registerUser } from './commands/user.js';
import { ExitCode, describeError } from './errors.js';
import { sanitizeText } from './output.js';

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The whole command tree. */
function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Administer a gatehouse app: schema, users, roles, permissions, sessions, audit log, Django import.')
    .version(packageVersion(), '-V, --version')
    .option('--database <url>', 'database URL (default: $DATABASE_URL): sqlite:<file> or postgres://user@host/db')
    .option('--config <path>', 'the app config module (default: gatehouse.config.{js,mjs,ts,mts} in this folder)')
    // Thrown instead of exiting, so that usage errors leave with code 2 from one place.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 done or yes; 1 no (perms check), drift (roles plan --check), broken (audit verify),
pending (showmigrations --check); 2 usage or input error, unknown name, database unreachable or
locked; 3 unexpected error (GATEHOUSE_DEBUG=1 shows its stack).
Passwords are never arguments: prompts at a terminal, --password-stdin, or GATEHOUSE_SUPERUSER_PASSWORD.`,
    );
  registerInit(program);
  registerMigrate(program);
  registerShowMigrations(program);
  registerCreateSuperuser(program);
  registerChangePassword(program);
  registerUser(program);
  registerRoles(program);
  registerGroup(program);
  registerPerms(program);
  registerRoutes(program);
  registerSessions(program);
  registerTokens(program);
  registerAudit(program);
  registerImportDjango(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help already.
      const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0);
      return shown ? ExitCode.ok : ExitCode.usage;
    }
    const report = describeError(error);
    process.stderr.write(`gatehouse: ${sanitizeText(report.message)}\n`);
    if (process.env.GATEHOUSE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    else if (report.unexpected) process.stderr.write('(set GATEHOUSE_DEBUG=1 to see where it happened)\n');
    return report.exitCode;
  }
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// A reader that closes early (`gatehouse user list | head`) is not an error: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await main(process.argv);
process.exitCode = code;
// A config module may leave handles open (an app it built for its route inventory, a pool of its
// own): once the output is written, leave instead of hanging.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
