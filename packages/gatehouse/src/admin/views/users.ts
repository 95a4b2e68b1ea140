/** The users list (keyset pages, prefix search, filters) and the create form. */
import type { AdminUserQuery } from '../../core/ports.js';
import type { User } from '../../core/user.js';
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type FieldErrors, addError, bodyField, fileError, hasErrors, parseId, query } from '../forms.js';
import { RESET_LINK_PROBLEMS, resetLinkProblem, sendResetLink } from '../reset-link.js';

const PAGE = 50;

/** A user as the lists show them. */
export function userRow(request: AdminRequest, user: User): Record<string, unknown> {
  return {
    id: user.id,
    url: request.url(`/users/${user.id}/`),
    username: user.username,
    email: user.email,
    name: `${user.firstName} ${user.lastName}`.trim(),
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    dateJoined: new Date(user.dateJoined).toISOString().slice(0, 10),
    lastLogin: user.lastLogin === null ? 'never' : new Date(user.lastLogin).toISOString().replace('T', ' ').slice(0, 16),
  };
}

function triState(value: string): boolean | undefined | null {
  if (value === '') return undefined;
  if (value === 'yes') return true;
  if (value === 'no') return false;
  return null;
}

/** GET `/users/`. */
export async function userList(request: AdminRequest): Promise<HttpResponse> {
  const http = request.exchange.request;
  const errors: FieldErrors = {};
  const form = {
    q: query(http, 'q', 254),
    active: query(http, 'active'),
    staff: query(http, 'staff'),
    superuser: query(http, 'superuser'),
    group: query(http, 'group'),
  };
  const q: AdminUserQuery = { limit: PAGE };
  if (form.q.trim() !== '') q.search = form.q.trim();
  for (const [field, key] of [
    ['active', 'isActive'],
    ['staff', 'isStaff'],
    ['superuser', 'isSuperuser'],
  ] as const) {
    const value = triState(form[field]);
    if (value === null) addError(errors, field, 'Choose yes, no or either.');
    else if (value !== undefined) q[key] = value;
  }
  const groups = await request.gatehouse.groups.list();
  if (form.group !== '') {
    const id = parseId(form.group);
    if (id === null || !groups.some((g) => g.id === id)) addError(errors, 'group', 'Choose a group from the list.');
    else q.groupId = id;
  }
  const after = decodeCursor(query(http, 'after', 500));
  if (after === null) addError(errors, 'after', 'This page link is not valid: start again from the first page.');
  else if (after !== undefined) q.after = after;
  const page = hasErrors(errors) ? { users: [] } : await request.store.listUsers(q);
  let nextUrl = '';
  if ('next' in page && page.next) {
    const params = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== ''));
    params.set('after', encodeCursor(page.next));
    nextUrl = `${request.url('/users/')}?${params}`;
  }
  return request.render(
    'admin/users/list.html',
    'Users',
    {
      form,
      errors,
      groups,
      users: page.users.map((u) => userRow(request, u)),
      nextUrl,
      firstUrl: after ? `${request.url('/users/')}?${new URLSearchParams(Object.entries(form).filter(([, v]) => v !== ''))}` : '',
      canAdd: await request.can('auth.add_user'),
      addUrl: request.url('/users/add/'),
    },
    hasErrors(errors) ? 400 : 200,
  );
}

interface AddForm {
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  mode: string;
}

function addPage(request: AdminRequest, form: AddForm, errors: FieldErrors, status = 200): Promise<HttpResponse> {
  return request.render(
    'admin/users/add.html',
    'Add user',
    { form, errors, action: request.url('/users/add/'), canMail: request.site.mailer !== null },
    status,
  );
}

/** GET `/users/add/`. */
export function addUserGet(request: AdminRequest): Promise<HttpResponse> {
  return addPage(request, { username: '', email: '', first_name: '', last_name: '', mode: 'set' }, {});
}

/** POST `/users/add/`: with a password, or unusable and a mailed link to set one. */
export async function addUserPost(request: AdminRequest): Promise<HttpResponse> {
  const http = request.exchange.request;
  const form: AddForm = {
    username: bodyField(http, 'username', 300),
    email: bodyField(http, 'email', 300),
    first_name: bodyField(http, 'first_name', 300),
    last_name: bodyField(http, 'last_name', 300),
    mode: bodyField(http, 'mode', 10),
  };
  const errors: FieldErrors = {};
  const password1 = bodyField(http, 'password1', 4096);
  const password2 = bodyField(http, 'password2', 4096);
  if (form.first_name.length > 150) addError(errors, 'first_name', 'At most 150 characters.');
  if (form.last_name.length > 150) addError(errors, 'last_name', 'At most 150 characters.');
  if (form.mode !== 'set' && form.mode !== 'email') addError(errors, 'mode', 'Choose how the password is set.');
  if (form.mode === 'set') {
    if (password1 === '') addError(errors, 'password1', 'Enter a password.');
    else if (password1 !== password2) addError(errors, 'password2', 'The two passwords do not match.');
  }
  if (form.mode === 'email') {
    if (form.email.trim() === '') addError(errors, 'email', 'An email address is needed to send a link.');
    else {
      const problem = resetLinkProblem(request, { email: form.email });
      if (problem) addError(errors, 'mode', RESET_LINK_PROBLEMS[problem]);
    }
  }
  if (hasErrors(errors)) return addPage(request, form, errors, 400);
  let user: User;
  try {
    user = await request.gatehouse.accounts.createUser(
      {
        username: form.username,
        email: form.email,
        firstName: form.first_name,
        lastName: form.last_name,
        password: form.mode === 'set' ? password1 : null,
        validatePassword: true,
      },
      request.by(),
    );
  } catch (error) {
    if (!fileError(errors, error)) throw error;
    return addPage(request, form, errors, 400);
  }
  if (form.mode === 'email') {
    await sendResetLink(request, user, true);
    return request.redirect(`/users/${user.id}/`, 'invited');
  }
  return request.redirect(`/users/${user.id}/`, 'created');
}
