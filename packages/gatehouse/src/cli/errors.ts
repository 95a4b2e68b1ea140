/**
 * Exit codes and the one place that turns an error into a one-line message. A command never
 * shows a stack trace for something the person running it can fix (a wrong name, a bad URL, a
 * locked database); only an unexpected failure says so, and `GATEHOUSE_DEBUG=1` adds its stack.
 */
import { GatehouseError, ValidationError } from '../core/errors.js';

/** The exit codes every command uses. */
export const ExitCode = {
  /** Done; or the answer is yes. */
  ok: 0,
  /** The answer is no: permission not held, roles drift, audit chain broken, migrations pending. */
  no: 1,
  /** The command could not run: usage, bad input, unknown names, unreachable or locked database. */
  usage: 2,
  /** Something unexpected failed (a bug or an unrecognised driver error). */
  internal: 3,
} as const;

/** An error with the message to print and the exit code to leave with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What to tell the person, and how to exit. */
export interface ErrorReport {
  message: string;
  exitCode: number;
  /** True when this was not foreseen: the stack is worth showing with GATEHOUSE_DEBUG. */
  unexpected: boolean;
}

interface DriverLikeError {
  code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  errors?: unknown;
}

const NOT_MIGRATED = 'The database has no gatehouse tables yet: run `gatehouse migrate` first.';

/** Recognises the SQLite and PostgreSQL failures a person can act on. */
function describeDriverError(error: DriverLikeError): string | null {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_')) {
    return 'The SQLite database is locked by another process (waited 5 s): try again when it is free.';
  }
  if (code.startsWith('SQLITE_READONLY')) return 'The SQLite database is read-only here: check the file and folder permissions.';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return 'The file DATABASE_URL names is not a usable SQLite database.';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'The SQLite database file cannot be opened: check the path and its folder.';
  if (code.startsWith('SQLITE_') && /no such table/i.test(message)) return NOT_MIGRATED;
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot connect to the database server${where(error)}: connection refused. Is it running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot connect to the database server: host ${typeof error.hostname === 'string' ? `"${error.hostname}" ` : ''}not found.`;
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return `The connection to the database server${where(error)} failed (${code}).`;
    case '28P01':
    case '28000':
      return 'The database server refused the login: check the user and password in DATABASE_URL.';
    case '3D000':
      return `${message.replace(/^error: /, '')}: create it first, or fix DATABASE_URL.`;
    case '42P01':
      return NOT_MIGRATED;
    case '53300':
      return 'The database server has too many connections right now: try again shortly.';
    case '55P03':
    case '40P01':
    case '40001':
      return `The database was busy with a conflicting change (${code}): try again.`;
    case '57P01':
    case '57P02':
    case '57P03':
      return 'The database server is shutting down or starting up: try again shortly.';
    case '25006':
      return 'The database connection is read-only: use a writable DATABASE_URL.';
    default:
      return null;
  }
}

function where(error: DriverLikeError): string {
  return typeof error.address === 'string' && error.port !== undefined ? ` at ${error.address}:${String(error.port)}` : '';
}

/** Turns anything thrown into a message and an exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode, unexpected: false };
  if (error instanceof ValidationError) {
    return { message: error.errors.map((e) => e.message).join(' '), exitCode: ExitCode.usage, unexpected: false };
  }
  if (error instanceof GatehouseError) {
    const cause = error.cause as DriverLikeError | undefined;
    const driver = cause && typeof cause === 'object' ? describeDriverError(cause) : null;
    return { message: driver ?? error.message, exitCode: ExitCode.usage, unexpected: false };
  }
  if (error && typeof error === 'object') {
    // node-postgres reports a refused connection to several addresses as an AggregateError.
    const inner = Array.isArray((error as DriverLikeError).errors) ? ((error as { errors: unknown[] }).errors[0] as DriverLikeError) : undefined;
    const known = describeDriverError(error as DriverLikeError) ?? (inner ? describeDriverError(inner) : null);
    if (known) return { message: known, exitCode: ExitCode.usage, unexpected: false };
  }
  const message = error instanceof Error ? error.message || error.name : String(error);
  return { message: `Unexpected error: ${message}`, exitCode: ExitCode.internal, unexpected: true };
}
