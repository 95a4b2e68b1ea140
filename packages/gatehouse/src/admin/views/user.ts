/**
 * One user: the detail (effective permissions with their sources, live sessions, recent audit
 * entries) and the actions on them. Rules beyond the model permissions, so that holding
 * `auth.change_user` is not a way to become more than one is:
 * - a superuser account is changed only by a superuser (its password, flags, groups, deletion);
 * - superuser status is granted or removed only by a superuser;
 * - a non-superuser grants only permissions they hold themselves, directly or through a group.
 * Revocation follows the core's rules (accounts.ts): a password set, deactivation, losing a role,
 * staff or superuser status, or a direct grant ends the user's sessions.
 */
import { cleanEmail } from '../../core/accounts.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';
import { type FieldErrors, addError, bodyField, bodyFlag, bodyList, fileError, hasErrors, parseId, query } from '../forms.js';
import { RESET_LINK_PROBLEMS, resetLinkProblem, sendResetLink } from '../reset-link.js';
import { userRow } from './users.js';

/** The user named by the URL, or `NotFoundError` (after the permission check, so only for those who may look). */
export async function targetUser(request: AdminRequest): Promise<User> {
  const id = parseId(request.params.id);
  const user = id === null ? null : await request.gatehouse.stores.users.getById(id);
  if (!user) throw new NotFoundError('user', 'No such user.');
  return user;
}

/** The 403 for a non-superuser acting on a superuser, or null. */
async function superuserOnly(request: AdminRequest, target: User, what: string): Promise<HttpResponse | null> {
  if (!target.isSuperuser || request.actor.isSuperuser) return null;
  return request.exchange.deny({ kind: 'forbidden', reason: `only a superuser may ${what} a superuser` });
}

/**
 * The picker's permissions narrowed by `filter` (a substring of the name or label), with no
 * script: the ticked ones it hides stay in the form as hidden fields, so saving a filtered view
 * changes only what was shown.
 */
export function pickerApps(
  items: readonly { name: string; label: string; checked: boolean }[],
  filter: string,
): { apps: { app: string; items: { name: string; label: string; checked: boolean }[] }[]; hidden: string[] } {
  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? [...items] : items.filter((p) => p.name.toLowerCase().includes(needle) || p.label.toLowerCase().includes(needle));
  const hidden = items.filter((p) => p.checked && !shown.includes(p)).map((p) => p.name);
  return { apps: byApp(shown), hidden };
}

/** The picker of this request (`?filter=`), with the filter for the template. */
export function picker(request: AdminRequest, items: readonly { name: string; label: string; checked: boolean }[]): Record<string, unknown> {
  const filter = query(request.exchange.request, 'filter', 100);
  return { ...pickerApps(items, filter), filter, filterUrl: request.exchange.request.url.split('?')[0] };
}

/** Permissions grouped by app label, for pickers and lists. */
export function byApp<T extends { name: string }>(items: readonly T[]): { app: string; items: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const app = item.name.slice(0, item.name.indexOf('.'));
    groups.set(app, [...(groups.get(app) ?? []), item]);
  }
  return [...groups].map(([app, list]) => ({ app, items: list }));
}

