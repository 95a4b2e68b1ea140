/**
 * Issue 9, item 11: a short idle timeout must not end active sessions. With the old default
 * touchInterval of 60 s and an idle timeout of 30 s, `lastSeenAt` was never refreshed before the
 * idle limit, so a user clicking every 20 s was logged out after 30 s. Driven over real HTTP
 * against a listening server with the manual clock, on SQLite and PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticated } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';

const SECOND = 1000;

describe.each(testDatabases())('an idle timeout of 30 s over HTTP on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let h: TestApp;
  let origin: string;

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    h = await buildApp({
      databaseUrl: fresh.url,
      config: { session: { idleTimeout: 30 } },
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await h?.close();
    await fresh?.drop();
  });

  async function dashboard(client: Client): Promise<number> {
    return (await client.request('/dashboard/', { headers: { accept: 'application/json' } })).status;
  }

  test('the touch interval is clamped below the idle timeout', () => {
    expect(h.t.gatehouse.config.session.touchInterval).toBeLessThan(30);
  });

  test('a request every 20 s for 3 minutes keeps the session alive; 31 s of silence ends it', async () => {
    const client = Client.http(origin);
    await client.login('alice');
    const statuses: number[] = [];
    for (let elapsed = 0; elapsed < 180; elapsed += 20) {
      h.t.clock.advance(20 * SECOND);
      statuses.push(await dashboard(client));
    }
    expect(statuses).toEqual(Array(9).fill(200));
    h.t.clock.advance(31 * SECOND);
    expect(await dashboard(client)).toBe(401);
    expect(await h.t.gatehouse.stores.sessions.list({ userId: h.users.alice!.id })).toEqual([]);
  });

  test('a session left alone for 31 s right after login ends too', async () => {
    const client = Client.http(origin);
    await client.login('bob');
    expect(await dashboard(client)).toBe(200);
    h.t.clock.advance(31 * SECOND);
    expect(await dashboard(client)).toBe(401);
  });
});
