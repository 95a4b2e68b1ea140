/**
 * `testClient(app, { as })`: a logged-in (or anonymous) client for Fastify's `inject` that sends
 * the session cookie and, on unsafe methods, a valid CSRF token — in development and in
 * production mode (`__Host-` cookie names, the plugin's allowed host), on SQLite and PostgreSQL.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginThrottle, createMemoryLoginThrottle, createRateLimits } from '../../src/db/index.js';
import { accessFor, gatehouseFastify } from '../../src/fastify/index.js';
import { TEST_PASSWORD, type TestGatehouse, createTestGatehouse, testClient } from '../../src/testing/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type SeedPermission, seedApps, seedRoles } from '../support/seed-declarations.js';

const apps = seedApps;
type Perm = SeedPermission;
const roles = seedRoles;
const PRODUCTION_SECRET = 'Qm9-test-client-production-secret-key-7f3a';

async function buildApp(t: TestGatehouse<Perm, string>, production: boolean): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(gatehouseFastify, {
    gatehouse: t.gatehouse,
    // Production refuses counters kept in memory: the database's, as a deployed app would have.
    throttle: production ? await createLoginThrottle(t.database, t.gatehouse.config.throttle) : createMemoryLoginThrottle(t.gatehouse.config.throttle),
    ...(production
      ? {
          siteUrl: 'https://billing.example.com',
          allowedHosts: ['billing.example.com'],
          rateLimits: await createRateLimits(t.database, t.gatehouse.config.passwordReset),
        }
      : {}),
  });
  const access = accessFor(t.gatehouse);
  app.get('/me/', { config: { access: access.authenticated() } }, async (request) => ({ username: request.user.username }));
  app.post('/invoices/', { config: { access: access.permission('billing.view_invoice') } }, async (request) => ({ created: request.body }));
  app.delete('/invoices/:id/', { config: { access: access.permission('billing.view_invoice') } }, async () => ({ deleted: true }));
  app.post('/payouts/:id/approve/', { config: { access: access.critical('billing.approve_payout', { recentAuth: true }) } }, async () => ({ approved: true }));
  return app;
}

for (const db of testDatabases()) {
  for (const production of [false, true]) {
    describe(`testClient (${db.label}, ${production ? 'production' : 'development'})`, () => {
      let fresh: FreshDatabase;
      let t: TestGatehouse<Perm, string>;
      let app: FastifyInstance;
      beforeAll(async () => {
        fresh = await freshDatabaseUrl(db.kind);
        t = await createTestGatehouse({
          apps,
          roles,
          databaseUrl: fresh.url,
          ...(production ? { config: { production: true, secretKey: PRODUCTION_SECRET } } : {}),
        });
        app = await buildApp(t, production);
        await t.createUser('fin', { roles: ['Finance Approver'], isStaff: true });
        await t.createUser('viewer');
      });
      afterAll(async () => {
        await app.close();
        await t.close();
        await fresh.drop();
      });

      it('sends the session cookie under the plugin’s own name', async () => {
        const fin = await t.gatehouse.accounts.require((await t.gatehouse.stores.users.getByUsername('fin'))!.id);
        const client = await testClient(app, { as: fin });
        const sessionName = production ? '__Host-sessionid' : 'sessionid';
        expect(client.cookies.get(sessionName)).toMatch(/.{20,}/);
        const me = await client.get('/me/', { headers: { accept: 'application/json' } });
        expect(me.statusCode).toBe(200);
        expect(me.json()).toEqual({ username: 'fin' });
        expect(client.user?.username).toBe('fin');
      });

      it('passes CSRF on unsafe methods by itself, and fails without the token when asked', async () => {
        const fin = (await t.gatehouse.stores.users.getByUsername('fin'))!;
        const client = await testClient(app, { as: fin, headers: { accept: 'application/json' } });
        const created = await client.post('/invoices/', { json: { amount: 12 } });
        expect(created.statusCode).toBe(200);
        expect(created.json()).toEqual({ created: { amount: 12 } });
        expect((await client.post('/invoices/', { form: { amount: '7' } })).json()).toEqual({ created: { amount: '7' } });
        expect((await client.delete('/invoices/4/')).statusCode).toBe(200);
        const refused = await client.post('/invoices/', { json: { amount: 12 }, csrf: false });
        expect(refused.statusCode).toBe(403);
      });

      it('counts the login as a recent password check unless told otherwise', async () => {
        const fin = (await t.gatehouse.stores.users.getByUsername('fin'))!;
        const fresh = await testClient(app, { as: fin, headers: { accept: 'application/json' } });
        expect((await fresh.post('/payouts/1/approve/')).statusCode).toBe(200);
        const stale = await testClient(app, { as: fin, headers: { accept: 'application/json' }, recentlyAuthenticated: false });
        const answer = await stale.post('/payouts/1/approve/');
        expect(answer.statusCode).toBe(401);
      });

      it('is refused what the user may not do, and anonymous clients are sent to log in', async () => {
        const viewer = (await t.gatehouse.stores.users.getByUsername('viewer'))!;
        const client = await testClient(app, { as: viewer, headers: { accept: 'application/json' } });
        expect((await client.post('/invoices/', { json: {} })).statusCode).toBe(403);
        const anonymous = await testClient(app);
        expect(anonymous.user).toBeNull();
        const page = await anonymous.get('/me/');
        expect(page.statusCode).toBe(302);
        expect(page.headers.location).toBe('/accounts/login/?next=/me/');
        expect((await anonymous.get('/me/', { headers: { accept: 'application/json' } })).statusCode).toBe(401);
      });

      it('follows the server’s cookies: a form login through the real view, then logout', async () => {
        const client = await testClient(app);
        const login = await client.post('/accounts/login/', { form: { username: 'fin', password: TEST_PASSWORD } });
        expect(login.statusCode).toBe(302);
        expect((await client.get('/me/', { headers: { accept: 'application/json' } })).json()).toEqual({ username: 'fin' });
        // The login replaced the CSRF secret; the client uses the new one.
        expect((await client.post('/invoices/', { json: { n: 1 } })).statusCode).toBe(200);
        const out = await client.post('/accounts/logout/');
        expect(out.statusCode).toBe(302);
        expect((await client.get('/me/', { headers: { accept: 'application/json' } })).statusCode).toBe(401);
      });

      it('logout() ends the session in the store', async () => {
        const fin = (await t.gatehouse.stores.users.getByUsername('fin'))!;
        const client = await testClient(app, { as: fin });
        const id = client.cookies.get(production ? '__Host-sessionid' : 'sessionid')!;
        await client.logout();
        expect(client.user).toBeNull();
        expect(await t.gatehouse.sessions.load(id)).toBeNull();
      });
    });
  }
}

describe('testClient without the plugin', () => {
  it('says to register gatehouseFastify first', async () => {
    const app = Fastify();
    app.get('/', async () => 'hi');
    await expect(testClient(app)).rejects.toThrow(/gatehouseFastify/);
    await app.close();
  });
});
