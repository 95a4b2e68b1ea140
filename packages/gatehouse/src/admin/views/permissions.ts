/** Every permission (declared in code, or orphaned: in the database but no longer declared) and who holds one. */
import { NotFoundError } from '../../core/errors.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';
import { addError, hasErrors, parseId, query, type FieldErrors } from '../forms.js';
import { userRow } from './users.js';
import { byApp } from './user.js';

/** GET `/permissions/`. */
export async function permissionList(request: AdminRequest): Promise<HttpResponse> {
  const declared = new Set(request.gatehouse.permissionNames);
  const rows = (await request.gatehouse.stores.permissions.list()).map((p) => {
    const name = `${p.appLabel}.${p.codename}`;
    return { name, label: p.name, model: p.model ?? '', declared: declared.has(name), url: request.url(`/permissions/${encodeURIComponent(name)}/`) };
  });
  return request.render('admin/permissions/list.html', 'Permissions', { apps: byApp(rows), orphaned: rows.filter((r) => !r.declared).length });
}

/** GET `/permissions/:name/`: holders through groups or direct grants, paged by user id; superusers apart. */
export async function permissionDetail(request: AdminRequest): Promise<HttpResponse> {
  const name = request.params.name ?? '';
  const permission = (await request.gatehouse.stores.permissions.list()).find((p) => `${p.appLabel}.${p.codename}` === name);
  if (!permission) throw new NotFoundError('permission', 'No such permission.');
  const errors: FieldErrors = {};
  const afterText = query(request.exchange.request, 'after', 20);
  const after = afterText === '' ? undefined : parseId(afterText);
  if (after === null) addError(errors, 'after', 'This page link is not valid.');
  const limit = 50;
  const holders = hasErrors(errors) ? [] : await request.store.permissionHolders(name, { limit: limit + 1, ...(after ? { afterId: after } : {}) });
  const superusers = await request.store.listUsers({ isSuperuser: true, isActive: true, limit: 50 });
  const page = holders.slice(0, limit);
  return request.render(
    'admin/permissions/detail.html',
    name,
    {
      permission: { name, label: permission.name, declared: request.gatehouse.permissionNames.includes(name) },
      holders: page.map((h) => ({ ...userRow(request, h.user), direct: h.direct, groups: h.groups })),
      superusers: superusers.users.map((u) => userRow(request, u)),
      nextUrl: holders.length > limit ? `${request.url(`/permissions/${encodeURIComponent(name)}/`)}?after=${page[page.length - 1]!.user.id}` : '',
      errors,
    },
    hasErrors(errors) ? 400 : 200,
  );
}