/** GET `/users/:id/`. */
export async function userDetail(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const gatehouse = request.gatehouse;
  const groups = await gatehouse.stores.groups.groupsOfUser(user.id);
  const all = [...(await gatehouse.getAllPermissions(user))].sort();
  const effective = [];
  for (const name of all) {
    const explanation = await gatehouse.explainPerm(user, name);
    // A superuser holds everything through the flag: only the grants that would outlive it are listed.
    const sources = explanation.sources.filter((s) => s.kind !== 'superuser');
    if (user.isSuperuser && sources.length === 0) continue;
    effective.push({ name, sources: sources.map((s) => (s.kind === 'direct' ? 'direct grant' : s.kind === 'group' ? `group ${s.group}` : 'superuser')) });
  }
  const canSessions = await request.can('auth.view_session');
  const sessions = canSessions
    ? (await gatehouse.sessions.listForUser(user.id)).map((s) => ({
        id: s.idHash,
        short: s.idHash.slice(0, 12),
        created: new Date(s.createdAt).toISOString().replace('T', ' ').slice(0, 16),
        lastSeen: new Date(s.lastSeenAt).toISOString().replace('T', ' ').slice(0, 16),
        ip: s.ip ?? '',
        agent: (s.userAgent ?? '').slice(0, 80),
        current: request.exchange.session?.record.idHash === s.idHash,
      }))
    : [];
  // API tokens are credentials like sessions: the same permissions see and end them.
  const when = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16));
  const tokens = canSessions
    ? (await gatehouse.apiTokens.list(user)).map((t) => ({
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        scope: t.permissions === null ? "all of the user's" : t.permissions.join(', ') || 'none',
        expires: when(t.expiresAt),
        lastUsed: t.lastUsedAt === null ? 'never' : `${when(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}`,
      }))
    : [];
  const canAudit = await request.can('auth.view_auditlog');
  const audit = canAudit ? (await request.store.listAudit({ target: user.username, limit: 20 })).map((e) => auditRow(request, e)) : [];
  return request.render('admin/users/detail.html', user.username, {
    target: userRow(request, user),
    usable: gatehouse.hashers.isPasswordUsable(user.password),
    groups: groups.map((g) => ({ name: g.name, url: request.url(`/groups/${g.id}/`) })),
    effective: user.isActive ? effective : [],
    inactive: !user.isActive,
    superuser: user.isSuperuser && user.isActive,
    canSessions,
    sessions,
    canRevoke: await request.can('auth.delete_session'),
    revokeUrl: request.url(`/users/${user.id}/sessions/`),
    tokens,
    revokeTokenUrl: request.url(`/users/${user.id}/tokens/`),
    canAudit,
    audit,
    auditUrl: request.url(`/audit/?target=${encodeURIComponent(user.username)}`),
    canChange: await request.can('auth.change_user'),
    canDelete: await request.can('auth.delete_user'),
    urls: {
      change: request.url(`/users/${user.id}/change/`),
      flags: request.url(`/users/${user.id}/flags/`),
      password: request.url(`/users/${user.id}/password/`),
      delete: request.url(`/users/${user.id}/delete/`),
    },
  });
}

/** An audit entry as the admin's tables show it. */
export function auditRow(
  request: AdminRequest,
  e: { seq: number; at: number; actor: string | null; action: string; target: string | null; data: Record<string, unknown>; ip: string | null },
): Record<string, unknown> {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString().replace('T', ' ').slice(0, 19),
    actor: e.actor ?? '',
    actorUrl: e.actor ? request.url(`/users/?q=${encodeURIComponent(e.actor)}`) : '',
    action: e.action,
    target: e.target ?? '',
    targetUrl: e.target && !e.target.includes(' ') ? request.url(`/users/?q=${encodeURIComponent(e.target)}`) : '',
    data: Object.keys(e.data).length > 0 ? JSON.stringify(e.data).slice(0, 300) : '',
    ip: e.ip ?? '',
  };
}

interface ChangeForm {
  first_name: string;
  last_name: string;
  email: string;
  is_active: boolean;
  groups: string[];
  perms: string[];
}

async function changePage(request: AdminRequest, user: User, form: ChangeForm, errors: FieldErrors, status = 200): Promise<HttpResponse> {
  const groups = await request.gatehouse.groups.list();
  const permissions = (await request.gatehouse.stores.permissions.list()).map((p) => ({ name: `${p.appLabel}.${p.codename}`, label: p.name }));
  return request.render(
    'admin/users/change.html',
    `Change ${user.username}`,
    {
      target: userRow(request, user),
      form,
      errors,
      groups: groups.map((g) => ({ id: String(g.id), name: g.name, checked: form.groups.includes(String(g.id)) })),
      ...picker(
        request,
        permissions.map((p) => ({ ...p, checked: form.perms.includes(p.name) })),
      ),
      action: request.url(`/users/${user.id}/change/`),
      cancel: request.url(`/users/${user.id}/`),
    },
    status,
  );
}

/** GET `/users/:id/change/`. */
export async function changeUserGet(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'change');
  if (denied) return denied;
  const groups = await request.gatehouse.stores.groups.groupsOfUser(user.id);
  const rows = await request.gatehouse.stores.permissions.userPermissionRows(user.id);
  return changePage(
    request,
    user,
    {
      first_name: user.firstName,
      last_name: user.lastName,
      email: user.email,
      is_active: user.isActive,
      groups: groups.map((g) => String(g.id)),
      perms: [...rows.direct].sort(),
    },
    {},
  );
}

