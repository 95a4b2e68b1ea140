/**
 * CONTRACT.md's `/admin/` row against the example app running as a real process, on SQLite and
 * PostgreSQL: root sees everything; lead (staff + Support: auth.view_user) may view users but not
 * change them; ops and fin (staff, no auth.* permission) get an index with nothing to open and
 * 403 on each screen; sam (not staff) → 403; anonymous → login.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { HTML, HttpClient } from '../e2e/support/client.js';
import { DEMO_PASSWORD, type ExampleProcess, exampleEnv, requireBuild, startExample } from '../e2e/support/example-process.js';

const SCREENS = ['/admin/users/', '/admin/groups/', '/admin/permissions/', '/admin/audit/', '/admin/matrix/'];

for (const database of testDatabases()) {
  describe(`the example's /admin/ contract (${database.label})`, () => {
    let fresh: FreshDatabase;
    let server: ExampleProcess;
    const clients: Record<string, HttpClient> = {};

    beforeAll(async () => {
      requireBuild();
      fresh = await freshDatabaseUrl(database.kind);
      server = await startExample(exampleEnv(fresh.url));
      for (const user of ['root', 'lead', 'ops', 'fin', 'sam']) {
        clients[user] = new HttpClient(server.url, HTML);
        await clients[user].login(user, DEMO_PASSWORD);
      }
      clients.anonymous = new HttpClient(server.url, HTML);
    }, 90_000);

    afterAll(async () => {
      await server?.stop();
      await fresh?.drop();
    });

    async function userId(name: string): Promise<string> {
      const list = await clients.root!.request(`/admin/users/?q=${name}`);
      const id = new RegExp(`href="/admin/users/(\\d+)/">${name}</a>`).exec(list.body)?.[1];
      if (!id) throw new Error(`no user ${name} in the admin list`);
      return id;
    }

    test('root opens every screen, a user, a group and can change them', async () => {
      for (const url of ['/admin/', ...SCREENS]) expect((await clients.root!.request(url)).status, url).toBe(200);
      const alice = await userId('alice');
      expect((await clients.root!.request(`/admin/users/${alice}/`)).body).toContain('Effective permissions');
      expect((await clients.root!.request(`/admin/users/${alice}/change/`)).status).toBe(200);
      const groups = await clients.root!.request('/admin/groups/');
      const support = /href="\/admin\/groups\/(\d+)\/">Support</.exec(groups.body)?.[1];
      expect((await clients.root!.request(`/admin/groups/${support}/`)).body).toContain('role kept in code');
      const saved = await clients.root!.submit(`/admin/users/${alice}/change/`, {
        first_name: 'Alice',
        last_name: '',
        email: 'alice@example.com',
        is_active: '1',
        groups: '',
      });
      expect(saved.status).toBe(400); // an empty group id is not a group: refused, nothing changed
      const ok = await clients.root!.submit(`/admin/users/${alice}/change/`, {
        first_name: 'Alice',
        last_name: '',
        email: 'alice@example.com',
        is_active: '1',
      });
      expect(ok.status).toBe(303);
      expect((await clients.root!.request(`/admin/users/${alice}/`)).body).toContain('Alice');
    });

    test('lead may view users but not change them, and opens nothing else', async () => {
      const lead = clients.lead!;
      const index = await lead.request('/admin/');
      expect(index.status).toBe(200);
      expect(index.body).toContain('<strong>Users</strong>');
      expect((await lead.request('/admin/users/')).status).toBe(200);
      const bob = await userId('bob');
      expect((await lead.request(`/admin/users/${bob}/`)).status).toBe(200);
      expect((await lead.request(`/admin/users/${bob}/change/`)).status).toBe(403);
      const post = await lead.submit('/admin/users/', { first_name: 'Hacked', email: 'bob@example.com', is_active: '1' }, `/admin/users/${bob}/change/`);
      expect(post.status).toBe(403);
      expect((await clients.root!.request(`/admin/users/${bob}/`)).body).not.toContain('Hacked');
      for (const url of SCREENS.slice(1)) expect((await lead.request(url)).status, url).toBe(403);
    });

    test('ops and fin see an index with nothing to open and 403 on each screen', async () => {
      for (const name of ['ops', 'fin']) {
        const index = await clients[name]!.request('/admin/');
        expect(index.status).toBe(200);
        expect(index.body).toContain('There is nothing here you may open');
        for (const url of SCREENS) {
          const res = await clients[name]!.request(url);
          expect(res.status, `${name} ${url}`).toBe(403);
          expect(res.body).toContain('Access denied');
        }
      }
    });

    test('sam (not staff) is refused and anonymous visitors are sent to log in', async () => {
      for (const url of ['/admin/', ...SCREENS]) {
        expect((await clients.sam!.request(url)).status, url).toBe(403);
        const anonymous = await clients.anonymous!.request(url);
        expect(anonymous.status, url).toBe(302);
        expect(anonymous.location).toBe(`/accounts/login/?next=${url}`);
      }
    });
  });
}
