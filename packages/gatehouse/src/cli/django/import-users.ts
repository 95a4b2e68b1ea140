/**
 * The user half of the import: which Django rows can be stored, who keeps a shared email, what
 * changed for a user gatehouse already has, and the inserts (keeping Django's ids where free).
 */
import { type Transaction, sql } from 'kysely';
import { isLegacyHasherName } from '../../core/hashers/names.js';
import { identifyAlgorithm } from '../../core/hashers/passwords.js';
import { usernameSkeleton } from '../../core/skeleton.js';
import { type User, normalizeEmail } from '../../core/user.js';
import type { DialectKind, Schema } from '../../db/schema.js';
import { toDbBool, toNumber } from '../../db/stores/common.js';
import { CliError } from '../errors.js';
import type { ImportOptions } from './import-options.js';
import type { DjangoData, DjangoUser } from './model.js';
import type { ImportSummary } from './summary.js';

const CHUNK = 200;

async function chunked<T>(rows: readonly T[], write: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

/** The columns of a new `auth_user` row. */
function newRow(kind: DialectKind, u: DjangoUser) {
  return {
    username: u.username,
    email: u.email,
    password: u.password,
    first_name: u.firstName,
    last_name: u.lastName,
    is_active: toDbBool(kind, u.isActive),
    is_staff: toDbBool(kind, u.isStaff),
    is_superuser: toDbBool(kind, u.isSuperuser),
    last_login: u.lastLogin,
    date_joined: u.dateJoined,
    // Filled here too: the import writes rows itself, past the user store that keeps it elsewhere.
    username_skeleton: usernameSkeleton(u.username),
  };
}

/** Counts a hash written by the import if it is one of the legacy fast digests. */
function countLegacyHash(encoded: string, summary: ImportSummary): void {
  const algorithm = identifyAlgorithm(encoded);
  if (algorithm === null || !isLegacyHasherName(algorithm)) return;
  const legacy = summary.users.legacyHashes;
  legacy.count += 1;
  legacy.algorithms[algorithm] = (legacy.algorithms[algorithm] ?? 0) + 1;
}

/** Usernames as gatehouse compares them (NFKC), dropping rows it could not store. */
export function prepareUsers(data: DjangoData, summary: ImportSummary): DjangoUser[] {
  const byName = new Map<string, DjangoUser>();
  // Oldest first (Django's id order; rows without an id keep their file order, after the rest).
  for (const user of [...data.users].sort((a, b) => (a.id ?? Number.MAX_SAFE_INTEGER) - (b.id ?? Number.MAX_SAFE_INTEGER))) {
    const username = user.username.normalize('NFKC');
    if (username.length === 0 || username.length > 150) {
      summary.users.skipped.push({ username: user.username, reason: 'the username is empty or longer than 150 characters' });
      continue;
    }
    const earlier = byName.get(username);
    if (earlier) {
      summary.users.skipped.push({
        username: user.username,
        reason: `it equals "${earlier.username}" after Unicode (NFKC) normalisation, which gatehouse applies to usernames`,
      });
      continue;
    }
    byName.set(username, { ...user, username, email: normalizeEmail(user.email) });
  }
  return [...byName.values()];
}

/**
 * With unique emails, finds emails held by several accounts: the target's own accounts (those the
 * import does not touch) keep theirs, then the oldest Django account does. Fails before anything
 * is written unless `allowDuplicateEmails`, which clears the email of each later holder.
 */
export function resolveSharedEmails(users: DjangoUser[], target: Map<string, User>, options: ImportOptions, summary: ImportSummary): void {
  if (!options.emailUnique) return;
  const importing = new Set(users.map((u) => u.username));
  const holder = new Map<string, string>();
  for (const t of target.values()) if (!importing.has(t.username) && t.email !== '') holder.set(t.email.toLowerCase(), t.username);
  const clashes: { user: DjangoUser; keptBy: string }[] = [];
  for (const user of users) {
    if (user.email === '') continue;
    const key = user.email.toLowerCase();
    const owner = holder.get(key);
    if (owner === undefined) holder.set(key, user.username);
    else clashes.push({ user, keptBy: owner });
  }
  if (clashes.length === 0) return;
  if (!options.allowDuplicateEmails) {
    const byEmail = new Map<string, string[]>();
    for (const c of clashes) byEmail.set(c.user.email.toLowerCase(), [...(byEmail.get(c.user.email.toLowerCase()) ?? [c.keptBy]), c.user.username]);
    const listed = [...byEmail].slice(0, 5).map(([email, names]) => `${email} (${names.join(', ')})`);
    throw new CliError(
      `${byEmail.size} email address${byEmail.size === 1 ? ' is' : 'es are'} shared by several accounts (case-insensitively): ${listed.join('; ')}${byEmail.size > 5 ? '; …' : ''}. ` +
        'Django allows that; gatehouse has emailUnique on. Either set `emailUnique: false` in the config module and run `gatehouse migrate` (keeps every email, as Django does), ' +
        'or pass --allow-duplicate-emails (the oldest account keeps each shared email, later ones are imported with an empty email and listed). Nothing was imported.',
    );
  }
  for (const c of clashes) {
    summary.users.emailsCleared.push({ username: c.user.username, email: c.user.email, keptBy: c.keptBy });
    c.user.email = '';
  }
}

/** Compares one Django user with its gatehouse row; returns the patch and whether sessions must end. */
function diffUser(
  user: DjangoUser,
  row: User,
  options: ImportOptions,
  summary: ImportSummary,
): { patch: Record<string, unknown>; fields: string[]; endSessions: boolean } {
  const patch: Record<string, unknown> = {};
  const fields: string[] = [];
  const set = (field: string, column: string, value: unknown): void => {
    fields.push(field);
    patch[column] = value;
  };
  if (user.email !== row.email) set('email', 'email', user.email);
  if (user.firstName !== row.firstName) set('firstName', 'first_name', user.firstName);
  if (user.lastName !== row.lastName) set('lastName', 'last_name', user.lastName);
  if (user.isActive !== row.isActive) set('isActive', 'is_active', user.isActive);
  if (user.isStaff !== row.isStaff) set('isStaff', 'is_staff', user.isStaff);
  if (user.isSuperuser !== row.isSuperuser) set('isSuperuser', 'is_superuser', user.isSuperuser);
  if (user.dateJoined !== row.dateJoined) set('dateJoined', 'date_joined', user.dateJoined);
  const lastLogin = user.lastLogin === null ? row.lastLogin : row.lastLogin === null ? user.lastLogin : Math.max(user.lastLogin, row.lastLogin);
  if (lastLogin !== row.lastLogin) set('lastLogin', 'last_login', lastLogin);
  let passwordChanged = false;
  if (user.password !== row.password) {
    if (options.overwritePasswords) {
      set('password', 'password', user.password);
      passwordChanged = true;
      countLegacyHash(user.password, summary);
    } else summary.users.passwordsKept.push(row.username);
  }
  const endSessions = passwordChanged || (row.isActive && !user.isActive) || (row.isStaff && !user.isStaff) || (row.isSuperuser && !user.isSuperuser);
  return { patch, fields, endSessions };
}

/** Updates matched users and inserts new ones; returns every imported user's gatehouse id by username. */
export async function importUsers(
  trx: Transaction<Schema>,
  kind: DialectKind,
  users: DjangoUser[],
  target: Map<string, User>,
  options: ImportOptions,
  summary: ImportSummary,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const fresh: DjangoUser[] = [];
  for (const user of users) {
    const row = target.get(user.username);
    if (!row) {
      fresh.push(user);
      continue;
    }
    ids.set(user.username, row.id);
    const { patch, fields, endSessions } = diffUser(user, row, options, summary);
    if (fields.length === 0) {
      summary.users.unchanged += 1;
      continue;
    }
    for (const flag of ['is_active', 'is_staff', 'is_superuser']) if (flag in patch) patch[flag] = toDbBool(kind, patch[flag] as boolean);
    await trx.updateTable('auth_user').set(patch).where('id', '=', row.id).execute();
    if (endSessions) {
      await trx
        .updateTable('auth_user')
        .set((eb) => ({ auth_epoch: eb('auth_epoch', '+', 1) }))
        .where('id', '=', row.id)
        .execute();
      await trx.deleteFrom('gh_session').where('user_id', '=', row.id).execute();
    }
    summary.users.updated += 1;
    summary.users.changes.push({ username: user.username, fields });
  }
  // Django's ids are kept where they are free, so the app's own tables (orders.user_id...) can be
  // copied across unchanged; a user whose id is taken gets a new one, listed in the summary.
  const taken = new Set([...target.values()].map((u) => u.id));
  const keep: DjangoUser[] = [];
  const renumber: DjangoUser[] = [];
  for (const u of fresh) {
    if (u.id !== null && !taken.has(u.id)) {
      taken.add(u.id);
      keep.push(u);
    } else renumber.push(u);
  }
  for (const u of fresh) countLegacyHash(u.password, summary);
  const insert = async (chunk: DjangoUser[], withIds: boolean): Promise<void> => {
    const rows = await trx
      .insertInto('auth_user')
      .values(chunk.map((u) => ({ ...(withIds ? { id: u.id as number } : {}), ...newRow(kind, u) })))
      .returning(['id', 'username'])
      .execute();
    for (const row of rows) ids.set(row.username, toNumber(row.id));
    options.progress?.tick(chunk.length);
  };
  await chunked(keep, (chunk) => insert(chunk, true));
  if (keep.length > 0 && kind === 'postgres') {
    // Explicit ids do not move the identity sequence: move it past them, or the next signup
    // collides. (Sequences ignore rollbacks: a dry run leaves it moved, which costs only a gap.)
    await sql`select setval(pg_get_serial_sequence('auth_user', 'id'), (select max(id) from auth_user))`.execute(trx);
  }
  await chunked(renumber, (chunk) => insert(chunk, false));
  for (const u of renumber) if (u.id !== null) summary.users.renumbered.push({ username: u.username, djangoId: u.id, id: ids.get(u.username)! });
  summary.users.created = fresh.length;
  return ids;
}