/** POST `/users/:id/change/`: every field checked first; on any error nothing is changed. */
export async function changeUserPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'change');
  if (denied) return denied;
  const http = request.exchange.request;
  const form: ChangeForm = {
    first_name: bodyField(http, 'first_name', 300),
    last_name: bodyField(http, 'last_name', 300),
    email: bodyField(http, 'email', 300),
    is_active: bodyFlag(http, 'is_active'),
    groups: [...new Set(bodyList(http, 'groups'))],
    perms: [...new Set(bodyList(http, 'perms'))],
  };
  const errors: FieldErrors = {};
  const gatehouse = request.gatehouse;
  if (form.first_name.length > 150) addError(errors, 'first_name', 'At most 150 characters.');
  if (form.last_name.length > 150) addError(errors, 'last_name', 'At most 150 characters.');
  let email = user.email;
  try {
    email = cleanEmail(form.email);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    fileError(errors, error);
  }
  const allGroups = await gatehouse.groups.list();
  const wantedGroups = allGroups.filter((g) => form.groups.includes(String(g.id)));
  if (wantedGroups.length !== form.groups.length) addError(errors, 'groups', 'Choose groups from the list.');
  const known = new Set((await gatehouse.stores.permissions.list()).map((p) => `${p.appLabel}.${p.codename}`));
  if (form.perms.some((p) => !known.has(p))) addError(errors, 'perms', 'Choose permissions from the list.');
  if (user.id === request.actor.id && !form.is_active) addError(errors, 'is_active', 'You cannot deactivate your own account.');

  const currentGroups = await gatehouse.stores.groups.groupsOfUser(user.id);
  const currentPerms = new Set((await gatehouse.stores.permissions.userPermissionRows(user.id)).direct);
  const addGroups = wantedGroups.filter((g) => !currentGroups.some((c) => c.id === g.id));
  const removeGroups = currentGroups.filter((c) => !wantedGroups.some((g) => g.id === c.id));
  const grant = form.perms.filter((p) => !currentPerms.has(p)).sort();
  const revoke = [...currentPerms].filter((p) => !form.perms.includes(p)).sort();
  if (!request.actor.isSuperuser) {
    // No one hands out more than they hold: a group's grants count as handed out by adding to it.
    const held = await request.permissions();
    const beyond = grant.filter((p) => !held.has(p));
    if (beyond.length > 0) addError(errors, 'perms', `You can only grant permissions you hold yourself (not ${beyond.join(', ')}).`);
    const byGroup = await gatehouse.stores.groups.permissionsByGroup();
    const tooStrong = addGroups.filter((g) => (byGroup.get(g.name) ?? []).some((p) => !held.has(p)));
    if (tooStrong.length > 0)
      addError(errors, 'groups', `You can only add users to groups whose permissions you hold yourself (not ${tooStrong.map((g) => g.name).join(', ')}).`);
  }
  if (!hasErrors(errors) && email !== user.email) {
    const clash = (await gatehouse.stores.users.findByEmail(email)).some((u) => u.id !== user.id);
    if (clash && gatehouse.config.emailUnique) addError(errors, 'email', 'This email is already taken.');
  }
  if (hasErrors(errors)) return changePage(request, user, form, errors, 400);

  const by = request.by();
  const changes: Record<string, [unknown, unknown]> = {};
  if (form.first_name !== user.firstName || form.last_name !== user.lastName) {
    await gatehouse.stores.users.update(user.id, { firstName: form.first_name, lastName: form.last_name });
    if (form.first_name !== user.firstName) changes.firstName = [user.firstName, form.first_name];
    if (form.last_name !== user.lastName) changes.lastName = [user.lastName, form.last_name];
  }
  let current = user;
  if (email !== user.email) {
    try {
      current = await gatehouse.accounts.setEmail(user, email, by);
    } catch (error) {
      if (!fileError(errors, error)) throw error;
      return changePage(request, user, form, errors, 400);
    }
    changes.email = [user.email, email];
  }
  if (form.is_active !== user.isActive) {
    current = await gatehouse.accounts.setActive(current, form.is_active, by);
    changes.isActive = [user.isActive, form.is_active];
  }
  for (const group of addGroups) await gatehouse.groups.addMember(current, group.name, by);
  for (const group of removeGroups) await gatehouse.accounts.removeFromGroup(current, group.name, by);
  if (addGroups.length + removeGroups.length > 0) changes.groups = [currentGroups.map((g) => g.name).sort(), wantedGroups.map((g) => g.name).sort()];
  for (const permission of grant) await gatehouse.accounts.grantPermission(current, permission, by);
  for (const permission of revoke) await gatehouse.accounts.revokePermission(current, permission, by);
  if (grant.length + revoke.length > 0) changes.permissions = [[...currentPerms].sort(), [...form.perms].sort()];
  if (Object.keys(changes).length > 0) await gatehouse.audit.record({ ...by, action: 'admin.user_change', target: user.username, data: { changes } });
  return request.redirect(`/users/${user.id}/`, 'saved');
}

