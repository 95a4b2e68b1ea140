/**
 * How long a password may be, said once: the config's default and bounds and the hasher list's
 * default all come from here. Every hasher's cost grows with the input, so an unbounded password is
 * a denial-of-service lever; 4096 characters is far beyond any passphrase.
 */

/** Longest password accepted by default, in characters (`maxPasswordLength`). */
export const DEFAULT_MAX_PASSWORD_LENGTH = 4096;

/** The smallest `maxPasswordLength` the config accepts: below it, strong passphrases would not fit. */
export const MIN_CONFIGURABLE_PASSWORD_LENGTH = 8;

/** The largest `maxPasswordLength` the config accepts: beyond it, one login costs too much to hash. */
export const MAX_CONFIGURABLE_PASSWORD_LENGTH = 65_536;
