/**
 * Issue 9, item 12: a handler that answers with `request.user` must not hand out the password
 * hash (an offline cracking target). Real HTTP against a listening server, on SQLite and
 * PostgreSQL, for a logged-in user and the anonymous one, plain replies, nested ones, replies
 * through a response schema, and the log line of a handler that logs the user.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticated, publicAccess } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';

/** Every key anywhere in a parsed JSON value. */
function keysDeep(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) keysDeep(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.push(key);
      keysDeep(inner, into);
    }
  }
  return into;
}

describe.each(testDatabases())('request.user over HTTP on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let h: TestApp;
  let origin: string;
  let hash: string;

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    h = await buildApp({
      databaseUrl: fresh.url,
      routes: (app) => {
        const access = { config: { access: authenticated() } };
        app.get('/me/', access, async (request) => request.user);
        app.get('/me/nested/', access, async (request) => ({ user: request.user, list: [request.user] }));
        app.get('/me/sent/', access, async (request, reply) => reply.send(request.user));
        app.get('/me/string/', access, async (request, reply) => reply.type('application/json').send(JSON.stringify({ me: request.user })));
        app.get(
          '/me/schema/',
          {
            ...access,
            schema: {
              response: {
                200: {
                  type: 'object',
                  additionalProperties: true,
                  properties: { id: { type: 'integer' }, username: { type: 'string' }, password: { type: 'string' } },
                },
              },
            },
          },
          async (request) => request.user,
        );
        app.get('/me/logged/', access, async (request) => {
          request.log.info({ user: request.user }, 'who is this');
          return { ok: true };
        });
        app.get('/anyone/', { config: { access: publicAccess() } }, async (request) => request.user);
      },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    hash = (await h.t.gatehouse.stores.users.getById(h.users.alice!.id))!.password;
    expect(hash.startsWith('argon2$')).toBe(true);
  });
  afterAll(async () => {
    await h?.close();
    await fresh?.drop();
  });

  async function loggedIn(): Promise<Client> {
    const client = Client.http(origin);
    await client.login('alice');
    return client;
  }

  test.each(['/me/', '/me/nested/', '/me/sent/', '/me/string/', '/me/schema/'])('%s answers the public shape: no hash, no password key', async (path) => {
    const client = await loggedIn();
    const res = await client.request(path, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain(hash);
    expect(res.body).not.toContain('argon2');
    const body = res.json();
    expect(keysDeep(body)).not.toContain('password');
    expect(keysDeep(body)).not.toContain('authEpoch');
    expect(res.body).toContain('"username":"alice"');
  });

  test('the public shape is the documented one', async () => {
    const client = await loggedIn();
    const body = (await client.request('/me/', { headers: { accept: 'application/json' } })).json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'id',
        'username',
        'email',
        'firstName',
        'lastName',
        'isActive',
        'isStaff',
        'isSuperuser',
        'lastLogin',
        'dateJoined',
        'isAuthenticated',
        'isAnonymous',
      ].sort(),
    );
    expect(body).toMatchObject({ id: h.users.alice!.id, username: 'alice', email: 'alice@example.com', isAuthenticated: true, isAnonymous: false });
  });

  test('a handler that logs request.user writes no hash to the log', async () => {
    const client = await loggedIn();
    h.logs.length = 0;
    expect((await client.request('/me/logged/', { headers: { accept: 'application/json' } })).status).toBe(200);
    const line = h.logs.find((entry) => entry.msg === 'who is this');
    expect(line).toBeDefined();
    expect(JSON.stringify(line)).not.toContain(hash);
    expect(keysDeep(line)).not.toContain('password');
  });

  test('the anonymous user serializes without a password key', async () => {
    const res = await Client.http(origin).request('/anyone/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(keysDeep(body)).not.toContain('password');
    expect(body).toMatchObject({ id: null, isAuthenticated: false, isAnonymous: true });
  });
});
