/**
 * Server-side sessions. The id handed to the browser is 256 random bits; only its SHA-256 is
 * stored, so a leaked session table cannot be replayed. A session dies when it passes its
 * absolute end, sits idle too long, or its user's auth epoch moves on (password change, reset,
 * deactivation, removal from a role, "log out everywhere") — checked on every load, against the
 * user row joined in the same query, so revocation is immediate on every instance.
 *
 * A user's session is only ever created against the user snapshot that was verified: the store
 * inserts it only while the row still has that snapshot's auth epoch (and, at login, its password
 * hash), in the same statement. A revocation that commits while a login is still hashing the
 * password therefore wins, and the login fails with `SessionRevokedError`.
 */
import { hash } from 'node:crypto';
import { stampAuthzVersions } from './authz-versions.js';
import type { Clock, RandomSource } from './clock.js';
import type { SessionConfig } from './config.js';
import { PermissionDenied } from './errors.js';
import type { SessionGuard, SessionRecord, Stores } from './ports.js';
import type { User } from './user.js';

/** A session as loaded for one request. */
export interface LoadedSession {
  /** The raw id from the cookie; never stored. */
  readonly id: string;
  readonly record: SessionRecord;
  /** The logged-in user, or null for an anonymous session. */
  readonly user: User | null;
}

/** Request metadata remembered with a session, for "where am I logged in". */
export interface SessionMeta {
  ip?: string | null;
  userAgent?: string | null;
}

/** How `rotate` carries a session over. */
export interface RotateOptions {
  meta?: SessionMeta;
  /** The new session's data; by default the old one's, when the owner stays the same. */
  data?: Record<string, unknown>;
  /**
   * Keep the old session's absolute end (re-authentication, password change: the same login
   * goes on, so `maxAge` still counts from it). A login starts a new count.
   */
  keepExpiry?: boolean;
  /**
   * `user` has just been authenticated (a login): the new session is bound to the password hash
   * that was verified, as well as to the auth epoch. Without it, a rotation that continues the
   * same owner's login (re-authentication, password change) is bound to the auth epoch alone,
   * exactly what every load of that session checks, so a hash upgraded by the re-check itself
   * does not count as a change. A new owner is always treated as a login.
   */
  login?: boolean;
  /**
   * Keys set over the data carried across (`undefined` deletes one), in the same write that
   * creates the new session: a login stamps `reauthAt` and drops a pending reset this way.
   */
  patch?: Record<string, unknown>;
}

/**
 * No session was created: the user's credentials moved on (password change, reset, deactivation,
 * "log out everywhere") after the snapshot the caller verified was read. A login must answer it
 * as a failed login. It is a `PermissionDenied`, so an adapter that does not catch it denies
 * rather than answers 500; its code is `gatehouse.session.credentials_changed`.
 */
export class SessionRevokedError extends PermissionDenied {
  constructor() {
    super("the user's credentials changed while the session was being created");
    this.name = 'SessionRevokedError';
    (this as { code: string }).code = 'gatehouse.session.credentials_changed';
  }
}

const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The stored form of a session id. */
export function hashSessionId(id: string): string {
  // One-shot hash (Node 20.12+): a third of createHash().update().digest()'s cost, on every request.
  return hash('sha256', id, 'hex');
}

