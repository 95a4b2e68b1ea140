/** `ApiTokenStore` in memory: the token hash unique, rows deleted with their user (users.ts). */
import type { AuthzVersions } from '../../core/authz-versions.js';
import { DuplicateError } from '../../core/errors.js';
import type { ApiTokenRecord, ApiTokenStore, NewApiTokenRecord } from '../../core/ports.js';
import { type User, toUser } from '../../core/user.js';
import { type MemoryScope, operate } from './state.js';

/** A copy, so no caller can change a stored row through what it was handed. */
function copy(record: ApiTokenRecord): ApiTokenRecord {
  return { ...record, permissions: record.permissions === null ? null : [...record.permissions] };
}

export class MemoryApiTokenStore implements ApiTokenStore {
  constructor(private readonly scope: MemoryScope) {}

  create(record: NewApiTokenRecord): Promise<ApiTokenRecord> {
    return operate(this.scope, (tables) => {
      if (!tables.users.has(record.userId)) throw new Error(`gh_api_token: no user ${record.userId} (foreign key)`);
      for (const token of tables.apiTokens.values()) {
        if (token.tokenHash === record.tokenHash) throw new DuplicateError('api_token', 'A token with this hash exists.');
      }
      const stored: ApiTokenRecord = copy({ ...record, id: tables.nextApiTokenId++ });
      tables.apiTokens.set(stored.id, stored);
      return copy(stored);
    });
  }

  getWithUser(tokenHash: string): Promise<{ token: ApiTokenRecord; user: User; authzVersions?: AuthzVersions } | null> {
    return operate(this.scope, (tables) => {
      for (const token of tables.apiTokens.values()) {
        if (token.tokenHash !== tokenHash) continue;
        const userRow = tables.users.get(token.userId);
        if (!userRow) return null;
        const authzVersions: AuthzVersions = { user: userRow.authzVersion, global: tables.globalAuthzVersion };
        const { skeleton: _skeleton, authzVersion: _version, ...record } = userRow;
        return { token: copy(token), user: toUser(record, authzVersions), authzVersions };
      }
      return null;
    });
  }

  get(id: number): Promise<ApiTokenRecord | null> {
    return operate(this.scope, (tables) => {
      const token = tables.apiTokens.get(id);
      return token ? copy(token) : null;
    });
  }

  listByUser(userId: number): Promise<ApiTokenRecord[]> {
    return operate(this.scope, (tables) =>
      [...tables.apiTokens.values()]
        .filter((t) => t.userId === userId)
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
        .map(copy),
    );
  }

  delete(id: number, options: { userId?: number } = {}): Promise<boolean> {
    return operate(this.scope, (tables) => {
      const token = tables.apiTokens.get(id);
      if (!token || (options.userId !== undefined && token.userId !== options.userId)) return false;
      return tables.apiTokens.delete(id);
    });
  }

  deleteByUser(userId: number): Promise<number> {
    return operate(this.scope, (tables) => {
      let count = 0;
      for (const [id, token] of tables.apiTokens) {
        if (token.userId === userId) {
          tables.apiTokens.delete(id);
          count++;
        }
      }
      return count;
    });
  }

  touch(id: number, at: number, ip: string | null): Promise<void> {
    return operate(this.scope, (tables) => {
      const token = tables.apiTokens.get(id);
      if (token) {
        token.lastUsedAt = at;
        token.lastUsedIp = ip;
      }
    });
  }
}
