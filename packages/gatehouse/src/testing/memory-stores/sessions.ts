/** `SessionStore` in memory, with the SQL store's guarded insert and the versions read with the user. */
import type { AuthzVersions } from '../../core/authz-versions.js';
import { DuplicateError } from '../../core/errors.js';
import type { SessionGuard, SessionRecord, SessionStore } from '../../core/ports.js';
import { type User, toUser } from '../../core/user.js';
import { type MemoryScope, type MemorySessionRow, operate } from './state.js';

function toRow(record: SessionRecord): MemorySessionRow {
  return { ...record, data: JSON.stringify(record.data) };
}

/** A corrupt bag reads as empty, as in the SQL store (a request must not fail on it). */
function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toRecord(row: MemorySessionRow): SessionRecord {
  return { ...row, data: parseData(row.data) };
}

export class MemorySessionStore implements SessionStore {
  constructor(private readonly scope: MemoryScope) {}

  create(record: SessionRecord, guard: SessionGuard = {}): Promise<boolean> {
    return operate(this.scope, (tables) => {
      if (tables.sessions.has(record.idHash)) throw new DuplicateError('session', 'A session with that id already exists.');
      if (record.userId !== null) {
        // The guarded insert: in the same step, the user must exist, be active, still have the
        // epoch the session was made against and, when given, still have the verified hash.
        const user = tables.users.get(record.userId);
        if (!user?.isActive || user.authEpoch !== record.authEpoch) return false;
        if (guard.password !== undefined && user.password !== guard.password) return false;
      }
      tables.sessions.set(record.idHash, toRow(record));
      return true;
    });
  }

  get(idHash: string): Promise<SessionRecord | null> {
    return operate(this.scope, (tables) => {
      const row = tables.sessions.get(idHash);
      return row ? toRecord(row) : null;
    });
  }

  getWithUser(idHash: string): Promise<{ session: SessionRecord; user: User | null; authzVersions?: AuthzVersions } | null> {
    return operate(this.scope, (tables) => {
      const row = tables.sessions.get(idHash);
      if (!row) return null;
      const session = toRecord(row);
      const userRow = row.userId === null ? undefined : tables.users.get(row.userId);
      if (!userRow) return { session, user: null };
      const authzVersions: AuthzVersions = { user: userRow.authzVersion, global: tables.globalAuthzVersion };
      const { skeleton: _skeleton, authzVersion: _version, ...record } = userRow;
      return { session, user: toUser(record, authzVersions), authzVersions };
    });
  }

  update(idHash: string, patch: { lastSeenAt?: number; data?: Record<string, unknown> }): Promise<boolean> {
    return operate(this.scope, (tables) => {
      const row = tables.sessions.get(idHash);
      if (!row) return false;
      if (patch.lastSeenAt !== undefined) row.lastSeenAt = patch.lastSeenAt;
      if (patch.data !== undefined) row.data = JSON.stringify(patch.data);
      return true;
    });
  }

  delete(idHash: string): Promise<boolean> {
    return operate(this.scope, (tables) => tables.sessions.delete(idHash));
  }

  deleteByUser(userId: number, options: { except?: string } = {}): Promise<number> {
    return operate(this.scope, (tables) => {
      let ended = 0;
      for (const [hash, row] of tables.sessions) {
        if (row.userId === userId && hash !== options.except) {
          tables.sessions.delete(hash);
          ended += 1;
        }
      }
      return ended;
    });
  }

  list(options: { userId?: number; limit?: number } = {}): Promise<SessionRecord[]> {
    return operate(this.scope, (tables) => {
      const limit = Math.min(options.limit ?? 100, 10_000);
      return [...tables.sessions.values()]
        .filter((row) => options.userId === undefined || row.userId === options.userId)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, Math.max(limit, 0))
        .map(toRecord);
    });
  }

  deleteExpired(now: number, idleBefore: number): Promise<number> {
    return operate(this.scope, (tables) => {
      let removed = 0;
      for (const [hash, row] of tables.sessions) {
        if (row.expiresAt <= now || row.lastSeenAt < idleBefore) {
          tables.sessions.delete(hash);
          removed += 1;
        }
      }
      return removed;
    });
  }
}
