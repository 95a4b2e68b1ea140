/**
 * Keys of the session data bag that gatehouse itself reads and writes. The core owns them: it
 * writes `reauthAt` at login and re-authentication and drops a pending reset at login, in the
 * same write that creates the new session, so no adapter has to patch the data afterwards.
 */

/** When the user last proved their password (epoch ms). */
export const REAUTH_AT = 'reauthAt';
/** The user id of a password reset pending in this session. */
export const RESET_UID = 'passwordResetUid';
/** The session-bound form of the token of a pending password reset. */
export const RESET_TOKEN = 'passwordResetToken';
