/**
 * Authentication backends, tried in order as in Django: the first that returns a user wins; one
 * that throws `PermissionDenied` stops the search. `ModelBackend` checks a username and password
 * against the stored hash; inactive users never authenticate.
 */
import { PermissionDenied } from './errors.js';
import type { PasswordHashers } from './hashers/passwords.js';
import type { Stores } from './ports.js';
import { isStorableText } from './text.js';
import { type User, normalizeUsername, toUser, userRecord } from './user.js';

/** Credentials as given; each backend takes what it understands. */
export interface Credentials {
  username?: string;
  password?: string;
  [key: string]: unknown;
}

/** One way of authenticating. */
export interface AuthBackend {
  /** Recorded in the audit log and in sessions. */
  readonly name: string;
  /** The user these credentials prove, or null. May throw `PermissionDenied` to stop the search. */
  authenticate(credentials: Credentials): Promise<User | null>;
}

/** Username + password against the user table, with Django's timing and upgrade behaviour. */
export class ModelBackend implements AuthBackend {
  readonly name = 'model';

  constructor(
    private readonly stores: Stores,
    private readonly hashers: PasswordHashers,
  ) {}

  async authenticate(credentials: Credentials): Promise<User | null> {
    const { username, password } = credentials;
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    // A username no store can hold (NUL, lone surrogate) belongs to nobody: treated as unknown
    // (still hashing below, so it takes as long), never sent to the database, which may refuse it.
    const name = isStorableText(username) ? normalizeUsername(username) : '';
    const user = name.length > 0 && name.length <= 150 ? await this.stores.users.getByUsername(name) : null;
    if (!user) {
      // Hash anyway, so "no such user" takes as long as "wrong password" and cannot be told apart.
      await this.hashers.runDummyCheck(password);
      return null;
    }
    const result = await this.hashers.checkPassword(password, user.password);
    // Activity is checked after the hash, for the same timing reason.
    if (!result.valid || !user.isActive) return null;
    if (result.needsUpgrade) {
      const upgraded = await this.hashers.makePassword(password);
      // Compare-and-swap: a password changed meanwhile is never overwritten by the upgrade.
      if (await this.stores.users.replacePassword(user.id, user.password, upgraded)) {
        // The verified snapshot with the hash we wrote, not a re-read: a re-read could pick up a
        // password change or deactivation committed since the check, and the login would then
        // create its session under credentials it never verified.
        return toUser({ ...userRecord(user), password: upgraded });
      }
    }
    // The snapshot that was verified; `Gatehouse.login` creates a session only while it is current.
    return user;
  }
}

/** The outcome of `authenticate`: a user and the backend that proved it, or null. */
export interface Authenticated {
  user: User;
  backend: string;
}

/** Tries each backend in order. */
export async function authenticateWith(backends: readonly AuthBackend[], credentials: Credentials): Promise<Authenticated | null> {
  for (const backend of backends) {
    let user: User | null;
    try {
      user = await backend.authenticate(credentials);
    } catch (error) {
      if (error instanceof PermissionDenied) return null;
      throw error;
    }
    if (user) return { user, backend: backend.name };
  }
  return null;
}
