/**
 * Kysely's SQLite driver prepares every statement anew on every execution; for a short query
 * that costs several times the query itself. This wraps a better-sqlite3 handle so `prepare`
 * returns a cached statement for SQL it has seen. better-sqlite3 runs statements synchronously,
 * so a cached statement is never in use twice at once — except while an `iterate()` is open,
 * which Kysely only uses for streaming: those get a fresh statement.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { DirectSqlite } from './stores/common.js';

/** The part of a better-sqlite3 handle Kysely's dialect calls. */
export interface PreparingDatabase {
  prepare(sql: string): BetterSqlite3.Statement;
  close(): void;
  /**
   * Iterations (Kysely's `stream()`) open on the connection. Each holds a read transaction whose
   * snapshot a direct read would share, so `directReads` steps aside while any is open.
   */
  readonly openIterators: number;
}

const MAX_STATEMENTS = 512;

/** Wraps `handle` with a bounded statement cache (least recently used statements are dropped). */
export function withStatementCache(handle: BetterSqlite3.Database): PreparingDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  let openIterators = 0;
  /** Counts `statement`'s iterations while they are open (own property: the class stays untouched). */
  const counted = (statement: BetterSqlite3.Statement): BetterSqlite3.Statement => {
    const iterate = statement.iterate;
    Object.defineProperty(statement, 'iterate', {
      value: (...parameters: unknown[]): IterableIterator<unknown> => {
        const inner = iterate.apply(statement, parameters);
        openIterators += 1;
        let open = true;
        const close = () => {
          if (open) {
            open = false;
            openIterators -= 1;
          }
        };
        const iterator: IterableIterator<unknown> = {
          next() {
            try {
              const step = inner.next();
              if (step.done) close();
              return step;
            } catch (error) {
              close();
              throw error;
            }
          },
          return(value?: unknown) {
            close();
            return inner.return ? inner.return(value) : { done: true, value };
          },
          [Symbol.iterator]() {
            return iterator;
          },
        };
        return iterator;
      },
    });
    return statement;
  };
  return {
    get openIterators() {
      return openIterators;
    },
    prepare(sql: string): BetterSqlite3.Statement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Re-insert to mark it most recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const statement = counted(handle.prepare(sql));
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

/**
 * A `DirectSqlite` over `handle` and its statement cache: reads run synchronously unless a
 * transaction is open on the connection (then undefined: the caller goes through Kysely, which
 * waits for the transaction to end).
 */
export function directReads(handle: BetterSqlite3.Database, statements: PreparingDatabase): DirectSqlite {
  const readStatement = (sql: string): BetterSqlite3.Statement | undefined => {
    // An open transaction or iteration holds a snapshot (and Kysely's connection): wait for it.
    if (handle.inTransaction || statements.openIterators > 0) return undefined;
    const statement = statements.prepare(sql);
    return statement.reader ? statement : undefined;
  };
  return {
    all(sql, parameters) {
      return readStatement(sql)?.all(parameters as unknown[]);
    },
    allRaw(sql, parameters) {
      const statement = readStatement(sql);
      if (statement === undefined) return undefined;
      // The statement is shared with Kysely (which expects objects): raw mode only for this call.
      statement.raw(true);
      try {
        return statement.all(parameters as unknown[]) as unknown[][];
      } finally {
        statement.raw(false);
      }
    },
    columnNames(sql) {
      return statements
        .prepare(sql)
        .columns()
        .map((column) => column.name);
    },
  };
}
