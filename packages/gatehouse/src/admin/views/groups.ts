/**
 * Groups: the list, create, the detail (members, permissions, and whether the group is a role
 * kept in code and drifted from it), the permission picker (checkboxes in one fieldset per app,
 * no script) and delete. Changing what a group grants, or deleting it, needs a recent password
 * check; a non-superuser grants only permissions they hold.
 */
import { NotFoundError } from '../../core/errors.js';
import type { GroupRecord } from '../../core/ports.js';
import type { RoleDrift } from '../../core/roles.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';
import { type FieldErrors, addError, bodyField, bodyList, fileError, hasErrors, parseId } from '../forms.js';
import { userRow } from './users.js';
import { byApp, picker } from './user.js';

async function targetGroup(request: AdminRequest): Promise<GroupRecord> {
  const id = parseId(request.params.id);
  const group = id === null ? null : await request.store.getGroup(id);
  if (!group) throw new NotFoundError('group', 'No such group.');
  return group;
}

/** Role status of a group: declared in code or not, and its drift when declared. */
async function roleStatus(request: AdminRequest, name: string): Promise<{ role: boolean; drift: RoleDrift | null }> {
  const plan = await request.gatehouse.planRoles();
  const role = !plan.undeclaredGroups.includes(name);
  return { role, drift: plan.drift.find((d) => d.role === name) ?? null };
}

/** GET `/groups/`. */
export async function groupList(request: AdminRequest): Promise<HttpResponse> {
  const plan = await request.gatehouse.planRoles();
  const groups = (await request.store.groupSummaries()).map((g) => ({
    ...g,
    url: request.url(`/groups/${g.id}/`),
    role: !plan.undeclaredGroups.includes(g.name),
    drifted: plan.drift.some((d) => d.role === g.name),
  }));
  return request.render('admin/groups/list.html', 'Groups', { groups, canAdd: await request.can('auth.add_group'), addUrl: request.url('/groups/add/') });
}

/** GET `/groups/add/`. */
export function addGroupGet(request: AdminRequest): Promise<HttpResponse> {
  return request.render('admin/groups/add.html', 'Add group', { form: { name: '' }, action: request.url('/groups/add/') });
}

/** POST `/groups/add/`. */
export async function addGroupPost(request: AdminRequest): Promise<HttpResponse> {
  const name = bodyField(request.exchange.request, 'name', 300);
  const errors: FieldErrors = {};
  try {
    const group = await request.gatehouse.groups.create(name, request.by());
    return request.redirect(`/groups/${group.id}/`, 'group_created');
  } catch (error) {
    if (!fileError(errors, error)) throw error;
    return request.render('admin/groups/add.html', 'Add group', { form: { name }, errors, action: request.url('/groups/add/') }, 400);
  }
}

/** GET `/groups/:id/`. */
export async function groupDetail(request: AdminRequest): Promise<HttpResponse> {
  const group = await targetGroup(request);
  const permissions = await request.gatehouse.stores.groups.permissions(group.id);
  const members = await request.store.groupMembers(group.id, { limit: 200 });
  const status = await roleStatus(request, group.name);
  return request.render('admin/groups/detail.html', group.name, {
    group,
    ...status,
    permissions: byApp(permissions.map((name) => ({ name }))),
    members: members.map((u) => userRow(request, u)),
    membersUrl: request.url(`/users/?group=${group.id}`),
    canChange: await request.can('auth.change_group'),
    canDelete: await request.can('auth.delete_group'),
    urls: { change: request.url(`/groups/${group.id}/change/`), delete: request.url(`/groups/${group.id}/delete/`) },
  });
}

async function changePage(request: AdminRequest, group: GroupRecord, checked: readonly string[], errors: FieldErrors, status = 200): Promise<HttpResponse> {
  const all = (await request.gatehouse.stores.permissions.list()).map((p) => ({
    name: `${p.appLabel}.${p.codename}`,
    label: p.name,
    checked: checked.includes(`${p.appLabel}.${p.codename}`),
  }));
  return request.render(
    'admin/groups/change.html',
    `Permissions of ${group.name}`,
    {
      group,
      ...(await roleStatus(request, group.name)),
      ...picker(request, all),
      errors,
      action: request.url(`/groups/${group.id}/change/`),
      cancel: request.url(`/groups/${group.id}/`),
    },
    status,
  );
}

/** GET `/groups/:id/change/`. */
export async function changeGroupGet(request: AdminRequest): Promise<HttpResponse> {
  const group = await targetGroup(request);
  return changePage(request, group, await request.gatehouse.stores.groups.permissions(group.id), {});
}

/** POST `/groups/:id/change/`: the ticked permissions become the group's. */
export async function changeGroupPost(request: AdminRequest): Promise<HttpResponse> {
  const group = await targetGroup(request);
  const wanted = [...new Set(bodyList(request.exchange.request, 'perms'))];
  const errors: FieldErrors = {};
  const gatehouse = request.gatehouse;
  const known = new Set((await gatehouse.stores.permissions.list()).map((p) => `${p.appLabel}.${p.codename}`));
  if (wanted.some((p) => !known.has(p))) addError(errors, 'perms', 'Choose permissions from the list.');
  const before = await gatehouse.stores.groups.permissions(group.id);
  const add = wanted.filter((p) => !before.includes(p)).sort();
  const remove = before.filter((p) => !wanted.includes(p)).sort();
  if (!request.actor.isSuperuser) {
    const held = await request.permissions();
    const beyond = add.filter((p) => !held.has(p));
    if (beyond.length > 0) addError(errors, 'perms', `You can only grant permissions you hold yourself (not ${beyond.join(', ')}).`);
  }
  if (hasErrors(errors)) return changePage(request, group, wanted, errors, 400);
  const by = request.by();
  if (add.length > 0) await gatehouse.groups.addPermissions(group.name, add, by);
  if (remove.length > 0) await gatehouse.groups.removePermissions(group.name, remove, by);
  if (add.length + remove.length > 0) {
    await gatehouse.audit.record({ ...by, action: 'admin.group_change', target: group.name, data: { changes: { permissions: [before, [...wanted].sort()] } } });
  }
  return request.redirect(`/groups/${group.id}/`, 'group_saved');
}

/** GET `/groups/:id/delete/`: the confirmation, with the members whose sessions will end. */
export async function deleteGroupGet(request: AdminRequest): Promise<HttpResponse> {
  const group = await targetGroup(request);
  return deletePage(request, group, {});
}

async function deletePage(request: AdminRequest, group: GroupRecord, errors: FieldErrors, status = 200): Promise<HttpResponse> {
  const members = await request.gatehouse.stores.groups.memberIds(group.id);
  const permissions = await request.gatehouse.stores.groups.permissions(group.id);
  return request.render(
    'admin/groups/delete.html',
    `Delete ${group.name}`,
    {
      group,
      ...(await roleStatus(request, group.name)),
      members: members.length,
      permissions,
      errors,
      action: request.url(`/groups/${group.id}/delete/`),
      cancel: request.url(`/groups/${group.id}/`),
    },
    status,
  );
}

/** POST `/groups/:id/delete/`: needs `confirm=yes`; members' sessions end (core rule). */
export async function deleteGroupPost(request: AdminRequest): Promise<HttpResponse> {
  const group = await targetGroup(request);
  if (bodyField(request.exchange.request, 'confirm', 10) !== 'yes') return deletePage(request, group, { confirm: ['Tick the box to confirm.'] }, 400);
  await request.gatehouse.groups.delete(group.name, request.by());
  return request.redirect('/groups/', 'group_deleted');
}
