/**
 * The JSON account API on gatehouse/hono (`app.route('/api/auth', gh.accountApi)`), driven as an
 * SPA and as a script over real HTTP on both databases: the same table and answers as on Fastify
 * (test/api covers every endpoint there); here, that the Hono mount speaks it whole.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type GatehouseEnv, access, gatehouseHono, permission } from '../../src/hono/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { speaksTheAccountApi } from '../api/mounted-scenario.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { seedApps, seedRoles } from '../support/seed-declarations.js';

const PASSWORD = 'correct horse battery staple';
const quiet = { info(): void {}, warn(): void {}, error(): void {} };

describe.each(testDatabases())('the account API on Hono, $label', ({ kind }) => {
  let t: TestGatehouse<string>;
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    t = (await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: fresh.url })) as unknown as TestGatehouse<string>;
    const fin = await t.gatehouse.accounts.createUser({ username: 'fin', password: PASSWORD, email: 'fin@example.com', isStaff: true });
    await t.gatehouse.accounts.addToGroup(fin, 'Finance Approver');
    const gh = await gatehouseHono({ gatehouse: t.gatehouse, api: {}, logger: quiet });
    const app = new Hono<GatehouseEnv>();
    app.use('*', gh.middleware);
    app.onError(gh.onError);
    app.notFound(gh.notFound);
    app.route('/accounts', gh.accountViews);
    app.route('/api/auth', gh.accountApi);
    app.get('/invoices/', access(permission('billing.view_invoice')), (c) => c.json({ user: c.get('user').username }));
    gh.check(app);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await gh.close();
      await t.close();
      await fresh.drop();
    };
  });
  afterAll(async () => close?.());

  it('logs in with the CSRF header, shows the session, refuses without CSRF in JSON, makes a token that works as a bearer', async () => {
    await speaksTheAccountApi(origin, PASSWORD);
  });
});
