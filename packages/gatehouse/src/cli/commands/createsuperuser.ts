/**
 * `gatehouse createsuperuser`: Django's command. At a terminal it asks for the username, email
 * and password (checked by the app's validators). Unattended (`--no-input`) it reads
 * GATEHOUSE_SUPERUSER_USERNAME, _EMAIL and _PASSWORD, like DJANGO_SUPERUSER_*; without a
 * password variable the account gets an unusable password (set one later, or reset it by mail).
 */
import type { Command } from 'commander';
import { cleanEmail, cleanUsername } from '../../core/accounts.js';
import { GatehouseError } from '../../core/errors.js';
import { type CliContext, withContext } from '../context.js';
import { CliError } from '../errors.js';
import { auditSkippedValidation, isInteractive, promptNewPassword, promptText, prompts } from '../input.js';
import { out } from '../output.js';

interface CreateSuperuserOptions {
  username?: string;
  email?: string;
  /** False with --no-input. */
  input: boolean;
  skipPasswordValidation?: boolean;
}

const ENV = {
  username: 'GATEHOUSE_SUPERUSER_USERNAME',
  email: 'GATEHOUSE_SUPERUSER_EMAIL',
  password: 'GATEHOUSE_SUPERUSER_PASSWORD',
} as const;

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The message of a validation failure, for a prompt. */
function problem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof GatehouseError) return error.message;
    throw error;
  }
}

async function askUsername(ctx: CliContext, initial: string | undefined): Promise<string> {
  for (;;) {
    const raw = await promptText('Username', { check: (v) => problem(() => cleanUsername(v)), ...(initial !== undefined ? { initial } : {}) });
    const username = cleanUsername(raw);
    if (!(await ctx.gatehouse.stores.users.getByUsername(username))) return username;
    (await prompts()).log.error('That username is already taken.', { output: process.stderr });
  }
}

async function createInteractively(ctx: CliContext, options: CreateSuperuserOptions): Promise<void> {
  const username = await askUsername(ctx, options.username);
  const email = options.email ?? (await promptText('Email address (optional)', { check: (v) => problem(() => cleanEmail(v)) }));
  const password = await promptNewPassword(ctx, { username, email }, { skipValidation: options.skipPasswordValidation === true });
  await ctx.gatehouse.accounts.createSuperuser({ username, email, password, validatePassword: !options.skipPasswordValidation }, { actor: ctx.actor });
  if (options.skipPasswordValidation) await auditSkippedValidation(ctx, username, 'createsuperuser');
  out(`Superuser "${username}" created.`);
}

async function createUnattended(ctx: CliContext, options: CreateSuperuserOptions): Promise<void> {
  const username = options.username ?? env(ENV.username);
  if (username === undefined) throw new CliError(`--no-input needs a username: pass --username or set ${ENV.username}.`);
  const email = options.email ?? env(ENV.email) ?? '';
  const password = env(ENV.password) ?? null;
  const user = await ctx.gatehouse.accounts.createSuperuser(
    { username, email, password, validatePassword: !options.skipPasswordValidation },
    { actor: ctx.actor },
  );
  if (password !== null && options.skipPasswordValidation) await auditSkippedValidation(ctx, user.username, 'createsuperuser');
  out(`Superuser "${user.username}" created${password === null ? ` with an unusable password (${ENV.password} was not set)` : ''}.`);
}

/** Registers `createsuperuser`. */
export function registerCreateSuperuser(program: Command): void {
  program
    .command('createsuperuser')
    .description('create a superuser (staff + every permission); prompts at a terminal, or --no-input with GATEHOUSE_SUPERUSER_* variables')
    .option('--username <name>', `the username (unattended: or ${ENV.username})`)
    .option('--email <email>', `the email address (unattended: or ${ENV.email})`)
    .option('--no-input', `do not prompt: read ${ENV.username}, ${ENV.email} and ${ENV.password}`)
    .option('--skip-password-validation', "accept a password the app's validators refuse (recorded in the audit log)")
    .addHelpText('after', '\nThe password is never an argument: it is typed at the prompt or taken from GATEHOUSE_SUPERUSER_PASSWORD.')
    .action(async (options: CreateSuperuserOptions, command: Command) => {
      if (options.input !== false && !isInteractive()) {
        throw new CliError(
          `createsuperuser needs a terminal for its prompts. In scripts use --no-input with ${ENV.username}, ${ENV.email} and ${ENV.password}.`,
        );
      }
      await withContext(command, {}, (ctx) => (options.input === false ? createUnattended(ctx, options) : createInteractively(ctx, options)));
    });
}
