/**
 * Stateless password-reset tokens, as Django's `PasswordResetTokenGenerator`. Nothing is stored:
 * a token is a timestamp and an HMAC over the user's current state, so it dies by itself when
 * that state moves on — the password changes (the reset was used, or the user changed it), the
 * user logs in (last login moves), the email changes, the user is deactivated or any other
 * revocation moves the auth epoch (so deactivating and reactivating still kills old links) — and
 * when it is older than the timeout. An inactive user's token never checks, whatever it says.
 *
 * Between opening the link and choosing the password the flow keeps something in the session. Not
 * the token: a session table that leaks (a backup, a read-only SQL injection) would hand out working
 * links. `bind` turns a checked token into a value signed for one session (the hash of its id) and
 * the user's current state; `checkBound` accepts it only for that session and that state. It is no
 * token (another salt, another message), and the raw session id it needs is never stored.
 *
 * Format: `<seconds since 2001-01-01 UTC, base36>-<HMAC-SHA256, 64 lowercase hex>`. The epoch is
 * Django's, so the shape is familiar; the MAC is kept whole (Django keeps every other hex digit,
 * 128 bits) because the token still fits comfortably in a URL.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { ConfigError, GatehouseError } from './errors.js';
import type { User } from './user.js';

/** Django's token epoch, 2001-01-01T00:00:00Z, in Unix milliseconds. */
const TOKEN_EPOCH_MS = Date.UTC(2001, 0, 1);
/** Longer input is refused before any parsing, so garbage costs nothing to reject. */
const MAX_TOKEN_LENGTH = 100;
/**
 * Tokens stamped slightly ahead of this instance's clock are accepted, so instances whose clocks
 * drift a little do not reject each other's links; anything further ahead is forged or broken.
 */
const FUTURE_TOLERANCE_SECONDS = 60;
/** Secrets shorter than this could be brute-forced from one token, making every token forgeable. */
const MIN_SECRET_LENGTH = 32;
const TOKEN_PATTERN = /^([0-9a-z]{1,11})-([0-9a-f]{64})$/;

/** Options of `PasswordResetTokens`. */
export interface PasswordResetTokensOptions {
  /** The first key signs; every key verifies, so a rotated-out key can stay listed for a while. */
  secretKeys: readonly string[];
  /** How long a token stays valid, in seconds (Django's `PASSWORD_RESET_TIMEOUT`, 3 days). */
  timeoutSeconds: number;
  /** Where the current time comes from; the system clock by default. */
  clock?: Clock;
  /**
   * Separates this use of the secret from every other: tokens for another purpose (say, email
   * confirmation) must use another salt, or one kind of token would be accepted as the other.
   */
  keySalt?: string;
}

/** Makes and checks password-reset tokens for users. */
export class PasswordResetTokens {
  // Private fields (#) stay out of logs, `JSON.stringify` and object inspection.
  readonly #keys: readonly Buffer[];
  readonly #boundKeys: readonly Buffer[];
  readonly #timeoutSeconds: number;
  readonly #clock: Clock;

