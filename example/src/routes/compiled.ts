/**
 * List queries built and compiled once, like the library's hot queries: building a query through
 * Kysely costs more than running it on SQLite, and these never change between requests. A
 * compiled query is immutable (its SQL text and parameter values), so one object serves every
 * request; a query with a per-request value is compiled with a placeholder and run with the
 * real value through `CompiledQuery.raw`.
 */
import { CompiledQuery, type Kysely } from 'kysely';

/** A query compiled once, run with `parameters` in the placeholders' order. */
export function compileOnce<Row, DB>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>) => { compile(): CompiledQuery<Row> },
): (parameters?: readonly unknown[]) => Promise<Row[]> {
  const compiled = build(db).compile();
  return async (parameters) => {
    const query = parameters === undefined ? compiled : CompiledQuery.raw(compiled.sql, [...parameters]);
    return (await db.executeQuery(query as CompiledQuery<Row>)).rows;
  };
}
