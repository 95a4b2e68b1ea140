/**
 * Who may open what, over real HTTP on every test database: every screen and every action × a
 * staff user holding exactly its permission (allowed), a staff user without it (bland 403, nothing
 * changed), a non-staff user (403) and an anonymous one (login); the example's contract rows
 * (root, lead, ops, fin, sam); the headers every admin answer carries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import { type AdminWorld, startAdmin } from './helpers.js';

describe.each(testDatabases())('admin access on $label', ({ kind }) => {
  let world: AdminWorld;
  let userId = 0;
  let groupId = 0;

  beforeAll(async () => {
    world = await startAdmin(kind);
    userId = world.users.alice!.id;
    groupId = (await world.app.t.gatehouse.stores.groups.getByName('Support'))!.id;
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Every GET screen with the one permission that opens it. */
  const screens = (): [string, string][] => [
    ['/admin/users/', 'auth.view_user'],
    ['/admin/users/add/', 'auth.add_user'],
    [`/admin/users/${userId}/`, 'auth.view_user'],
    [`/admin/users/${userId}/change/`, 'auth.change_user'],
    [`/admin/users/${userId}/flags/`, 'auth.change_user'],
    [`/admin/users/${userId}/password/`, 'auth.change_user'],
    [`/admin/users/${userId}/delete/`, 'auth.delete_user'],
    ['/admin/groups/', 'auth.view_group'],
    ['/admin/groups/add/', 'auth.add_group'],
    [`/admin/groups/${groupId}/`, 'auth.view_group'],
    [`/admin/groups/${groupId}/change/`, 'auth.change_group'],
    [`/admin/groups/${groupId}/delete/`, 'auth.delete_group'],
    ['/admin/permissions/', 'auth.view_permission'],
    ['/admin/permissions/auth.view_user/', 'auth.view_permission'],
    ['/admin/audit/', 'auth.view_auditlog'],
    ['/admin/audit/verify/', 'auth.view_auditlog'],
    ['/admin/audit/export/?format=csv', 'auth.view_auditlog'],
    ['/admin/matrix/', 'auth.view_permission'],
  ];

  it('opens each screen to a staff user holding exactly its permission, and refuses it (403) to one holding the others', async () => {
    const clients = new Map<string, Awaited<ReturnType<AdminWorld['as']>>>();
    const holder = async (permission: string) => {
      const name = `p_${permission.slice(5)}`;
      if (!clients.has(name)) clients.set(name, await world.as(name));
      return clients.get(name)!;
    };
    const all = [
      'auth.view_user',
      'auth.add_user',
      'auth.change_user',
      'auth.delete_user',
      'auth.view_group',
      'auth.add_group',
      'auth.change_group',
      'auth.delete_group',
      'auth.view_permission',
      'auth.view_auditlog',
    ];
    for (const [url, permission] of screens()) {
      const allowed = await (await holder(permission)).get(url);
      expect(allowed.status, `${url} with ${permission}`).toBe(200);
      for (const other of all.filter((p) => p !== permission)) {
        // Holding another permission that happens to open the same screen is no refusal.
        if (screens().some(([u, p]) => u === url && p === other)) continue;
        const refused = await (await holder(other)).get(url);
        expect(refused.status, `${url} with only ${other}`).toBe(403);
        expect(refused.body).not.toContain(permission);
      }
    }
  });

  it('refuses non-staff users (403) and sends anonymous ones to log in, on every screen and action', async () => {
    const sam = await world.as('sam');
    const anonymous = world.anonymous();
    for (const [url] of [['/admin/', ''], ...screens()] as [string, string][]) {
      expect((await sam.get(url)).status, url).toBe(403);
      const login = await anonymous.get(url);
      expect(login.status, url).toBe(302);
      const target = new URL(login.location!, world.origin);
      expect(target.pathname).toBe('/accounts/login/');
      expect(target.searchParams.get('next')).toBe(url);
    }
    const token = await sam.client.request('/accounts/password_change/').then(() => sam.client.lastToken);
    const post = await sam.postRaw(`/admin/users/${userId}/change/`, { csrfmiddlewaretoken: token, first_name: 'X' });
    expect(post.status).toBe(403);
    expect((await world.user('alice'))!.firstName).toBe('');
  });

  it('shows each staff user an index of only what they may open (ops and fin: nothing), root everything', async () => {
    const rootIndex = await (await world.as('root')).get('/admin/');
    expect(rootIndex.status).toBe(200);
    for (const section of ['Users', 'Groups', 'Permissions', 'Audit log', 'Access matrix']) expect(rootIndex.body).toContain(`<strong>${section}</strong>`);
    for (const name of ['ops', 'fin']) {
      const index = await (await world.as(name)).get('/admin/');
      expect(index.status).toBe(200);
      expect(index.body).toContain('There is nothing here you may open');
      expect(index.body).not.toContain('/admin/users/');
    }
    const lead = await (await world.as('lead')).get('/admin/');
    expect(lead.body).toContain('<strong>Users</strong>');
    expect(lead.body).not.toContain('<strong>Groups</strong>');
  });

  it('follows the example contract: lead views users but not changes them; ops and fin get 403 on each screen', async () => {
    const lead = await world.as('lead');
    expect((await lead.get('/admin/users/')).status).toBe(200);
    expect((await lead.get(`/admin/users/${userId}/`)).status).toBe(200);
    expect((await lead.get(`/admin/users/${userId}/change/`)).status).toBe(403);
    const refused = await lead.post(`/admin/users/${userId}/`, { first_name: 'Changed' }, `/admin/users/${userId}/change/`);
    expect(refused.status).toBe(403);
    expect((await world.user('alice'))!.firstName).toBe('');
    expect((await lead.get('/admin/groups/')).status).toBe(403);
    for (const name of ['ops', 'fin']) {
      const client = await world.as(name);
      for (const url of [
        '/admin/users/',
        `/admin/users/${userId}/`,
        '/admin/groups/',
        `/admin/groups/${groupId}/`,
        '/admin/permissions/',
        '/admin/audit/',
        '/admin/matrix/',
      ]) {
        const page = await client.get(url);
        expect(page.status, `${name} ${url}`).toBe(403);
        // Bland: the page names no permission, id or internal.
        expect(page.body).not.toMatch(/auth\.|view_user|permission required/);
      }
    }
    const rootDetail = await (await world.as('root')).get(`/admin/users/${userId}/`);
    expect(rootDetail.body).toContain('Edit details, groups and permissions');
    const leadDetail = await lead.get(`/admin/users/${userId}/`);
    expect(leadDetail.body).not.toContain('Edit details, groups and permissions');
  });

  it('refuses every action (POST) to a staff user without its permission and changes nothing', async () => {
    const ops = await world.as('ops');
    const token = await ops.token();
    const before = await world.app.t.gatehouse.stores.audit.head();
    const groupPermsBefore = (await world.app.t.gatehouse.stores.groups.permissions(groupId)).sort();
    const posts: [string, Record<string, string>][] = [
      ['/admin/users/add/', { username: 'ghost', mode: 'set', password1: 'Tundra-Quokka-5841-Velvet', password2: 'Tundra-Quokka-5841-Velvet' }],
      [`/admin/users/${userId}/change/`, { first_name: 'X', email: 'alice@example.com', is_active: '1' }],
      [`/admin/users/${userId}/flags/`, { is_staff: '1' }],
      [`/admin/users/${userId}/password/`, { mode: 'unusable' }],
      [`/admin/users/${userId}/delete/`, { confirm: 'yes' }],
      [`/admin/users/${userId}/sessions/`, { all: '1' }],
      ['/admin/groups/add/', { name: 'Ghosts' }],
      [`/admin/groups/${groupId}/change/`, { perms: 'auth.view_user' }],
      [`/admin/groups/${groupId}/delete/`, { confirm: 'yes' }],
    ];
    for (const [url, fields] of posts) {
      const res = await ops.postRaw(url, { csrfmiddlewaretoken: token, ...fields });
      expect(res.status, url).toBe(403);
    }
    expect(await world.user('ghost')).toBeNull();
    expect(await world.app.t.gatehouse.stores.groups.getByName('Ghosts')).toBeNull();
    const alice = (await world.user('alice'))!;
    expect(alice).toMatchObject({ firstName: '', isStaff: false, isActive: true });
    expect(world.app.t.gatehouse.hashers.isPasswordUsable(alice.password)).toBe(true);
    expect((await world.app.t.gatehouse.stores.groups.permissions(groupId)).sort()).toEqual(groupPermsBefore);
    expect(groupPermsBefore).toContain('auth.view_user');
    // Nothing was audited as done (the refusals are logged, not audited as changes).
    const after = await world.app.t.gatehouse.stores.audit.list({ fromSeq: (before?.seq ?? 0) + 1, limit: 100 });
    expect(after.filter((e) => !['auth.login', 'access.denied'].includes(e.action))).toEqual([]);
  });

  it('refuses a POST without a CSRF token, before anything is done', async () => {
    const root = await world.as('root');
    const res = await root.postRaw('/admin/groups/add/', { name: 'NoToken' });
    expect(res.status).toBe(403);
    expect(res.body).toContain('Form expired');
    expect(await world.app.t.gatehouse.stores.groups.getByName('NoToken')).toBeNull();
    const forged = await root.postRaw('/admin/groups/add/', { name: 'NoToken', csrfmiddlewaretoken: 'x'.repeat(64) });
    expect(forged.status).toBe(403);
    expect(await world.app.t.gatehouse.stores.groups.getByName('NoToken')).toBeNull();
  });

  it('sends a strict CSP, no-store and same-origin referrers on every admin answer, refusals and 404s included', async () => {
    const root = await world.as('root');
    const ops = await world.as('ops');
    for (const res of [
      await root.get('/admin/users/'),
      await ops.get('/admin/users/'),
      await root.get('/admin/users/999999/'),
      await world.anonymous().get('/admin/users/'),
    ]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("script-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('same-origin');
    }
    const page = await root.get('/admin/users/');
    expect(page.body).not.toMatch(/<script|style=/);
    expect((await root.get('/admin/users/999999/')).status).toBe(404);
    expect((await root.get('/admin/users/abc/')).status).toBe(404);
    const css = await world.anonymous().get('/admin/admin.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    const wrongMethod = await root.client.request('/admin/users/', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
  });

  it('lists the admin routes in the inventory as staff routes, and renders the access matrix from it', async () => {
    const routes = world.app.app.gatehouseRoutes();
    expect(routes.find((r) => r.url === '/admin/users/' && r.method === 'GET')?.access).toBe('staff');
    const matrix = await (await world.as('root')).get('/admin/matrix/');
    expect(matrix.status).toBe(200);
    expect(matrix.body).toContain('GET /admin/users/');
    expect(matrix.body).toContain('Finance Approver');
    // An admin screen is worked out as staff + its permission: Support (auth.view_user) reaches
    // the users list with the staff flag, Finance Approver does not at all.
    const row = /<code>GET \/admin\/users\/<\/code><\/th><td>staff \+ auth\.view_user<\/td>(.*?)<\/tr>/.exec(matrix.body.replace(/\n/g, ''));
    expect(row).not.toBeNull();
    const cells = [...row![1]!.matchAll(/<td class="reach[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
    const columns = [...matrix.body.matchAll(/<th scope="col">([^<(]+?)(?: \(ad hoc\))?<\/th>/g)].map((m) => m[1]).slice(2);
    expect(Object.fromEntries(columns.map((c, i) => [c, cells[i]]))).toMatchObject({
      anonymous: 'no',
      Support: 'staff only',
      'Finance Approver': 'no',
      Admin: 'staff only',
    });
  });
});
