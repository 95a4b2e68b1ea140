/** Small conversions shared by the SQL stores. */
import { CompiledQuery, type Kysely, type RawBuilder, type Transaction, sql } from 'kysely';
import type { DialectKind, Schema } from '../schema.js';

/** A connection or a transaction; stores work the same over either. */
export type Executor = Kysely<Schema> | Transaction<Schema>;

/** What every store is built from. */
export interface StoreContext {
  db: Executor;
  kind: DialectKind;
  /**
   * SQLite only, outside transactions: runs a compiled read straight on the connection (see
   * `DirectSqlite`). Stores built inside a transaction have none.
   */
  direct?: DirectSqlite;
}

/**
 * Runs compiled reads (`?` placeholders) synchronously on the SQLite connection, or answers
 * undefined when it must not: a transaction is open on the connection (Kysely holds it across
 * awaits, and a read slipped in would see its uncommitted writes), or the statement is not a
 * read. Kysely's executor costs several microseconds around a statement that itself costs a few
 * (its connection mutex, promise hops, result plugins): on the session lookup, run on every
 * request, that was a seventh of the lookup (anatomy.ts: 14.6 µs through Kysely, 12.5 direct).
 */
export interface DirectSqlite {
  /** The rows as objects keyed by column name, as Kysely would return them. */
  all(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
  /**
   * The rows as arrays in column order: better-sqlite3 builds a keyed object per row slowly
   * (~3.5 µs for the 23 columns of the session join); a mapper written as an object literal
   * costs a fraction of that.
   */
  allRaw(sql: string, parameters: readonly unknown[]): unknown[][] | undefined;
  /** The result column names of `sql`, in order. */
  columnNames(sql: string): string[];
}

/** better-sqlite3 binds no booleans: 0/1 there, real booleans on PostgreSQL. */
export function toDbBool(kind: DialectKind, value: boolean): boolean | number {
  return kind === 'sqlite' ? (value ? 1 : 0) : value;
}

/** Reads a BIGINT that pg may hand back as a string (when the pool's parser is not ours). */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** JSON bags are stored as text; a corrupt one reads as empty rather than failing the request. */
export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A query on a hot path, built and compiled once and then run with fresh parameters. Building a
 * query through Kysely costs more than running it on SQLite; the SQL never changes, only the
 * values. `build` must use placeholder values in the same order as `run` passes them.
 *
 * `fromArray`, for the hottest queries: builds a row from the values in select-list order, so
 * SQLite's direct path can read arrays (`DirectSqlite.allRaw`). It is checked once against the
 * statement's column names, so a select list and its mapper cannot drift apart unnoticed.
 */
export class Precompiled<Row> {
  /** Every hot query there is (a test checks each one's plan on an analyzed database). */
  static readonly all: Precompiled<unknown>[] = [];
  // One SQL text per dialect: placeholders differ ($1 on PostgreSQL, ? on SQLite).
  private readonly sqlText = new Map<DialectKind, string>();
  private mapperChecked = false;

  constructor(
    private readonly build: (db: Executor, kind: DialectKind) => { compile(): { sql: string } },
    private readonly fromArray?: (values: readonly unknown[]) => Row,
  ) {
    Precompiled.all.push(this as Precompiled<unknown>);
  }

  /** The SQL this query runs on `ctx`'s dialect. */
  sql(ctx: StoreContext): string {
    let text = this.sqlText.get(ctx.kind);
    if (text === undefined) {
      text = this.build(ctx.db, ctx.kind).compile().sql;
      this.sqlText.set(ctx.kind, text);
    }
    return text;
  }

  async run(ctx: StoreContext, parameters: readonly unknown[]): Promise<Row[]> {
    const text = this.sql(ctx);
    const direct = ctx.direct;
    if (direct !== undefined) {
      if (this.fromArray !== undefined) {
        const arrays = direct.allRaw(text, parameters);
        if (arrays !== undefined) {
          if (!this.mapperChecked) this.checkMapper(direct.columnNames(text));
          return arrays.map(this.fromArray);
        }
      } else {
        const rows = direct.all(text, parameters);
        if (rows !== undefined) return rows as Row[];
      }
    }
    return (await ctx.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
  }

  /** Throws unless `fromArray` puts column i under its own name, for every column. */
  private checkMapper(names: string[]): void {
    const probe = (this.fromArray as (values: readonly unknown[]) => Row)(names.map((_, i) => i)) as Record<string, unknown>;
    const keys = Object.keys(probe);
    if (keys.length !== names.length || !keys.every((key) => names[probe[key] as number] === key)) {
      throw new Error(`gatehouse: a precompiled query's row mapper does not match its columns (${names.join(', ')})`);
    }
    this.mapperChecked = true;
  }
}

/**
 * The placeholder for the key a hot query looks up. On SQLite it is `(select ?)`. SQLite built
 * with STAT4 (better-sqlite3 is) lets the planner look at a bound value when ANALYZE statistics
 * exist for the index (`ANALYZE`, or the `PRAGMA optimize` SQLite recommends running), and then
 * marks the statement for re-preparation every time that parameter is bound, which better-sqlite3
 * does on every run: once a database with sessions in it had been analyzed, the session lookup on
 * every request cost ~30 µs instead of ~9 (a fresh parse and plan each time). The planner does not
 * look inside a subquery, so the statement stays prepared; the index is used all the same.
 * PostgreSQL gets the plain parameter.
 */
export function keyParam<T>(kind: DialectKind, placeholder: T): T | RawBuilder<T> {
  return kind === 'sqlite' ? sql<T>`(select ${placeholder})` : placeholder;
}

/**
 * Runs `fn` inside a transaction: the current one if `db` already is one, else a new one. A
 * change and the authorization-version bump that announces it must commit together: a process
 * that saw the new version but read the old grants would cache the old grants under it.
 */
export function inTransaction<T>(db: Executor, fn: (trx: Executor) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return (db as Kysely<Schema>).transaction().execute((trx) => fn(trx));
}

/** Bumps one user's authorization version (after a change to what they may do). */
export async function bumpUserAuthz(db: Executor, userId: number): Promise<void> {
  await db
    .updateTable('auth_user')
    .set((eb) => ({ authz_version: eb('authz_version', '+', 1) }))
    .where('id', '=', userId)
    .execute();
}

/** Bumps the global authorization version (after a change to what some group grants). */
export async function bumpGlobalAuthz(db: Executor): Promise<void> {
  await db
    .updateTable('gh_authz_version')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}