async function flagsPage(request: AdminRequest, user: User, errors: FieldErrors, status = 200): Promise<HttpResponse> {
  return request.render(
    'admin/users/flags.html',
    `Status of ${user.username}`,
    {
      target: userRow(request, user),
      errors,
      mayGrantSuperuser: request.actor.isSuperuser,
      action: request.url(`/users/${user.id}/flags/`),
      cancel: request.url(`/users/${user.id}/`),
    },
    status,
  );
}

/** GET `/users/:id/flags/`: staff and superuser status (a recent password check first). */
export async function flagsGet(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  return (await superuserOnly(request, user, 'change')) ?? flagsPage(request, user, {});
}

/** POST `/users/:id/flags/`. */
export async function flagsPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'change');
  if (denied) return denied;
  const http = request.exchange.request;
  const staff = bodyFlag(http, 'is_staff');
  const superuser = bodyFlag(http, 'is_superuser');
  if (superuser !== user.isSuperuser && !request.actor.isSuperuser) {
    return request.exchange.deny({ kind: 'forbidden', reason: 'only a superuser may grant or remove superuser status' });
  }
  if (user.id === request.actor.id && (!staff || !superuser) && (user.isStaff !== staff || user.isSuperuser !== superuser)) {
    return flagsPage(request, user, { __all__: ['You cannot take away your own staff or superuser status here: ask another superuser.'] }, 400);
  }
  const by = request.by();
  const gatehouse = request.gatehouse;
  let current = user;
  const changes: Record<string, [boolean, boolean]> = {};
  if (staff !== user.isStaff) {
    current = await gatehouse.accounts.setStaff(current, staff, by);
    changes.isStaff = [user.isStaff, staff];
  }
  if (superuser !== user.isSuperuser) {
    current = await gatehouse.accounts.setSuperuser(current, superuser, by);
    changes.isSuperuser = [user.isSuperuser, superuser];
  }
  if (Object.keys(changes).length > 0) await gatehouse.audit.record({ ...by, action: 'admin.user_flags', target: user.username, data: { changes } });
  return request.redirect(`/users/${user.id}/`, 'flags');
}

async function passwordPage(request: AdminRequest, user: User, mode: string, errors: FieldErrors, status = 200): Promise<HttpResponse> {
  return request.render(
    'admin/users/password.html',
    `Password of ${user.username}`,
    {
      target: userRow(request, user),
      mode,
      errors,
      canMail: resetLinkProblem(request, user) === null,
      action: request.url(`/users/${user.id}/password/`),
      cancel: request.url(`/users/${user.id}/`),
    },
    status,
  );
}

/** GET `/users/:id/password/`. */
export async function passwordGet(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  return (await superuserOnly(request, user, 'change the password of')) ?? passwordPage(request, user, 'set', {});
}

/** POST `/users/:id/password/`: `mode` set (with the new password twice), `unusable` or `email` (a link). */
export async function passwordPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'change the password of');
  if (denied) return denied;
  const http = request.exchange.request;
  const mode = bodyField(http, 'mode', 10);
  const errors: FieldErrors = {};
  const by = request.by();
  if (mode === 'set') {
    const password1 = bodyField(http, 'password1', 4096);
    const password2 = bodyField(http, 'password2', 4096);
    if (password1 === '') addError(errors, 'password1', 'Enter a password.');
    else if (password1 !== password2) addError(errors, 'password2', 'The two passwords do not match.');
    else {
      for (const problem of request.gatehouse.accounts.passwordProblems(password1, user)) addError(errors, 'password1', problem.message);
    }
    if (hasErrors(errors)) return passwordPage(request, user, mode, errors, 400);
    await request.gatehouse.accounts.setPassword(user, password1, { ...by, validate: true, reason: 'auth.password_set' });
    return request.redirect(`/users/${user.id}/`, 'password');
  }
  if (mode === 'unusable') {
    await request.gatehouse.accounts.setPassword(user, null, by);
    return request.redirect(`/users/${user.id}/`, 'unusable');
  }
  if (mode === 'email') {
    const problem = resetLinkProblem(request, user);
    if (problem) return passwordPage(request, user, mode, { mode: [RESET_LINK_PROBLEMS[problem]] }, 400);
    await sendResetLink(request, user, false);
    return request.redirect(`/users/${user.id}/`, 'reset');
  }
  return passwordPage(request, user, 'set', { mode: ['Choose what to do.'] }, 400);
}

