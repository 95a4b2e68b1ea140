/**
 * Kysely's SQLite driver prepares every statement anew on every execution; for a short query
 * that costs several times the query itself. This wraps a better-sqlite3 handle so `prepare`
 * returns a cached statement for SQL it has seen. better-sqlite3 runs statements synchronously,
 * so a cached statement is never in use twice at once — except while an `iterate()` is open,
 * which Kysely only uses for streaming: those get a fresh statement.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** The part of a better-sqlite3 handle Kysely's dialect calls. */
export interface PreparingDatabase {
  prepare(sql: string): BetterSqlite3.Statement;
  close(): void;
}

const MAX_STATEMENTS = 512;

/** Wraps `handle` with a bounded statement cache (least recently used statements are dropped). */
export function withStatementCache(handle: BetterSqlite3.Database): PreparingDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string): BetterSqlite3.Statement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Re-insert to mark it most recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const statement = handle.prepare(sql);
      if (!hit) {
        cache.set(sql, statement);
        if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
    close(): void {
      cache.clear();
      handle.close();
    },
  };
}
