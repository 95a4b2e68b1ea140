/** Builds the SQL implementation of every store over one connection or transaction. */
import type { Stores } from '../../core/ports.js';
import { SqlApiTokenStore } from './api-tokens.js';
import { SqlAdminStore } from './admin.js';
import { SqlAuditStore } from './audit.js';
import type { StoreContext } from './common.js';
import { SqlGroupStore } from './groups.js';
import { SqlPermissionStore } from './permissions.js';
import { SqlSessionStore } from './sessions.js';
import { SqlUserStore } from './users.js';

/** The stores over `ctx`. Inside a transaction, nested `transaction()` calls reuse it. */
export function createSqlStores(ctx: StoreContext): Stores {
  const transaction = <T>(fn: (stores: Stores) => Promise<T>): Promise<T> => {
    if (ctx.db.isTransaction) return fn(stores);
    return ctx.db.transaction().execute((trx) => fn(createSqlStores({ db: trx, kind: ctx.kind })));
  };
  const stores: Stores = {
    users: new SqlUserStore(ctx),
    permissions: new SqlPermissionStore(ctx),
    groups: new SqlGroupStore(ctx),
    sessions: new SqlSessionStore(ctx),
    apiTokens: new SqlApiTokenStore(ctx),
    audit: new SqlAuditStore(ctx, (fn) => transaction((inner) => fn(inner.audit as SqlAuditStore))),
    admin: new SqlAdminStore(ctx),
    transaction,
  };
  return stores;
}
