/** Small conversions shared by the SQL stores. */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { DialectKind, Schema } from '../schema.js';

/** A connection or a transaction; stores work the same over either. */
export type Executor = Kysely<Schema> | Transaction<Schema>;

/** What every store is built from. */
export interface StoreContext {
  db: Executor;
  kind: DialectKind;
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
 */
export class Precompiled<Row> {
  // One SQL text per dialect: placeholders differ ($1 on PostgreSQL, ? on SQLite).
  private readonly sqlText = new Map<DialectKind, string>();

  constructor(private readonly build: (db: Executor) => { compile(): { sql: string } }) {}

  async run(ctx: StoreContext, parameters: readonly unknown[]): Promise<Row[]> {
    let text = this.sqlText.get(ctx.kind);
    if (text === undefined) {
      text = this.build(ctx.db).compile().sql;
      this.sqlText.set(ctx.kind, text);
    }
    return (await ctx.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
  }
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
