/**
 * `gatehouse import-django SOURCE`: users, groups, permissions, memberships and direct grants
 * from a Django 3.2+ database — a SQLite file, a PostgreSQL URL or a `dumpdata` JSON file — into
 * the gatehouse database, in one transaction. Safe to re-run (see django/importer.ts).
 *
 * Shared emails: Django allows several accounts per email; gatehouse's `emailUnique` (on by
 * default) does not. The import then stops before writing anything and says what to do: set
 * `emailUnique: false` (Django's behaviour, every email kept), or pass --allow-duplicate-emails,
 * which imports every account but leaves the later holders of a shared email without one, and
 * lists them so someone can sort them out.
 */
import type { Command } from 'commander';
import { type CliContext, withContext } from '../context.js';
import { note, out, printJson } from '../output.js';

interface ImportDjangoOptions {
  allowDuplicateEmails?: boolean;
  overwritePasswords?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** False with --no-progress. */
  progress: boolean;
}

type Progress = { start(total: number): void; tick(count: number): void; stop(): void };

async function progressBar(): Promise<Progress> {
  const cliProgress = (await import('cli-progress')).default;
  const bar = new cliProgress.SingleBar(
    {
      format: 'Importing [{bar}] {percentage}% | {value}/{total}',
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 1000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(total) {
      bar.start(total, 0);
      running = true;
    },
    tick(count) {
      if (running && count > 0) bar.increment(count);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

async function run(ctx: CliContext, given: string, options: ImportDjangoOptions): Promise<void> {
  const [{ importDjango }, { classifySource, readSource }, { formatSummary }] = await Promise.all([
    import('../django/importer.js'),
    import('../django/source.js'),
    import('../django/summary.js'),
  ]);
  const source = await classifySource(given);
  const data = await readSource(source);
  const summary = await importDjango(ctx.database, data, {
    emailUnique: ctx.gatehouse.config.emailUnique,
    allowDuplicateEmails: options.allowDuplicateEmails === true,
    overwritePasswords: options.overwritePasswords === true,
    dryRun: options.dryRun === true,
    ...(options.json || !options.progress ? {} : { progress: await progressBar() }),
  });
  const legacy = summary.users.legacyHashes;
  const enabled = ctx.gatehouse.config.passwordHashers;
  legacy.notEnabled = Object.keys(legacy.algorithms)
    .filter((name) => !enabled.includes(name))
    .sort();
  // The exact line to put in the config: the hashers in force, then the missing legacy ones
  // (last, so they only ever verify; the first hasher keeps hashing new passwords).
  legacy.enableWith = legacy.notEnabled.length === 0 ? null : `passwordHashers: ${JSON.stringify([...enabled, ...legacy.notEnabled])},`;
  summary.source = `${source.kind === 'dumpdata' ? 'dumpdata file' : source.kind === 'sqlite' ? 'SQLite database' : 'PostgreSQL database'} ${source.label}`;
  if (!summary.dryRun) {
    await ctx.gatehouse.audit.record({
      actor: ctx.actor,
      action: 'import.django',
      target: null,
      data: {
        source: source.kind,
        usersCreated: summary.users.created,
        usersUpdated: summary.users.updated,
        groupsCreated: summary.groups.created,
        permissionsCreated: summary.permissions.created,
        membershipsAdded: summary.memberships.added,
        directGrantsAdded: summary.directGrants.added,
        legacyHashes: summary.users.legacyHashes.count,
      },
    });
  }
  if (options.json) printJson(summary);
  else out(formatSummary(summary));
  if (!options.json && ctx.loaded.path === null) note('No config module: imported into a database whose app permissions are not declared in code yet.');
}

/** Registers `import-django`. */
export function registerImportDjango(program: Command): void {
  program
    .command('import-django')
    .argument('<source>', 'a Django SQLite file, a postgres:// URL, or a `manage.py dumpdata auth contenttypes` JSON file')
    .description('import users, groups, permissions, memberships and direct grants from a Django 3.2+ database')
    .option('--allow-duplicate-emails', 'with emailUnique on: import later holders of a shared email with an empty email (listed) instead of stopping')
    .option('--overwrite-passwords', "take Django's hash even for users whose gatehouse hash differs (upgraded or changed here)")
    .option('--dry-run', 'do everything and report, then roll back')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as JSON (no progress bar)')
    .addHelpText(
      'after',
      `
Matching: users by username, groups by name, permissions by app_label.codename; a re-run adds
nothing twice and takes changed fields from Django. Memberships and grants are only added.
Password hashes are kept verbatim (old passwords work; each hash is upgraded at first login);
hashes made with the legacy fast digests (md5, sha1, unsalted) are counted in the summary: their
hashers are off by default, and the summary prints the passwordHashers line that enables them;
an existing user whose gatehouse hash differs keeps it unless --overwrite-passwords.
New users keep their Django id where it is free (the summary lists any that could not).
Shared emails with emailUnique on: the import stops before writing; set emailUnique: false
(and run migrate) or pass --allow-duplicate-emails.`,
    )
    .action((given: string, options: ImportDjangoOptions, command: Command) => withContext(command, {}, (ctx) => run(ctx, given, options)));
}
