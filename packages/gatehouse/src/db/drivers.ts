/**
 * The two database drivers as gatehouse's public types describe them: our own small interfaces,
 * not the drivers' type packages. An app on PostgreSQL then type-checks without better-sqlite3's
 * types, and an app on SQLite without pg's (with `skipLibCheck` off, a `.d.ts` that imported them
 * would fail to compile in the other kind of app). The real handles satisfy these shapes; code
 * that wants the full driver API casts to the driver's own type, which it has installed.
 */

/** A prepared better-sqlite3 statement, as far as gatehouse and its tests use one. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A better-sqlite3 `Database` handle, as far as gatehouse uses one. */
export interface SqliteDriver {
  readonly open: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
}

/** What a pg query resolves to. */
export interface PostgresQueryResult {
  rows: unknown[];
  rowCount: number | null;
}

/** A pg client checked out of the pool. */
export interface PostgresClient {
  query(text: string, values?: readonly unknown[]): Promise<PostgresQueryResult>;
  release(error?: Error | boolean): void;
}

/** A pg `Pool`, as far as gatehouse uses one. */
export interface PostgresDriver {
  readonly ended: boolean;
  readonly totalCount: number;
  query(text: string, values?: readonly unknown[]): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: listeners of pg's events take driver-specific arguments
  on(event: string, listener: (...args: any[]) => void): unknown;
}
