/**
 * Text that may reach a store. PostgreSQL refuses a NUL in `text`/`varchar` (an error, so a 500
 * if it gets that far), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all: drivers
 * either throw or silently replace it, so what was stored would differ from what was checked.
 * Every string from a request is checked with these before it is looked up or written, and the
 * audit log, which must record attacks rather than fail on them, makes such strings safe instead.
 */

// A NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// C0 and C1 controls and DEL: never part of an address, and CR/LF would split a mail header.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** True when `value` is a string every store can hold unchanged: no NUL, no lone surrogate. */
export function isStorableText(value: unknown): value is string {
  return typeof value === 'string' && !UNSTORABLE.test(value);
}

/** True when `value` is storable and has no control character (C0, DEL, C1): what an email may hold. */
export function isStorableEmailText(value: unknown): value is string {
  return isStorableText(value) && !CONTROL.test(value);
}

/**
 * `value` with every NUL and lone surrogate replaced by U+FFFD, so it can be stored whatever it
 * held: for records of what arrived (the audit log), never for values that are compared later.
 */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE_ALL, '\ufffd');
}