/** Creates, loads, rotates and ends sessions. */
export class SessionManager {
  constructor(
    private readonly stores: Stores,
    private readonly config: Readonly<SessionConfig>,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  private newId(): string {
    return Buffer.from(this.random.bytes(ID_BYTES)).toString('base64url');
  }

  /**
   * Starts a session for `user` (or an anonymous one) and returns it. A user's session is bound
   * to `user`'s password hash and auth epoch, as at login: throws `SessionRevokedError` if the
   * row no longer has them.
   */
  async start(user: User | null, meta: SessionMeta = {}, data: Record<string, unknown> = {}): Promise<LoadedSession> {
    return this.create(user, meta, data, null, user ? { password: user.password } : {});
  }

  private async create(
    user: User | null,
    meta: SessionMeta,
    data: Record<string, unknown>,
    expiresAt: number | null,
    guard: SessionGuard,
  ): Promise<LoadedSession> {
    const id = this.newId();
    const now = this.clock.now();
    const record: SessionRecord = {
      idHash: hashSessionId(id),
      userId: user ? user.id : null,
      authEpoch: user ? user.authEpoch : 0,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: expiresAt ?? now + this.config.maxAge * 1000,
      data,
      ip: truncate(meta.ip ?? null, 64),
      userAgent: truncate(meta.userAgent ?? null, 512),
    };
    // The record carries the snapshot's epoch; the store inserts only while the row still has it.
    if (!(await this.stores.sessions.create(record, guard))) throw new SessionRevokedError();
    return { id, record, user };
  }

  /**
   * Loads a session by its raw id, or null if it is malformed, unknown, expired, idle, or
   * revoked. Dead sessions are deleted on the way. Refreshes `lastSeenAt` at most once per
   * `touchInterval`, so a busy user does not cost a write per request.
   */
  async load(id: string): Promise<LoadedSession | null> {
    // A malformed cookie never reaches the database.
    if (!ID_PATTERN.test(id)) return null;
    const idHash = hashSessionId(id);
    const found = await this.stores.sessions.getWithUser(idHash);
    if (!found) return null;
    const { session, user, authzVersions } = found;
    // The versions were read with this very row: the permission cache validates against them.
    if (user && authzVersions) stampAuthzVersions(user, authzVersions);
    const now = this.clock.now();
    const dead =
      now >= session.expiresAt ||
      now - session.lastSeenAt > this.config.idleTimeout * 1000 ||
      (session.userId !== null && (user === null || !user.isActive || user.authEpoch !== session.authEpoch));
    if (dead) {
      await this.stores.sessions.delete(idHash);
      return null;
    }
    let record = session;
    if (now - session.lastSeenAt >= this.config.touchInterval * 1000) {
      await this.stores.sessions.update(idHash, { lastSeenAt: now });
      record = { ...session, lastSeenAt: now };
    }
    return { id, record, user };
  }

  /**
   * Replaces the session with a fresh id (same data), as at login and privilege change, so an id
   * planted or seen before the change is worthless after it. `user` switches the owner; a new
   * owner or epoch is taken from it. Throws `SessionRevokedError`, leaving `current` as it was,
   * when `user`'s row moved on since the snapshot (see `RotateOptions.login`).
   */
  async rotate(current: LoadedSession | null, user: User | null, options: RotateOptions = {}): Promise<LoadedSession> {
    // Data crosses over only when the owner stays the same or the old session was anonymous:
    // never hand one user's session contents to another.
    const sameOwner = current !== null && current.record.userId !== null && current.record.userId === user?.id;
    const keep = current && (current.record.userId === null || sameOwner);
    const expiresAt = options.keepExpiry && sameOwner ? current.record.expiresAt : null;
    const continuing = sameOwner && options.login !== true;
    const guard: SessionGuard = user && !continuing ? { password: user.password } : {};
    const data = { ...(options.data ?? (keep ? current.record.data : {})) };
    for (const [key, value] of Object.entries(options.patch ?? {})) {
      if (value === undefined) delete data[key];
      else data[key] = value;
    }
    const next = await this.create(user, options.meta ?? {}, data, expiresAt, guard);
    if (current) await this.stores.sessions.delete(current.record.idHash);
    return next;
  }

  /** Saves the data bag of a session. Returns false if the session is gone. */
  async saveData(session: LoadedSession, data: Record<string, unknown>): Promise<boolean> {
    return this.stores.sessions.update(session.record.idHash, { data });
  }

  /** Ends one session. */
  async end(id: string): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    return this.stores.sessions.delete(hashSessionId(id));
  }

  /** Ends a session by its stored hash (for admin tools that never see raw ids). */
  async endByHash(idHash: string): Promise<boolean> {
    return this.stores.sessions.delete(idHash);
  }

  /** Ends every session of a user, optionally sparing the current one. */
  async endAllForUser(userId: number, options: { except?: LoadedSession } = {}): Promise<number> {
    return this.stores.sessions.deleteByUser(userId, options.except ? { except: options.except.record.idHash } : {});
  }

  /** Sessions of one user, newest first. */
  listForUser(userId: number): Promise<SessionRecord[]> {
    return this.stores.sessions.list({ userId });
  }

  /** Deletes every expired or idle session; run it from a timer or the CLI. */
  purgeExpired(): Promise<number> {
    const now = this.clock.now();
    return this.stores.sessions.deleteExpired(now, now - this.config.idleTimeout * 1000);
  }
}

function truncate(value: string | null, max: number): string | null {
  return value === null ? null : value.slice(0, max);
}
