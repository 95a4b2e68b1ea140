/**
 * The account model. A `User` is a plain, immutable snapshot of one row; an `AnonymousUser` has
 * the same shape so code that reads `request.user` never needs to check for null.
 */

/** A stored account, as loaded from the database. */
export interface User {
  readonly id: number;
  /** NFKC-normalised; unique and case-sensitive, as in Django. */
  readonly username: string;
  /** May be empty. Unique case-insensitively unless `emailUnique` is off. */
  readonly email: string;
  /** `algorithm$params$salt$hash`, or `!…` for an unusable password. */
  readonly password: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly isActive: boolean;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;
  /** Milliseconds since the epoch, or null if never logged in. */
  readonly lastLogin: number | null;
  readonly dateJoined: number;
  /**
   * Bumped by password change, reset, deactivation, role change and "log out everywhere".
   * A session remembers the epoch it was created under and dies when they differ.
   */
  readonly authEpoch: number;
  readonly isAuthenticated: true;
  readonly isAnonymous: false;
}

/** Nobody is logged in. Same interface as `User`, every privilege off. */
export interface AnonymousUser {
  readonly id: null;
  readonly username: '';
  readonly email: '';
  readonly password: '';
  readonly firstName: '';
  readonly lastName: '';
  readonly isActive: false;
  readonly isStaff: false;
  readonly isSuperuser: false;
  readonly lastLogin: null;
  readonly dateJoined: null;
  readonly authEpoch: 0;
  readonly isAuthenticated: false;
  readonly isAnonymous: true;
}

/** Either a logged-in user or the anonymous one. */
export type AnyUser = User | AnonymousUser;

/** The single anonymous user value; frozen so nothing can grant it a flag. */
export const anonymousUser: AnonymousUser = Object.freeze({
  id: null,
  username: '',
  email: '',
  password: '',
  firstName: '',
  lastName: '',
  isActive: false,
  isStaff: false,
  isSuperuser: false,
  lastLogin: null,
  dateJoined: null,
  authEpoch: 0,
  isAuthenticated: false,
  isAnonymous: true,
} as const);

/** The row fields a store writes; everything else on `User` is derived. */
export type UserRecord = Omit<User, 'isAuthenticated' | 'isAnonymous'>;

/** Turns a stored row into a `User`, adding the constant flags. */
export function toUser(record: UserRecord): User {
  return Object.freeze({ ...record, isAuthenticated: true as const, isAnonymous: false as const });
}

/** Usernames are compared after NFKC so that visually identical names cannot both be registered. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC');
}

/**
 * Django lower-cases only the domain part of an email; the local part may be case-sensitive on
 * some servers, so the stored address keeps it. Lookups compare the whole address lower-cased.
 */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  return trimmed.slice(0, at) + '@' + trimmed.slice(at + 1).toLowerCase();
}

/** The full name, as Django's `get_full_name`. */
export function fullName(user: AnyUser): string {
  return `${user.firstName} ${user.lastName}`.trim();
}
