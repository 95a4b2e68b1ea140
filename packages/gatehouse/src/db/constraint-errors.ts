/**
 * Turns the drivers' unique-constraint violations into `DuplicateError`s naming the field, so a
 * clash is a typed, expected error rather than a driver-specific exception. The database's own
 * constraint is the only arbiter: two concurrent creations race there and exactly one wins.
 */
import { DuplicateError } from '../core/errors.js';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** True for a unique or primary-key violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  // PostgreSQL: SQLSTATE 23505. SQLite (better-sqlite3): extended result codes.
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Rethrows a unique violation as `DuplicateError` for the field it names; other errors pass through. */
export function rethrowDuplicate(error: unknown, fields: Record<string, string>): never {
  if (isUniqueViolation(error)) {
    const e = error as DriverError;
    const where = `${String(e.constraint ?? '')} ${String(e.message ?? '')}`;
    for (const [needle, field] of Object.entries(fields)) {
      if (where.includes(needle)) {
        throw new DuplicateError(field, `A ${field === 'group' ? 'group with that name' : `user with that ${field}`} already exists.`, { cause: error });
      }
    }
    const first = Object.values(fields)[0] ?? 'value';
    throw new DuplicateError(first, `That ${first} is already taken.`, { cause: error });
  }
  throw error;
}
