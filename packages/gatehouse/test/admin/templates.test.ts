/**
 * The admin's templates are looked up as the account views' are: the app's `templatesDir` first,
 * so an app replaces one screen (or the layout, or the stylesheet) by a file of the same name; the
 * admin is opt-in and mounts under the prefix it is given.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type TestApp, buildApp } from '../fastify/helpers.js';

describe('admin templates and mounting', () => {
  let dir: string;
  let app: TestApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-admin-templates-'));
    await mkdir(join(dir, 'admin'), { recursive: true });
    await writeFile(join(dir, 'admin', 'index.html'), "<% layout('/admin/layout.html') %>\n<h1>Our own console</h1>\n");
    await writeFile(join(dir, 'admin', 'admin.css'), 'body { color: rebeccapurple; }\n');
    app = await buildApp({ plugin: { admin: { prefix: '/staff' }, templatesDir: dir } });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("renders the app's index inside the default layout, and serves the app's stylesheet", async () => {
    const client = Client.inject(app.app);
    await client.login('root');
    const index = await client.request('/staff/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<h1>Our own console</h1>');
    expect(index.body).toContain('href="/staff/admin.css"');
    // Screens the app did not replace keep the defaults.
    expect((await client.request('/staff/users/')).body).toContain('<h1>Users</h1>');
    expect((await client.request('/staff/admin.css')).body).toContain('rebeccapurple');
    expect((await client.request('/admin/')).status).toBe(404);
  });

  it('mounts nothing without the admin option', async () => {
    const plain = await buildApp();
    try {
      const client = Client.inject(plain.app);
      await client.login('root');
      expect((await client.request('/admin/')).status).toBe(404);
      expect(plain.app.gatehouseRoutes().some((r) => r.url.startsWith('/admin'))).toBe(false);
    } finally {
      await plain.close();
    }
  });
});
