/** The few lines of `better-sqlite3-session-store` the peer app uses (the package ships no types). */
declare module 'better-sqlite3-session-store' {
  import type { Database } from 'better-sqlite3';
  import type { Store } from 'express-session';

  interface SqliteStoreOptions {
    client: Database;
    expired?: { clear?: boolean; intervalMs?: number };
  }
  type SqliteStoreClass = new (options: SqliteStoreOptions) => Store;
  function makeStore(session: { Store: typeof Store }): SqliteStoreClass;
  export default makeStore;
}