/** What deleting `user` removes, listed on the confirmation page and recorded in the audit entry. */
async function deletionSummary(request: AdminRequest, user: User): Promise<{ groups: string[]; permissions: string[]; sessions: number }> {
  const stores = request.gatehouse.stores;
  return {
    groups: (await stores.groups.groupsOfUser(user.id)).map((g) => g.name),
    permissions: (await stores.permissions.userPermissionRows(user.id)).direct.sort(),
    sessions: (await stores.sessions.list({ userId: user.id, limit: 10_000 })).length,
  };
}

/** GET `/users/:id/delete/`: the confirmation, listing what goes. */
export async function deleteUserGet(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'delete');
  if (denied) return denied;
  return request.render('admin/users/delete.html', `Delete ${user.username}`, {
    target: userRow(request, user),
    removes: await deletionSummary(request, user),
    self: user.id === request.actor.id,
    action: request.url(`/users/${user.id}/delete/`),
    cancel: request.url(`/users/${user.id}/`),
  });
}

/** POST `/users/:id/delete/`: needs `confirm=yes`; the audit log keeps its entries about the user. */
export async function deleteUserPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'delete');
  if (denied) return denied;
  const removes = await deletionSummary(request, user);
  const problem =
    user.id === request.actor.id
      ? 'You cannot delete your own account.'
      : bodyField(request.exchange.request, 'confirm', 10) !== 'yes'
        ? 'Tick the box to confirm.'
        : '';
  if (problem) {
    return request.render(
      'admin/users/delete.html',
      `Delete ${user.username}`,
      {
        target: userRow(request, user),
        removes,
        self: user.id === request.actor.id,
        errors: { confirm: [problem] },
        action: request.url(`/users/${user.id}/delete/`),
        cancel: request.url(`/users/${user.id}/`),
      },
      400,
    );
  }
  // Memberships, grants and sessions go with the row (foreign-key cascades).
  await request.gatehouse.stores.users.delete(user.id);
  await request.gatehouse.audit.record({
    ...request.by(),
    action: 'user.delete',
    target: user.username,
    data: { before: { email: user.email, isActive: user.isActive, isStaff: user.isStaff, isSuperuser: user.isSuperuser, ...removes } },
  });
  return request.redirect('/users/', 'deleted');
}

/** POST `/users/:id/sessions/`: `session=<hash>` ends one, `all=1` ends every one. */
export async function revokeSessionsPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'end the sessions of');
  if (denied) return denied;
  const http = request.exchange.request;
  const by = request.by();
  if (bodyField(http, 'all', 5) === '1') {
    await request.gatehouse.accounts.logoutEverywhere(user, by);
    return request.redirect(`/users/${user.id}/`, 'revoked_all');
  }
  const hash = bodyField(http, 'session', 100);
  const session = /^[0-9a-f]{64}$/.test(hash) ? await request.gatehouse.stores.sessions.get(hash) : null;
  if (!session || session.userId !== user.id) {
    return request.render(
      'admin/message.html',
      'Session not found',
      { heading: 'Session not found', message: 'That session has already ended, or is not one of this user’s.', back: request.url(`/users/${user.id}/`) },
      400,
    );
  }
  await request.gatehouse.sessions.endByHash(hash);
  await request.gatehouse.audit.record({ ...by, action: 'sessions.revoke', target: user.username, data: { session: hash.slice(0, 16) } });
  return request.redirect(`/users/${user.id}/`, 'revoked');
}

/** POST `/users/:id/tokens/`: `token=<id>` revokes one of the user's API tokens, `all=1` every one. */
export async function revokeTokensPost(request: AdminRequest): Promise<HttpResponse> {
  const user = await targetUser(request);
  const denied = await superuserOnly(request, user, 'revoke the API tokens of');
  if (denied) return denied;
  const http = request.exchange.request;
  const by = request.by();
  if (bodyField(http, 'all', 5) === '1') {
    await request.gatehouse.apiTokens.revokeAllForUser(user, { actor: by.actor ?? null, reason: 'admin', ip: by.ip ?? null });
    return request.redirect(`/users/${user.id}/`, 'tokens_revoked');
  }
  const raw = bodyField(http, 'token', 20);
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
  const token = Number.isSafeInteger(id) ? await request.gatehouse.apiTokens.get(id) : null;
  if (!token || token.userId !== user.id) {
    return request.render(
      'admin/message.html',
      'Token not found',
      { heading: 'Token not found', message: 'That token is already revoked, or is not one of this user’s.', back: request.url(`/users/${user.id}/`) },
      400,
    );
  }
  await request.gatehouse.apiTokens.revoke(id, { actor: by.actor ?? null, ip: by.ip ?? null });
  return request.redirect(`/users/${user.id}/`, 'token_revoked');
}
