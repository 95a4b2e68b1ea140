/** `ApiTokenStore` over `gh_api_token`. */
import { sql } from 'kysely';
import type { AuthzVersions } from '../../core/authz-versions.js';
import type { ApiTokenRecord, ApiTokenStore, NewApiTokenRecord } from '../../core/ports.js';
import type { User } from '../../core/user.js';
import type { ApiTokenTable } from '../schema.js';
import { Precompiled, type StoreContext, keyParam, toNumber } from './common.js';
import { JOINED_USER_SELECT, joinedUser } from './users.js';

type TokenRow = Omit<ApiTokenTable, 'id'> & { id: number | string };

/** A token row joined with its user's columns and the global authorization version. */
type WithUserRow = TokenRow & {
  u_id: number;
  username: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  is_active: boolean | number;
  is_staff: boolean | number;
  is_superuser: boolean | number;
  last_login: number | null;
  date_joined: number;
  u_auth_epoch: number;
  u_authz_version: number | string | null;
  g_authz_version: number | string | null;
};

function parsePermissions(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    // A row that does not hold a list of names limits the token to nothing rather than to everything.
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

function rowToToken(row: TokenRow): ApiTokenRecord {
  return {
    id: toNumber(row.id),
    userId: toNumber(row.user_id),
    name: row.name,
    tokenHash: row.token_hash,
    prefix: row.prefix,
    permissions: parsePermissions(row.permissions),
    createdAt: toNumber(row.created_at),
    expiresAt: row.expires_at === null ? null : toNumber(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : toNumber(row.last_used_at),
    lastUsedIp: row.last_used_ip,
  };
}

/** The join behind every bearer request: token, user and global version in one round trip. */
const withUser = new Precompiled<WithUserRow>(
  (db, kind) =>
    db
      .selectFrom('gh_api_token as t')
      .innerJoin('auth_user as u', 'u.id', 't.user_id')
      .leftJoin('gh_authz_version as g', (join) => join.on(sql<boolean>`g.id = 1`))
      .select([
        't.id',
        't.user_id',
        't.name',
        't.token_hash',
        't.prefix',
        't.permissions',
        't.created_at',
        't.expires_at',
        't.last_used_at',
        't.last_used_ip',
        ...JOINED_USER_SELECT,
      ])
      .where('t.token_hash', '=', keyParam(kind, '')),
  // The same columns, in select-list order (checked against the statement on first use).
  (v) => ({
    id: v[0] as number,
    user_id: v[1] as number,
    name: v[2] as string,
    token_hash: v[3] as string,
    prefix: v[4] as string,
    permissions: v[5] as string | null,
    created_at: v[6] as number,
    expires_at: v[7] as number | null,
    last_used_at: v[8] as number | null,
    last_used_ip: v[9] as string | null,
    u_id: v[10] as number,
    username: v[11] as string,
    email: v[12] as string,
    password: v[13] as string,
    first_name: v[14] as string,
    last_name: v[15] as string,
    is_active: v[16] as number,
    is_staff: v[17] as number,
    is_superuser: v[18] as number,
    last_login: v[19] as number | null,
    date_joined: v[20] as number,
    u_auth_epoch: v[21] as number,
    u_authz_version: v[22] as number | null,
    g_authz_version: v[23] as number | null,
  }),
);

export class SqlApiTokenStore implements ApiTokenStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(record: NewApiTokenRecord): Promise<ApiTokenRecord> {
    const row = await this.ctx.db
      .insertInto('gh_api_token')
      .values({
        user_id: record.userId,
        name: record.name,
        token_hash: record.tokenHash,
        prefix: record.prefix,
        permissions: record.permissions === null ? null : JSON.stringify(record.permissions),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        last_used_at: record.lastUsedAt,
        last_used_ip: record.lastUsedIp,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...record, id: toNumber(row.id) };
  }

  async getWithUser(tokenHash: string): Promise<{ token: ApiTokenRecord; user: User; authzVersions?: AuthzVersions } | null> {
    const [row] = await withUser.run(this.ctx, [tokenHash]);
    if (!row) return null;
    const { user, authzVersions } = joinedUser(row);
    const token = rowToToken(row);
    return authzVersions === undefined ? { token, user } : { token, user, authzVersions };
  }

  async get(id: number): Promise<ApiTokenRecord | null> {
    if (!Number.isSafeInteger(id)) return null;
    const row = await this.ctx.db.selectFrom('gh_api_token').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToToken(row) : null;
  }

  async listByUser(userId: number): Promise<ApiTokenRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('gh_api_token')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(rowToToken);
  }

  async delete(id: number, options: { userId?: number } = {}): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    let query = this.ctx.db.deleteFrom('gh_api_token').where('id', '=', id);
    if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async deleteByUser(userId: number): Promise<number> {
    const result = await this.ctx.db.deleteFrom('gh_api_token').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async touch(id: number, at: number, ip: string | null): Promise<void> {
    await this.ctx.db.updateTable('gh_api_token').set({ last_used_at: at, last_used_ip: ip }).where('id', '=', id).execute();
  }
}
