/**
 * Reads Django's auth tables from a SQLite file (opened read-only: the source is never written)
 * or a PostgreSQL database (one read-only, repeatable-read transaction: a consistent snapshot
 * even while the Django site keeps running).
 */
import { CliError, describeError } from '../errors.js';
import type { DjangoTables } from './model.js';

const TABLES = [
  'django_content_type',
  'auth_permission',
  'auth_group',
  'auth_group_permissions',
  'auth_user',
  'auth_user_groups',
  'auth_user_user_permissions',
];

// Datetimes are read as text on both databases and parsed in one place (model.ts).
const QUERIES = {
  contentTypes: 'SELECT id, app_label, model FROM django_content_type',
  permissions: 'SELECT id, content_type_id, codename, name FROM auth_permission',
  groups: 'SELECT id, name FROM auth_group',
  groupPermissions: 'SELECT group_id, permission_id FROM auth_group_permissions',
  users:
    'SELECT id, password, CAST(last_login AS TEXT) AS last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, CAST(date_joined AS TEXT) AS date_joined FROM auth_user ORDER BY id',
  userGroups: 'SELECT user_id, group_id FROM auth_user_groups',
  userPermissions: 'SELECT user_id, permission_id FROM auth_user_user_permissions',
} as const;

function missingTables(source: string, missing: string[]): CliError {
  return new CliError(
    `${source} has no ${missing.join(', ')} table${missing.length === 1 ? '' : 's'}: it is not a Django database with django.contrib.auth ` +
      '(a custom AUTH_USER_MODEL is not read by the importer; export it with `manage.py dumpdata` after mapping it to auth.user).',
  );
}

/** Reads a Django SQLite database file without writing to it. */
export async function readSqliteTables(path: string): Promise<DjangoTables> {
  let Sqlite: typeof import('better-sqlite3');
  try {
    Sqlite = (await import('better-sqlite3')).default;
  } catch {
    throw new CliError('Reading a SQLite source needs better-sqlite3: npm install better-sqlite3.');
  }
  let db: import('better-sqlite3').Database;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CliError(`Cannot open ${path} as a SQLite database: ${(error as Error).message}`);
  }
  try {
    const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = TABLES.filter((t) => !present.has(t));
    if (missing.length > 0) throw missingTables(path, missing);
    const all = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
    return {
      contentTypes: all(QUERIES.contentTypes),
      permissions: all(QUERIES.permissions),
      groups: all(QUERIES.groups),
      groupPermissions: all(QUERIES.groupPermissions),
      users: all(QUERIES.users),
      userGroups: all(QUERIES.userGroups),
      userPermissions: all(QUERIES.userPermissions),
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new CliError(`${path} is not a SQLite database.`);
    throw error;
  } finally {
    db.close();
  }
}

/** Reads a Django PostgreSQL database through `url` without writing to it. */
export async function readPostgresTables(url: string, label: string): Promise<DjangoTables> {
  let Client: typeof import('pg').Client;
  try {
    Client = (await import('pg')).default.Client;
  } catch {
    throw new CliError('Reading a PostgreSQL source needs pg: npm install pg.');
  }
  const client = new Client({ connectionString: url });
  // A dropped connection is reported by the query that fails; without a listener it would crash.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`Cannot read the source ${label}: ${describeError(error).message}`);
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SET LOCAL TIME ZONE 'UTC'");
    const found = await client.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ANY (current_schemas(false))',
    );
    const present = new Set(found.rows.map((r) => r.name));
    const missing = TABLES.filter((t) => !present.has(t));
    if (missing.length > 0) throw missingTables(label, missing);
    const all = async <T>(sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
    const tables: DjangoTables = {
      contentTypes: await all(QUERIES.contentTypes),
      permissions: await all(QUERIES.permissions),
      groups: await all(QUERIES.groups),
      groupPermissions: await all(QUERIES.groupPermissions),
      users: await all(QUERIES.users),
      userGroups: await all(QUERIES.userGroups),
      userPermissions: await all(QUERIES.userPermissions),
    };
    await client.query('COMMIT');
    return tables;
  } finally {
    await client.end().catch(() => {});
  }
}
