/** `UserStore` over the `auth_user` table. */
import { sql } from 'kysely';
import { NotFoundError } from '../../core/errors.js';
import { usernameSkeleton } from '../../core/skeleton.js';
import type { NewUserRecord, UserListOptions, UserPatch, UserStore } from '../../core/ports.js';
import type { AuthzVersions } from '../../core/authz-versions.js';
import { type User, toUser } from '../../core/user.js';
import { rethrowDuplicate } from '../constraint-errors.js';
import type { UserTable } from '../schema.js';
import { Precompiled, type StoreContext, keyParam, toDbBool, toNumber } from './common.js';

const USER_FIELDS = { username: 'username', email: 'email' };

/** Column values as read (booleans may be 0/1, bigints may be strings). */
export type UserRow = { [K in keyof UserTable]: unknown };

/** Maps one `auth_user` row to a `User`. */
export function rowToUser(row: UserRow): User {
  return rowToStampedUser(row, undefined);
}

/** As `rowToUser`, keeping the authorization versions read with the row (the session lookup). */
export function rowToStampedUser(row: UserRow, versions: AuthzVersions | undefined): User {
  return toUser(
    {
      id: toNumber(row.id as number),
      username: row.username as string,
      email: row.email as string,
      password: row.password as string,
      firstName: row.first_name as string,
      lastName: row.last_name as string,
      isActive: Boolean(row.is_active),
      isStaff: Boolean(row.is_staff),
      isSuperuser: Boolean(row.is_superuser),
      lastLogin: row.last_login === null ? null : toNumber(row.last_login as number),
      dateJoined: toNumber(row.date_joined as number),
      authEpoch: toNumber(row.auth_epoch as number),
    },
    versions,
  );
}

/**
 * A user's columns as a join selects them beside another table's (a session, an API token):
 * `u.id as u_id`, `u.auth_epoch as u_auth_epoch` (names the other table has too), the user's and
 * the global authorization versions.
 */
export interface JoinedUserColumns {
  u_id: unknown;
  username: unknown;
  email: unknown;
  password: unknown;
  first_name: unknown;
  last_name: unknown;
  is_active: unknown;
  is_staff: unknown;
  is_superuser: unknown;
  last_login: unknown;
  date_joined: unknown;
  u_auth_epoch: unknown;
  u_authz_version: number | string | null;
  g_authz_version: number | string | null;
}

/**
 * The select list behind `JoinedUserColumns`, for a query joining `auth_user as u` and the one-row
 * `gh_authz_version as g` (the session and the API-token lookups).
 */
export const JOINED_USER_SELECT = [
  'u.id as u_id',
  'u.username',
  'u.email',
  'u.password',
  'u.first_name',
  'u.last_name',
  'u.is_active',
  'u.is_staff',
  'u.is_superuser',
  'u.last_login',
  'u.date_joined',
  'u.auth_epoch as u_auth_epoch',
  'u.authz_version as u_authz_version',
  'g.version as g_authz_version',
] as const;

/** The joined user, stamped with the versions read in the same row (none when either is missing). */
export function joinedUser(row: JoinedUserColumns): { user: User; authzVersions?: AuthzVersions } {
  const authzVersions =
    row.u_authz_version === null || row.g_authz_version === null ? undefined : { user: toNumber(row.u_authz_version), global: toNumber(row.g_authz_version) };
  const user = rowToStampedUser(
    {
      id: row.u_id,
      username: row.username,
      email: row.email,
      password: row.password,
      first_name: row.first_name,
      last_name: row.last_name,
      is_active: row.is_active,
      is_staff: row.is_staff,
      is_superuser: row.is_superuser,
      last_login: row.last_login,
      date_joined: row.date_joined,
      auth_epoch: row.u_auth_epoch,
    },
    authzVersions,
  );
  return authzVersions === undefined ? { user } : { user, authzVersions };
}

const byId = new Precompiled<UserRow>((db, kind) => db.selectFrom('auth_user').selectAll().where('id', '=', keyParam(kind, 0)));
const byUsername = new Precompiled<UserRow>((db, kind) => db.selectFrom('auth_user').selectAll().where('username', '=', keyParam(kind, '')));

/** The largest id an `auth_user.id` column (a 32-bit integer, as Django makes it) can hold. */
const MAX_USER_ID = 2_147_483_647;