  constructor(options: PasswordResetTokensOptions) {
    const { secretKeys, timeoutSeconds, clock = systemClock, keySalt = 'gatehouse.core.tokens.PasswordResetTokens' } = options;
    if (!Array.isArray(secretKeys) || secretKeys.length === 0) {
      throw new ConfigError('gatehouse.config.secret_key_missing', 'PasswordResetTokens: secretKeys must list at least one secret key.');
    }
    for (const secret of secretKeys) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        throw new ConfigError(
          'gatehouse.config.secret_key_too_short',
          `PasswordResetTokens: every secret key must be a string of at least ${MIN_SECRET_LENGTH} random characters.`,
        );
      }
    }
    if (!Number.isSafeInteger(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new ConfigError(
        'gatehouse.config.invalid_password_reset_timeout',
        `PasswordResetTokens: timeoutSeconds must be a whole number of seconds > 0, got ${String(timeoutSeconds)}.`,
      );
    }
    if (typeof keySalt !== 'string') {
      throw new ConfigError('gatehouse.config.invalid_key_salt', 'PasswordResetTokens: keySalt must be a string.');
    }
    // Django's salted_hmac: the HMAC key is SHA-256(salt + secret), derived once per secret.
    this.#keys = Object.freeze(
      secretKeys.map((secret) =>
        createHash('sha256')
          .update(keySalt + secret)
          .digest(),
      ),
    );
    // A second key family for session-bound values, so neither kind is accepted as the other.
    this.#boundKeys = Object.freeze(secretKeys.map((secret) => createHash('sha256').update(`${keySalt}.bound${secret}`).digest()));
    this.#timeoutSeconds = timeoutSeconds;
    this.#clock = clock;
  }

  /** A new token for `user`, signed with the first secret key. */
  make(user: User): string {
    const timestamp = this.#nowSeconds();
    const signingKey = this.#keys[0] as Buffer; // the constructor guarantees at least one key
    return `${timestamp.toString(36)}-${this.#mac(user, timestamp, signingKey).toString('hex')}`;
  }

  /**
   * Whether `token` was made for `user` in its current state by one of the secret keys and is
   * neither expired nor dated in the future. An inactive user's token never checks. Any
   * malformed input is simply `false`; this never throws on what arrives from a URL.
   */
  check(user: User, token: string): boolean {
    return this.#verify(user, token, this.#keys, (timestamp, key) => this.#mac(user, timestamp, key));
  }

  /**
   * For a `token` that checks for `user`, a value to keep in the session instead of the token:
   * `<token's timestamp>-<MAC over sessionKey, the user's state and the timestamp>`, with keys of
   * their own. `sessionKey` is the stored form of the session id (`hashSessionId`). Null when
   * the token does not check. The value expires with the token and dies with the same changes.
   */
  bind(user: User, token: string, sessionKey: string): string | null {
    if (typeof sessionKey !== 'string' || sessionKey.length === 0 || !this.check(user, token)) return null;
    const timestamp = Number.parseInt(token.slice(0, token.indexOf('-')), 36);
    const signingKey = this.#boundKeys[0] as Buffer;
    return `${timestamp.toString(36)}-${this.#boundMac(user, timestamp, sessionKey, signingKey).toString('hex')}`;
  }

  /** Whether `bound` came from `bind` for this user, in this state, and this session; never throws. */
  checkBound(user: User, bound: unknown, sessionKey: string): boolean {
    if (typeof sessionKey !== 'string' || sessionKey.length === 0 || typeof bound !== 'string') return false;
    return this.#verify(user, bound, this.#boundKeys, (timestamp, key) => this.#boundMac(user, timestamp, sessionKey, key));
  }

  #verify(user: User, token: string, keys: readonly Buffer[], macOf: (timestamp: number, key: Buffer) => Buffer): boolean {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return false;
    if (!Number.isSafeInteger(user?.id)) return false;
    // A deactivated user cannot complete a reset, even with a link mailed before deactivation
    // (the MAC covers the flag as well, so this holds even if a store returned a stale flag).
    if (user.isActive !== true) return false;
    const match = TOKEN_PATTERN.exec(token);
    const [, stamp, mac] = match ?? [];
    if (stamp === undefined || mac === undefined) return false;
    const timestamp = Number.parseInt(stamp, 36);
    // Only the canonical spelling is accepted (no leading zeros, no unsafe integers), so one
    // token has exactly one string form.
    if (!Number.isSafeInteger(timestamp) || timestamp.toString(36) !== stamp) return false;

    const given = Buffer.from(mac, 'hex'); // 32 bytes: the pattern demands 64 hex digits
    let signed = false;
    for (const key of keys) {
      // Constant-time comparison, and no early exit, so response timing reveals neither how much
      // of a guessed MAC was right nor which key matched.
      if (timingSafeEqual(macOf(timestamp, key), given)) signed = true;
    }
    if (!signed) return false;

    const now = this.#nowSeconds();
    if (timestamp > now + FUTURE_TOLERANCE_SECONDS) return false;
    return now - timestamp <= this.#timeoutSeconds;
  }

  #nowSeconds(): number {
    return Math.floor((this.#clock.now() - TOKEN_EPOCH_MS) / 1000);
  }

  /**
   * The MAC binds the token to every piece of state whose change must kill it. The fields are
   * JSON-encoded rather than concatenated (as Django does) so that no two different states can
   * produce the same message. Last login is cut to whole seconds because some databases store
   * less than millisecond precision, and a round trip must not change the token.
   */
  #mac(user: User, timestamp: number, key: Buffer): Buffer {
    const lastLogin = user.lastLogin === null ? '' : Math.floor(user.lastLogin / 1000);
    const message = JSON.stringify([user.id, user.password, lastLogin, timestamp, user.email, user.isActive, user.authEpoch]);
    return createHmac('sha256', key).update(message, 'utf8').digest();
  }

  /** As `#mac`, plus the session it is bound to, under the bound-value keys. */
  #boundMac(user: User, timestamp: number, sessionKey: string, key: Buffer): Buffer {
    const lastLogin = user.lastLogin === null ? '' : Math.floor(user.lastLogin / 1000);
    const message = JSON.stringify(['bound', sessionKey, user.id, user.password, lastLogin, timestamp, user.email, user.isActive, user.authEpoch]);
    return createHmac('sha256', key).update(message, 'utf8').digest();
  }
}

/** A user id as it appears in a reset URL: URL-safe base64 of its decimal digits, unpadded (Django's `uidb64`). */
export function uidToBase64(id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new GatehouseError('gatehouse.tokens.invalid_uid', `uidToBase64: expected a whole number >= 0, got ${String(id)}.`);
  }
  return Buffer.from(String(id), 'latin1').toString('base64url');
}

/** The largest safe integer has 16 digits, which take 22 base64 characters. */
const UID_PATTERN = /^[A-Za-z0-9_-]{1,22}$/;

/**
 * The user id in a reset URL's `uidb64`, or null for anything that `uidToBase64` would not have
 * produced: other alphabets, padding, non-digits, signs, leading zeros, unsafe integers.
 */
export function uidFromBase64(encoded: string): number | null {
  if (typeof encoded !== 'string' || !UID_PATTERN.test(encoded)) return null;
  const decimal = Buffer.from(encoded, 'base64url').toString('latin1');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(decimal)) return null;
  const id = Number(decimal);
  // Node's decoder ignores stray trailing bits; re-encoding proves the input was canonical.
  if (!Number.isSafeInteger(id) || uidToBase64(id) !== encoded) return null;
  return id;
}
