/**
 * `parseDatabaseUrl`: the accepted forms of `DATABASE_URL`, and bad ones refused with a
 * `ConfigError` that never repeats a password from the URL (error messages end up in logs).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { openDatabase } from '../../src/db/connect.js';
import { parseDatabaseUrl } from '../../src/db/url.js';

function parseError(url: string): ConfigError {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:/var/lib/app/db.sqlite3', '/var/lib/app/db.sqlite3'],
    ['sqlite:///var/lib/app/db.sqlite3', '/var/lib/app/db.sqlite3'],
    ['sqlite:data/db.sqlite3', 'data/db.sqlite3'],
    ['sqlite://data/db.sqlite3', 'data/db.sqlite3'],
    ['sqlite::memory:', ':memory:'],
    ['SQLite:/x.db', '/x.db'],
    ['  sqlite:/padded.db  ', '/padded.db'],
  ])('reads %s as the SQLite file %s', (url, filename) => {
    expect(parseDatabaseUrl(url)).toEqual({ kind: 'sqlite', filename });
  });

  it.each(['postgres://app:s3cret@db.internal:5432/app', 'postgresql://app@localhost/app?sslmode=require', 'postgres://%2Fvar%2Frun%2Fpostgresql/app'])(
    'passes the PostgreSQL URL %s through unchanged',
    (url) => {
      expect(parseDatabaseUrl(url)).toEqual({ kind: 'postgres', connectionString: url });
    },
  );

  it.each([
    ['mysql://root:hunter2-secret@db/app', 'hunter2-secret'],
    ['postgres://app:hunter2-secret@db.internal:99999/app', 'hunter2-secret'],
    ['postgres://app:hunter2-secret@bad host/app', 'hunter2-secret'],
    ['postgres:/app:hunter2-secret@db/app', 'hunter2-secret'],
    ['app:hunter2-secret@db:5432/app', 'hunter2-secret'],
    // A typo that drops the colon leaves no scheme to show; libpq also takes ?password=.
    ['postgres//db.internal/app?password=hunter2-secret', 'hunter2-secret'],
    ['db.internal/app?password=hunter2-secret', 'hunter2-secret'],
    ['', null],
    ['sqlite:', null],
    ['sqlite://', null],
  ])('refuses %j with bad_database_url, saying which forms work and not repeating the password', (url, password) => {
    const error = parseError(url);
    expect(error.code).toBe('gatehouse.config.bad_database_url');
    expect(error.message).toContain('sqlite:<file>');
    expect(error.message).toContain('postgres://');
    if (password !== null) {
      expect(error.message).not.toContain(password);
      expect(error.stack ?? '').not.toContain(password);
    }
  });

  it('names the reason: an unknown scheme, an invalid URL or a missing file', () => {
    expect(parseError('mysql://x/y').message).toContain('scheme');
    expect(parseError('mysql://x/y').message).toContain('(mysql:…)');
    expect(parseError('x/y?password=z').message).toContain('(no scheme)');
    expect(parseError('postgres://u:p@h:99999/d').message).toContain('not a valid URL');
    expect(parseError('sqlite:').message).toContain('names no file');
  });

  it('openDatabase refuses a bad URL with the same error before loading any driver', async () => {
    const url = 'mongodb://admin:hunter2-secret@db/app';
    let error: unknown;
    try {
      await openDatabase(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('gatehouse.config.bad_database_url');
    expect((error as ConfigError).message).not.toContain('hunter2-secret');
  });
});
