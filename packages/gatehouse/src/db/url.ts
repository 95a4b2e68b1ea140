/** Parsing of `DATABASE_URL`: `sqlite:<file>`, `sqlite::memory:`, `postgres://…`. */
import { ConfigError } from '../core/errors.js';
import type { DialectKind } from './schema.js';

/** A parsed database location. */
export type DatabaseLocation =
  | { kind: Extract<DialectKind, 'sqlite'>; filename: string }
  | { kind: Extract<DialectKind, 'postgres'>; connectionString: string };

/** Parses a database URL, throwing `ConfigError` `gatehouse.config.bad_database_url` with the accepted forms. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      new URL(trimmed);
    } catch {
      throw badUrl(url, 'it is not a valid URL');
    }
    return { kind: 'postgres', connectionString: trimmed };
  }
  if (/^sqlite:/i.test(trimmed)) {
    let filename = trimmed.slice('sqlite:'.length);
    // Accept sqlite:///abs/path and sqlite://rel as well as sqlite:/abs and sqlite:rel.
    if (filename.startsWith('//')) filename = filename.slice(2);
    if (filename === '') throw badUrl(url, 'it names no file');
    return { kind: 'sqlite', filename };
  }
  throw badUrl(url, 'the scheme is not sqlite: or postgres://');
}

function badUrl(url: string, why: string): ConfigError {
  // The URL may hold a password: show only its scheme, and only when it looks like one. A URL
  // missing its colon ("postgres//db/app?password=...") has no scheme, and all of it may be secret.
  const scheme = /^\s*([a-z][a-z0-9+.-]{0,20}):/i.exec(url)?.[1];
  const shown = scheme === undefined ? 'no scheme' : `${scheme}:…`;
  return new ConfigError(
    'gatehouse.config.bad_database_url',
    `DATABASE_URL (${shown}) cannot be used: ${why}. Use sqlite:<file>, sqlite::memory: or postgres://user@host:port/db.`,
  );
}
