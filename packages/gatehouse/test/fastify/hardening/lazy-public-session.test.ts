/**
 * `publicAccess({ session: false })`: a public route that never reads the user costs no session
 * query, even when the browser sends its session cookie; every other route (plain
 * `publicAccess()` included) still loads it. Over real HTTP, on every test database.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publicAccess } from '../../../src/fastify/index.js';
import { freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';

describe.each(testDatabases())('lazy session on public routes on $label', ({ kind }) => {
  let built: TestApp;
  let origin: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    drop = fresh.drop;
    built = await buildApp({
      databaseUrl: fresh.url,
      routes: (app: FastifyInstance) => {
        app.get('/health/', { config: { access: publicAccess({ session: false }) } }, async () => ({ status: 'ok' }));
        app.get('/whoami/', { config: { access: publicAccess() } }, async (request) => ({ user: request.user.username }));
        app.get('/blind/', { config: { access: publicAccess({ session: false }) } }, async (request) => ({
          user: request.user.username,
          session: request.session !== null,
        }));
        app.post('/blind-logout/', { config: { access: publicAccess({ session: false }) } }, async (request) => {
          await request.logout();
          return { ok: true };
        });
      },
    });
    origin = await built.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await built?.close();
    await drop?.();
  });

  it('a session:false public route reads no session even with a session cookie; plain public and guarded routes do', async () => {
    const client = Client.http(origin);
    await client.login('fin');
    const lookups = vi.spyOn(built.t.database.stores.sessions, 'getWithUser');
    try {
      const health = await Promise.all(Array.from({ length: 5 }, () => client.request('/health/')));
      for (const res of health) expect(res.status).toBe(200);
      expect(lookups).not.toHaveBeenCalled();
      // The route sees nobody (it said it would not look), and the response does not vary by cookie.
      const blind = await client.request('/blind/');
      expect(JSON.parse(blind.body)).toEqual({ user: '', session: false });
      expect(lookups).not.toHaveBeenCalled();
      const who = await client.request('/whoami/');
      expect(JSON.parse(who.body)).toEqual({ user: 'fin' });
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
  });

  it('logout on a session:false route still ends the real session (it is read first)', async () => {
    const client = Client.http(origin);
    await client.login('alice');
    const form = await client.request('/whoami/');
    expect(JSON.parse(form.body)).toEqual({ user: 'alice' });
    const out = await client.submit('/accounts/login/', {}, '/blind-logout/');
    expect(out.status, out.body).toBe(200);
    const after = await client.request('/whoami/');
    expect(JSON.parse(after.body)).toEqual({ user: '' });
  });
});
