/**
 * What the in-memory stores hold: the tables of `gatehouse/db` as maps, one lock, and the copy a
 * transaction works on. Everything is plain data (structured-cloneable), so a transaction can work
 * on a copy and commit by swapping it in, or drop it on a throw: all or nothing, as in SQL.
 */
import type { ApiTokenRecord, AuditEntry, PermissionRecord } from '../../core/ports.js';
import type { UserRecord } from '../../core/user.js';

/** One `auth_user` row: the record (writable here), its confusable skeleton and its authorization version. */
export type MemoryUserRow = { -readonly [K in keyof UserRecord]: UserRecord[K] } & {
  skeleton: string;
  authzVersion: number;
};

/** One session row; `data` is kept as JSON text, as the SQL column is, so no caller can alias it. */
export interface MemorySessionRow {
  idHash: string;
  userId: number | null;
  authEpoch: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  data: string;
  ip: string | null;
  userAgent: string | null;
}

/** One audit row; `data` kept as JSON text. */
export type MemoryAuditRow = Omit<AuditEntry, 'data'> & { data: string };

/** Every table. */
export interface MemoryTables {
  nextUserId: number;
  nextGroupId: number;
  nextPermissionId: number;
  users: Map<number, MemoryUserRow>;
  groups: Map<number, { id: number; name: string }>;
  permissions: Map<number, PermissionRecord>;
  /** user id → group ids */
  memberships: Map<number, Set<number>>;
  /** group id → permission ids */
  groupGrants: Map<number, Set<number>>;
  /** user id → permission ids */
  userGrants: Map<number, Set<number>>;
  sessions: Map<string, MemorySessionRow>;
  audit: MemoryAuditRow[];
  auditHead: { seq: number; hash: string };
  /** The one-row global authorization version (`gh_authz_version`). */
  globalAuthzVersion: number;
  nextApiTokenId: number;
  /** Personal API tokens by id (`gh_api_token`). */
  apiTokens: Map<number, ApiTokenRecord>;
}

/** Empty tables, as a fresh migrated database has them. */
function emptyTables(): MemoryTables {
  return {
    nextUserId: 1,
    nextGroupId: 1,
    nextPermissionId: 1,
    users: new Map(),
    groups: new Map(),
    permissions: new Map(),
    memberships: new Map(),
    groupGrants: new Map(),
    userGrants: new Map(),
    sessions: new Map(),
    audit: [],
    auditHead: { seq: 0, hash: '' },
    globalAuthzVersion: 0,
    nextApiTokenId: 1,
    apiTokens: new Map(),
  };
}

/**
 * The database: its committed tables and a lock. A transaction holds the lock for its whole run,
 * and every operation outside one waits for it, as on a single SQLite connection: nothing outside
 * sees a transaction's writes before it commits, and nothing interleaves with it.
 */
export class MemoryDatabase {
  tables: MemoryTables = emptyTables();
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly emailUnique: boolean) {}

  /** Runs `fn` alone: after every earlier holder of the lock, and before any later one. */
  async exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Where one set of stores reads and writes: the database's committed tables (outside a
 * transaction, each call taking the lock) or a transaction's working copy (inside one).
 */
export interface MemoryScope {
  readonly database: MemoryDatabase;
  /** The working copy inside a transaction; null outside one. */
  readonly working: MemoryTables | null;
}

/** Runs one store operation in `scope`: on the working copy, or alone on the committed tables. */
export function operate<T>(scope: MemoryScope, fn: (tables: MemoryTables) => T): Promise<T> {
  if (scope.working !== null) {
    const working = scope.working;
    // Still asynchronous, as a query is: callers that forget an await fail here as they would on SQL.
    return Promise.resolve().then(() => fn(working));
  }
  return scope.database.exclusive(() => fn(scope.database.tables));
}
