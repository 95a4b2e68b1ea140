/**
 * Writes a Django auth database into gatehouse's tables, in one transaction: permissions (by
 * `app_label.codename`, created with Django's names when missing), groups (by name), users (by
 * username) with their memberships and direct grants.
 *
 * What a re-run does, and why:
 * - Users, groups and permissions are matched, never duplicated; a second run changes nothing.
 * - Changed profile fields and flags are taken from Django. Losing `is_active`, staff or superuser
 *   ends the user's gatehouse sessions, as it would through `Accounts`.
 * - Password hashes are copied verbatim (they verify as they are and are upgraded at the first
 *   login). An existing user whose hash differs from Django's keeps gatehouse's: it was upgraded
 *   at a login or changed here since the last import, and taking Django's would undo that.
 *   `overwritePasswords` takes Django's anyway (and ends the user's sessions).
 * - `last_login` keeps the later of the two times.
 * - New users keep their Django id when it is free in gatehouse (so the app's own tables can be
 *   copied with their user ids as they are); the others get a new id, listed in the summary.
 * - Memberships and grants are only added, never removed; those found only in gatehouse are
 *   counted in the summary so they can be reviewed.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/constraint-errors.js';
import type { Schema } from '../../db/schema.js';
import { bumpGlobalAuthz, toNumber } from '../../db/stores/common.js';
import { rowToUser } from '../../db/stores/users.js';
import { CliError } from '../errors.js';
import { importUsers, prepareUsers, resolveSharedEmails } from './import-users.js';
import type { ImportOptions } from './import-options.js';
import type { DjangoData } from './model.js';
import { type ImportSummary, emptySummary } from './summary.js';
import { permissionNameOf } from '../../core/permission-name.js';

const CHUNK = 200;

class DryRunRollback extends Error {}

async function chunked<T>(rows: readonly T[], write: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

async function importPermissions(trx: Transaction<Schema>, data: DjangoData, summary: ImportSummary): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const row of await trx.selectFrom('auth_permission').select(['id', 'app_label', 'codename']).execute())
    ids.set(`${row.app_label}.${row.codename}`, toNumber(row.id));
  const missing = data.permissions.filter((p) => !ids.has(permissionNameOf(p)));
  summary.permissions.existing = data.permissions.length - missing.length;
  await chunked(missing, async (chunk) => {
    const rows = await trx
      .insertInto('auth_permission')
      .values(chunk.map((p) => ({ app_label: p.appLabel, model: p.model, codename: p.codename, name: p.name.slice(0, 255) })))
      .returning(['id', 'app_label', 'codename'])
      .execute();
    for (const row of rows) ids.set(`${row.app_label}.${row.codename}`, toNumber(row.id));
  });
  summary.permissions.created = missing.length;
  return ids;
}

async function importGroups(
  trx: Transaction<Schema>,
  data: DjangoData,
  permissionIds: Map<string, number>,
  summary: ImportSummary,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const row of await trx.selectFrom('auth_group').select(['id', 'name']).execute()) ids.set(row.name, toNumber(row.id));
  const missing = data.groups.filter((g) => !ids.has(g.name));
  await chunked(missing, async (chunk) => {
    for (const row of await trx
      .insertInto('auth_group')
      .values(chunk.map((g) => ({ name: g.name })))
      .returning(['id', 'name'])
      .execute())
      ids.set(row.name, toNumber(row.id));
  });
  summary.groups.created = missing.length;
  summary.groups.existing = data.groups.length - missing.length;
  const have = new Set(
    (await trx.selectFrom('auth_group_permissions').select(['group_id', 'permission_id']).execute()).map((r) => `${r.group_id}:${r.permission_id}`),
  );
  const add: { group_id: number; permission_id: number }[] = [];
  for (const group of data.groups) {
    const groupId = ids.get(group.name)!;
    for (const perm of new Set(group.permissions)) {
      const permissionId = permissionIds.get(perm)!;
      if (have.has(`${groupId}:${permissionId}`)) summary.groups.grantsExisting += 1;
      else add.push({ group_id: groupId, permission_id: permissionId });
    }
  }
  await chunked(add, async (chunk) => {
    await trx
      .insertInto('auth_group_permissions')
      .values(chunk)
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
  summary.groups.grantsAdded = add.length;
  return ids;
}

/** Adds the (user, other) pairs the source has and the target lacks; counts the rest. */
async function importPairs(
  trx: Transaction<Schema>,
  table: 'auth_user_groups' | 'auth_user_user_permissions',
  wanted: { user: number; other: number }[],
  importedUsers: Set<number>,
  counts: { added: number; existing: number; onlyInTarget: number },
): Promise<void> {
  const column = table === 'auth_user_groups' ? 'group_id' : 'permission_id';
  const existing = (await trx.selectFrom(table).selectAll().execute()) as Record<string, number>[];
  const have = new Set(existing.map((r) => `${r.user_id}:${r[column]}`));
  const want = new Set(wanted.map((w) => `${w.user}:${w.other}`));
  const add = [...want].filter((key) => !have.has(key)).map((key) => key.split(':').map(Number) as [number, number]);
  counts.existing = want.size - add.length;
  counts.onlyInTarget = existing.filter((r) => importedUsers.has(toNumber(r.user_id!)) && !want.has(`${r.user_id}:${r[column]}`)).length;
  await chunked(add, async (chunk) => {
    const values = chunk.map(([user, other]) => (table === 'auth_user_groups' ? { user_id: user, group_id: other } : { user_id: user, permission_id: other }));
    await trx
      .insertInto(table)
      .values(values as never)
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
  counts.added = add.length;
}

/** Imports `data` into the database; see the module comment for what a re-run does. */
export async function importDjango(database: Database, data: DjangoData, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const summary = emptySummary(options.dryRun);
  summary.problems = [...data.problems];
  const users = prepareUsers(data, summary);
  try {
    await database.db.transaction().execute(async (trx) => {
      const target = new Map((await trx.selectFrom('auth_user').selectAll().execute()).map((row) => [row.username, rowToUser(row)]));
      resolveSharedEmails(users, target, options, summary);
      // Only once the import can go ahead: a refusal prints no bar.
      options.progress?.start(users.length + 3);
      const permissionIds = await importPermissions(trx, data, summary);
      options.progress?.tick(1);
      const groupIds = await importGroups(trx, data, permissionIds, summary);
      options.progress?.tick(1);
      const userIds = await importUsers(trx, database.kind, users, target, options, summary);
      options.progress?.tick(users.length - summary.users.created);
      const matched = new Set(users.filter((u) => target.has(u.username)).map((u) => userIds.get(u.username)!));
      const memberships = users.flatMap((u) => u.groups.map((g) => ({ user: userIds.get(u.username)!, other: groupIds.get(g)! })));
      await importPairs(trx, 'auth_user_groups', memberships, matched, summary.memberships);
      const grants = users.flatMap((u) => u.permissions.map((p) => ({ user: userIds.get(u.username)!, other: permissionIds.get(p)! })));
      await importPairs(trx, 'auth_user_user_permissions', grants, matched, summary.directGrants);
      // Memberships and grants of existing users may have changed: every process's permission
      // cache reloads on its next request (one bump for the whole import).
      await bumpGlobalAuthz(trx);
      options.progress?.tick(1);
      if (options.dryRun) throw new DryRunRollback();
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) {
      if (isUniqueViolation(error)) {
        throw new CliError(
          `A unique constraint of the target refused a row (${(error as Error).message}); nothing was imported. ` +
            'If it is the email index: set `emailUnique: false` and run `gatehouse migrate`, or pass --allow-duplicate-emails.',
        );
      }
      throw error;
    }
  } finally {
    options.progress?.stop();
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
