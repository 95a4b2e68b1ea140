/**
 * The users list's keyset cursor in a URL: `after=<id>` for the id-ordered list, or
 * `after=<id>.<base64url(key)>` for a search page. Anything else reads as absent.
 */
import type { AdminUserCursor } from '../core/ports.js';
import { parseId } from './forms.js';

/** The `after` parameter for `cursor`. */
export function encodeCursor(cursor: AdminUserCursor): string {
  return cursor.key === undefined ? String(cursor.id) : `${cursor.id}.${Buffer.from(cursor.key, 'utf8').toString('base64url')}`;
}

/** The cursor an `after` parameter names, null when it is malformed, undefined when empty. */
export function decodeCursor(text: string): AdminUserCursor | null | undefined {
  if (text === '') return undefined;
  const dot = text.indexOf('.');
  const id = parseId(dot === -1 ? text : text.slice(0, dot));
  if (id === null) return null;
  if (dot === -1) return { id };
  const encoded = text.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(encoded)) return null;
  return { id, key: Buffer.from(encoded, 'base64url').toString('utf8') };
}
