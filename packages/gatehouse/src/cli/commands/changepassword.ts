/**
 * `gatehouse changepassword USER`: sets a new password, checked by the app's validators, and ends
 * every session of the user at once (their auth epoch moves on), as a password change must.
 */
import type { Command } from 'commander';
import { type CliContext, requireUser, withContext } from '../context.js';
import { auditSkippedValidation, obtainNewPassword } from '../input.js';
import { out } from '../output.js';

/** Options shared by `changepassword` and `user set-password`. */
export interface PasswordOptions {
  passwordStdin?: boolean;
  skipPasswordValidation?: boolean;
}

/**
 * Reads a new password (prompt or stdin) and sets it; shared with `user set-password`. Prompted
 * and piped passwords alike go through the app's validators (with its site words) unless
 * `--skip-password-validation`, which is audited.
 */
export async function changePassword(ctx: CliContext, username: string, options: PasswordOptions, command = 'changepassword'): Promise<void> {
  const user = await requireUser(ctx, username);
  const password = await obtainNewPassword(ctx, user, { fromStdin: options.passwordStdin === true, skipValidation: options.skipPasswordValidation === true });
  await ctx.gatehouse.accounts.setPassword(user, password, { validate: !options.skipPasswordValidation, actor: ctx.actor });
  if (options.skipPasswordValidation) await auditSkippedValidation(ctx, user.username, command);
  out(`Password changed for "${user.username}"; their sessions and API tokens were ended.`);
}

/** Adds the password source options to a command. */
export function withPasswordOptions(command: Command): Command {
  return command
    .option('--password-stdin', 'read the new password from stdin (one line) instead of prompting')
    .option('--skip-password-validation', "accept a password the app's validators refuse (recorded in the audit log)")
    .addHelpText('after', '\nThe password is never an argument: it is typed at the prompt (a terminal) or piped with --password-stdin.');
}

/** Registers `changepassword`. */
export function registerChangePassword(program: Command): void {
  withPasswordOptions(
    program
      .command('changepassword')
      .argument('<user>', 'the username')
      .description("change a user's password (prompts twice at a terminal) and end their sessions"),
  ).action(async (username: string, options: PasswordOptions, command: Command) => {
    await withContext(command, {}, (ctx) => changePassword(ctx, username, options));
  });
}
