/** `UserStore` in memory, with the SQL store's uniqueness, compare-and-set and cascades. */
import { DuplicateError, NotFoundError } from '../../core/errors.js';
import type { NewUserRecord, UserListOptions, UserPatch, UserStore } from '../../core/ports.js';
import { usernameSkeleton } from '../../core/skeleton.js';
import { type User, toUser } from '../../core/user.js';
import { type MemoryScope, type MemoryTables, type MemoryUserRow, operate } from './state.js';

/** The largest id `auth_user.id` (a 32-bit integer, as Django makes it) can hold. */
const MAX_USER_ID = 2_147_483_647;

/** A `User` snapshot of a row (the skeleton and version stay behind). */
export function rowToUser(row: MemoryUserRow): User {
  const { skeleton: _skeleton, authzVersion: _version, ...record } = row;
  return toUser(record);
}

/** The case folding of the email index (`lower(email)`); empty emails never clash. */
function emailKey(email: string): string {
  return email.toLowerCase();
}

/** Throws `DuplicateError` if `username` or (with the email index) `email` is another user's. */
function checkUnique(tables: MemoryTables, emailUnique: boolean, fields: { username?: string; email?: string }, exceptId: number | null): void {
  for (const row of tables.users.values()) {
    if (row.id === exceptId) continue;
    if (fields.username !== undefined && row.username === fields.username) {
      throw new DuplicateError('username', 'A user with that username already exists.');
    }
    if (emailUnique && fields.email !== undefined && fields.email !== '' && row.email !== '' && emailKey(row.email) === emailKey(fields.email)) {
      throw new DuplicateError('email', 'A user with that email already exists.');
    }
  }
}

function requireRow(tables: MemoryTables, id: number): MemoryUserRow {
  const row = tables.users.get(id);
  if (!row) throw new NotFoundError('user', `No user with id ${id}.`);
  return row;
}

export class MemoryUserStore implements UserStore {
  constructor(private readonly scope: MemoryScope) {}

  create(record: NewUserRecord): Promise<User> {
    return operate(this.scope, (tables) => {
      checkUnique(tables, this.scope.database.emailUnique, record, null);
      const id = tables.nextUserId++;
      const row: MemoryUserRow = {
        id,
        username: record.username,
        email: record.email,
        password: record.password,
        firstName: record.firstName,
        lastName: record.lastName,
        isActive: record.isActive,
        isStaff: record.isStaff,
        isSuperuser: record.isSuperuser,
        lastLogin: record.lastLogin,
        dateJoined: record.dateJoined,
        authEpoch: 0,
        skeleton: usernameSkeleton(record.username),
        authzVersion: 0,
      };
      tables.users.set(id, row);
      return rowToUser(row);
    });
  }

  getById(id: number): Promise<User | null> {
    return operate(this.scope, (tables) => {
      if (!Number.isSafeInteger(id) || id < 1 || id > MAX_USER_ID) return null;
      const row = tables.users.get(id);
      return row ? rowToUser(row) : null;
    });
  }

  getByUsername(username: string): Promise<User | null> {
    return operate(this.scope, (tables) => {
      for (const row of tables.users.values()) if (row.username === username) return rowToUser(row);
      return null;
    });
  }

  findByEmail(email: string): Promise<User[]> {
    return operate(this.scope, (tables) => {
      if (email === '') return [];
      const key = emailKey(email);
      return [...tables.users.values()].filter((row) => emailKey(row.email) === key).map(rowToUser);
    });
  }

  skeletonTaken(skeleton: string, exceptId?: number): Promise<boolean> {
    return operate(this.scope, (tables) => {
      for (const row of tables.users.values()) if (row.skeleton === skeleton && row.id !== exceptId) return true;
      return false;
    });
  }

  update(id: number, patch: UserPatch): Promise<User> {
    return operate(this.scope, (tables) => {
      const row = requireRow(tables, id);
      const fields = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as UserPatch;
      if (Object.keys(fields).length === 0) return rowToUser(row);
      checkUnique(tables, this.scope.database.emailUnique, fields, id);
      Object.assign(row, fields);
      if (fields.username !== undefined) row.skeleton = usernameSkeleton(fields.username);
      // What the user may do depends on the flags, and a password is a credential: as the SQL
      // store does, announce it to every permission cache.
      if (fields.isActive !== undefined || fields.isStaff !== undefined || fields.isSuperuser !== undefined || fields.password !== undefined) {
        row.authzVersion += 1;
      }
      return rowToUser(row);
    });
  }

  replacePassword(id: number, expected: string, next: string): Promise<boolean> {
    return operate(this.scope, (tables) => {
      const row = tables.users.get(id);
      if (!row || row.password !== expected) return false;
      row.password = next;
      row.authzVersion += 1;
      return true;
    });
  }

  bumpAuthEpoch(id: number): Promise<number> {
    return operate(this.scope, (tables) => {
      const row = requireRow(tables, id);
      row.authEpoch += 1;
      row.authzVersion += 1;
      return row.authEpoch;
    });
  }

  bumpAuthEpochIf(id: number, expected: number): Promise<boolean> {
    return operate(this.scope, (tables) => {
      const row = tables.users.get(id);
      if (!row || row.authEpoch !== expected) return false;
      row.authEpoch += 1;
      row.authzVersion += 1;
      return true;
    });
  }

  list(options: UserListOptions = {}): Promise<User[]> {
    return operate(this.scope, (tables) => {
      const limit = Math.min(options.limit ?? 100, 10_000);
      const search = options.search ? options.search.toLowerCase() : null;
      const rows = [...tables.users.values()]
        .filter((row) => options.afterId === undefined || row.id > options.afterId)
        .filter((row) => search === null || row.username.toLowerCase().includes(search) || row.email.toLowerCase().includes(search))
        .sort((a, b) => a.id - b.id);
      return rows.slice(0, Math.max(limit, 0)).map(rowToUser);
    });
  }

  count(): Promise<number> {
    return operate(this.scope, (tables) => tables.users.size);
  }

  delete(id: number): Promise<boolean> {
    return operate(this.scope, (tables) => {
      if (!tables.users.delete(id)) return false;
      // The foreign keys' ON DELETE CASCADE: memberships, direct grants and sessions go with the user.
      tables.memberships.delete(id);
      tables.userGrants.delete(id);
      for (const [hash, session] of tables.sessions) if (session.userId === id) tables.sessions.delete(hash);
      for (const [tokenId, token] of tables.apiTokens) if (token.userId === id) tables.apiTokens.delete(tokenId);
      return true;
    });
  }
}
