/**
 * Where passwords and answers come from. Never from the command line: argv is visible to every
 * user of the machine (`ps`) and lands in shell history. A password is typed at a prompt (only
 * when stdin is a terminal), piped with `--password-stdin`, or, for unattended `createsuperuser`,
 * read from an environment variable as Django does.
 */
import type { PasswordUserAttributes } from '../core/password-validation.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';

/** True when a person can answer prompts: stdin is a terminal. */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

// Prompts draw on stderr so that stdout carries only the command's data.
const promptIo = { output: process.stderr } as const;

/** The prompt library, loaded only when a person is actually asked something. */
export function prompts(): Promise<typeof import('@clack/prompts')> {
  return import('@clack/prompts');
}

function cancelled(): never {
  throw new CliError('Cancelled.');
}

const MAX_STDIN_BYTES = 1 << 20;

/** Reads a password piped on stdin, without its final line break. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new CliError('The input on stdin is too long to be a password.');
    chunks.push(buffer);
  }
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (value === '') throw new CliError('No password on stdin: pipe one in, e.g. `printf %s "$PASSWORD" | gatehouse ...`.');
  if (value.includes('\n')) throw new CliError('The password on stdin spans several lines: pipe exactly one.');
  return value;
}

/** Asks for a line of text; `check` returns a problem to show, or undefined. */
export async function promptText(message: string, options: { check?: (value: string) => string | undefined; initial?: string } = {}): Promise<string> {
  const { isCancel, text } = await prompts();
  const answer = await text({
    ...promptIo,
    message,
    ...(options.initial !== undefined ? { initialValue: options.initial } : {}),
    validate: (value) => options.check?.(value ?? ''),
  });
  if (isCancel(answer)) cancelled();
  return answer;
}

/**
 * Asks for a new password twice, checking it with the app's validators as it is typed (unless
 * `skipValidation`), as Django's `changepassword` does; gives up after three mismatches.
 */
export async function promptNewPassword(ctx: CliContext, user: PasswordUserAttributes, options: { skipValidation?: boolean } = {}): Promise<string> {
  const { isCancel, log, password } = await prompts();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const first = await password({
      ...promptIo,
      message: 'Password',
      validate: (value) => {
        if (!value) return 'The password cannot be empty.';
        if (options.skipValidation) return undefined;
        const problems = ctx.gatehouse.accounts.passwordProblems(value, user);
        return problems.length > 0 ? problems.map((p) => p.message).join(' ') : undefined;
      },
    });
    if (isCancel(first)) cancelled();
    const again = await password({ ...promptIo, message: 'Password (again)' });
    if (isCancel(again)) cancelled();
    if (first === again) return first;
    log.error("The passwords didn't match.", promptIo);
  }
  throw new CliError('Too many mismatched passwords: nothing was changed.');
}

/**
 * A new password from stdin (`fromStdin`), or typed at a prompt, or a clear error when neither
 * is possible. Validation of piped passwords happens where the password is set.
 */
export async function obtainNewPassword(
  ctx: CliContext,
  user: PasswordUserAttributes,
  options: { fromStdin?: boolean; skipValidation?: boolean },
): Promise<string> {
  if (options.fromStdin) return readPasswordFromStdin();
  if (isInteractive()) return promptNewPassword(ctx, user, options);
  throw new CliError('No password given and stdin is not a terminal: pipe it in with --password-stdin (passwords are never taken as arguments).');
}

/**
 * Records that a password was set past the validators (`--skip-password-validation`), so the
 * escape hatch leaves a trace: who used it, for which account, with which command.
 */
export async function auditSkippedValidation(ctx: CliContext, username: string, command: string): Promise<void> {
  await ctx.gatehouse.audit.record({ actor: ctx.actor, action: 'auth.password_validation_skipped', target: username, ip: null, data: { command } });
}