export class SqlUserStore implements UserStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(record: NewUserRecord): Promise<User> {
    const { kind, db } = this.ctx;
    try {
      const row = await db
        .insertInto('auth_user')
        .values({
          username: record.username,
          email: record.email,
          password: record.password,
          first_name: record.firstName,
          last_name: record.lastName,
          is_active: toDbBool(kind, record.isActive),
          is_staff: toDbBool(kind, record.isStaff),
          is_superuser: toDbBool(kind, record.isSuperuser),
          last_login: record.lastLogin,
          date_joined: record.dateJoined,
          // Kept by the store on every write of a username, so no caller can leave it stale.
          username_skeleton: usernameSkeleton(record.username),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return rowToUser(row);
    } catch (error) {
      rethrowDuplicate(error, USER_FIELDS);
    }
  }

  async getById(id: number): Promise<User | null> {
    // Ids come from URLs (reset links): one past the column's range is no user, not a driver
    // error (PostgreSQL refuses integers beyond 2^31 - 1 for an integer column).
    if (!Number.isSafeInteger(id) || id < 1 || id > MAX_USER_ID) return null;
    const [row] = await byId.run(this.ctx, [id]);
    return row ? rowToUser(row) : null;
  }

  async getByUsername(username: string): Promise<User | null> {
    const [row] = await byUsername.run(this.ctx, [username]);
    return row ? rowToUser(row) : null;
  }

  async findByEmail(email: string): Promise<User[]> {
    if (email === '') return [];
    // lower() on both sides, so a lookup folds case exactly as the unique index does. JavaScript's
    // toLowerCase folds non-ASCII letters that SQLite's lower() leaves alone, and then an address
    // like "Ünal@example.com" could never be found on SQLite, not even spelt exactly as stored.
    const rows = await this.ctx.db
      .selectFrom('auth_user')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .orderBy('id')
      .execute();
    return rows.map(rowToUser);
  }

  async skeletonTaken(skeleton: string, exceptId?: number): Promise<boolean> {
    let query = this.ctx.db.selectFrom('auth_user').select('id').where('username_skeleton', '=', skeleton);
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  async update(id: number, patch: UserPatch): Promise<User> {
    const { kind, db } = this.ctx;
    const values: Record<string, unknown> = {};
    if (patch.username !== undefined) {
      values.username = patch.username;
      values.username_skeleton = usernameSkeleton(patch.username);
    }
    if (patch.email !== undefined) values.email = patch.email;
    if (patch.password !== undefined) values.password = patch.password;
    if (patch.firstName !== undefined) values.first_name = patch.firstName;
    if (patch.lastName !== undefined) values.last_name = patch.lastName;
    if (patch.isActive !== undefined) values.is_active = toDbBool(kind, patch.isActive);
    if (patch.isStaff !== undefined) values.is_staff = toDbBool(kind, patch.isStaff);
    if (patch.isSuperuser !== undefined) values.is_superuser = toDbBool(kind, patch.isSuperuser);
    if (patch.lastLogin !== undefined) values.last_login = patch.lastLogin;
    // What the user may do depends on the flags (and a password change is a credential change):
    // announce it to every process's permission cache in the same statement.
    const authzChange = patch.isActive !== undefined || patch.isStaff !== undefined || patch.isSuperuser !== undefined || patch.password !== undefined;
    if (Object.keys(values).length === 0) {
      const current = await this.getById(id);
      if (!current) throw new NotFoundError('user', `No user with id ${id}.`);
      return current;
    }
    try {
      const row = await db
        .updateTable('auth_user')
        .set(values)
        .$if(authzChange, (q) => q.set((eb) => ({ authz_version: eb('authz_version', '+', 1) })))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('user', `No user with id ${id}.`);
      return rowToUser(row);
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      rethrowDuplicate(error, USER_FIELDS);
    }
  }

  async replacePassword(id: number, expected: string, next: string): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('auth_user')
      .set((eb) => ({ password: next, authz_version: eb('authz_version', '+', 1) }))
      .where('id', '=', id)
      .where('password', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async bumpAuthEpoch(id: number): Promise<number> {
    const row = await this.ctx.db
      .updateTable('auth_user')
      .set((eb) => ({ auth_epoch: eb('auth_epoch', '+', 1), authz_version: eb('authz_version', '+', 1) }))
      .where('id', '=', id)
      .returning('auth_epoch')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('user', `No user with id ${id}.`);
    return toNumber(row.auth_epoch);
  }

  async bumpAuthEpochIf(id: number, expected: number): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('auth_user')
      .set((eb) => ({ auth_epoch: eb('auth_epoch', '+', 1), authz_version: eb('authz_version', '+', 1) }))
      .where('id', '=', id)
      .where('auth_epoch', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(options: UserListOptions = {}): Promise<User[]> {
    let query = this.ctx.db
      .selectFrom('auth_user')
      .selectAll()
      .orderBy('id')
      .limit(Math.min(options.limit ?? 100, 10_000));
    if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
    if (options.search) {
      // Escape LIKE wildcards so a search for "a_b" means the literal text.
      const pattern = `%${options.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([eb(sql`lower(username)`, 'like', sql`${pattern} escape '\\'`), eb(sql`lower(email)`, 'like', sql`${pattern} escape '\\'`)]),
      );
    }
    return (await query.execute()).map(rowToUser);
  }

  async count(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('auth_user')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.ctx.db.deleteFrom('auth_user').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
