/** `SessionStore` over `gh_session`. */
import { sql } from 'kysely';
import type { AuthzVersions } from '../../core/authz-versions.js';
import type { SessionGuard, SessionRecord, SessionStore } from '../../core/ports.js';
import type { User } from '../../core/user.js';
import type { SessionTable } from '../schema.js';
import { Precompiled, type StoreContext, keyParam, parseJsonObject, toDbBool, toNumber } from './common.js';
import { JOINED_USER_SELECT, joinedUser } from './users.js';

/** A session row joined with its (possibly absent) user's columns. */
type WithUserRow = SessionTable & {
  u_id: number | null;
  username: string | null;
  email: string | null;
  password: string | null;
  first_name: string | null;
  last_name: string | null;
  is_active: boolean | number | null;
  is_staff: boolean | number | null;
  is_superuser: boolean | number | null;
  last_login: number | null;
  date_joined: number | null;
  u_auth_epoch: number | null;
  u_authz_version: number | string | null;
  g_authz_version: number | string | null;
};

function sessionRow(record: SessionRecord): SessionTable {
  return {
    id_hash: record.idHash,
    user_id: record.userId,
    auth_epoch: record.authEpoch,
    created_at: record.createdAt,
    last_seen_at: record.lastSeenAt,
    expires_at: record.expiresAt,
    data: JSON.stringify(record.data),
    ip: record.ip,
    user_agent: record.userAgent,
  };
}

function rowToSession(row: SessionTable): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id === null ? null : toNumber(row.user_id),
    authEpoch: toNumber(row.auth_epoch),
    createdAt: toNumber(row.created_at),
    lastSeenAt: toNumber(row.last_seen_at),
    expiresAt: toNumber(row.expires_at),
    data: parseJsonObject(row.data),
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** The join behind every authenticated request: the session and its user in one round trip. */
const withUser = new Precompiled<WithUserRow>(
  (db, kind) =>
    db
      .selectFrom('gh_session as s')
      .leftJoin('auth_user as u', 'u.id', 's.user_id')
      // The one-row global version rides along: still one round trip, one indexed read more. A
      // literal in the join condition, not a parameter: run() passes only the session hash.
      .leftJoin('gh_authz_version as g', (join) => join.on(sql<boolean>`g.id = 1`))
      .select([
        's.id_hash',
        's.user_id',
        's.auth_epoch',
        's.created_at',
        's.last_seen_at',
        's.expires_at',
        's.data',
        's.ip',
        's.user_agent',
        ...JOINED_USER_SELECT,
      ])
      .where('s.id_hash', '=', keyParam(kind, '')),
  // The same columns, in select-list order (checked against the statement on first use).
  (v) => ({
    id_hash: v[0] as string,
    user_id: v[1] as number | null,
    auth_epoch: v[2] as number,
    created_at: v[3] as number,
    last_seen_at: v[4] as number,
    expires_at: v[5] as number,
    data: v[6] as string,
    ip: v[7] as string | null,
    user_agent: v[8] as string | null,
    u_id: v[9] as number | null,
    username: v[10] as string | null,
    email: v[11] as string | null,
    password: v[12] as string | null,
    first_name: v[13] as string | null,
    last_name: v[14] as string | null,
    is_active: v[15] as number | null,
    is_staff: v[16] as number | null,
    is_superuser: v[17] as number | null,
    last_login: v[18] as number | null,
    date_joined: v[19] as number | null,
    u_auth_epoch: v[20] as number | null,
    u_authz_version: v[21] as number | null,
    g_authz_version: v[22] as number | null,
  }),
);

export class SqlSessionStore implements SessionStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(record: SessionRecord, guard: SessionGuard = {}): Promise<boolean> {
    const { db, kind } = this.ctx;
    if (record.userId === null) {
      await db.insertInto('gh_session').values(sessionRow(record)).execute();
      return true;
    }
    // Compare-and-set in one statement: INSERT … SELECT from the user row, which yields nothing
    // once the verified snapshot is stale. A check-then-insert would leave the race open (the
    // revocation could commit between the two), and the revocation's own deleteByUser would not
    // see a session inserted after it. The casts pin the parameter types for PostgreSQL.
    const row = sessionRow(record);
    const password = guard.password === undefined ? sql`` : sql`and u.password = ${guard.password}`;
    const result = await sql`
      insert into gh_session (id_hash, user_id, auth_epoch, created_at, last_seen_at, expires_at, data, ip, user_agent)
      select cast(${row.id_hash} as varchar(64)), u.id, u.auth_epoch, cast(${row.created_at} as bigint), cast(${row.last_seen_at} as bigint),
        cast(${row.expires_at} as bigint), cast(${row.data} as text), cast(${row.ip} as varchar(64)), cast(${row.user_agent} as varchar(512))
      from auth_user u
      where u.id = ${record.userId} and u.auth_epoch = ${record.authEpoch} and u.is_active = ${toDbBool(kind, true)} ${password}`.execute(db);
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const row = await this.ctx.db.selectFrom('gh_session').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? rowToSession(row) : null;
  }

  async getWithUser(idHash: string): Promise<{ session: SessionRecord; user: User | null; authzVersions?: AuthzVersions } | null> {
    // One round trip: the session and its user joined, so revocation by epoch costs nothing extra.
    const [row] = await withUser.run(this.ctx, [idHash]);
    if (!row) return null;
    const session = rowToSession(row);
    if (row.u_id === null) return { session, user: null };
    const { user, authzVersions } = joinedUser(row);
    return authzVersions === undefined ? { session, user } : { session, user, authzVersions };
  }

  async update(idHash: string, patch: { lastSeenAt?: number; data?: Record<string, unknown> }): Promise<boolean> {
    const values: { last_seen_at?: number; data?: string } = {};
    if (patch.lastSeenAt !== undefined) values.last_seen_at = patch.lastSeenAt;
    if (patch.data !== undefined) values.data = JSON.stringify(patch.data);
    if (Object.keys(values).length === 0) return (await this.get(idHash)) !== null;
    const result = await this.ctx.db.updateTable('gh_session').set(values).where('id_hash', '=', idHash).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(idHash: string): Promise<boolean> {
    const result = await this.ctx.db.deleteFrom('gh_session').where('id_hash', '=', idHash).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async deleteByUser(userId: number, options: { except?: string } = {}): Promise<number> {
    let query = this.ctx.db.deleteFrom('gh_session').where('user_id', '=', userId);
    if (options.except !== undefined) query = query.where('id_hash', '<>', options.except);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(options: { userId?: number; limit?: number } = {}): Promise<SessionRecord[]> {
    let query = this.ctx.db
      .selectFrom('gh_session')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(Math.min(options.limit ?? 100, 10_000));
    if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
    return (await query.execute()).map(rowToSession);
  }

  async deleteExpired(now: number, idleBefore: number): Promise<number> {
    const result = await this.ctx.db
      .deleteFrom('gh_session')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
