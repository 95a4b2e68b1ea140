/**
 * The JSON account API on gatehouse/express (`app.use('/api/auth', gh.accountApi)`), driven as an
 * SPA and as a script over real HTTP on both databases: the same table and answers as on Fastify
 * (test/api covers every endpoint there); here, that the Express mount speaks it whole.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { access, gatehouseExpress, permission } from '../../src/express/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { speaksTheAccountApi } from '../api/mounted-scenario.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { seedApps, seedRoles } from '../support/seed-declarations.js';

const PASSWORD = 'correct horse battery staple';
const quiet = { info(): void {}, warn(): void {}, error(): void {} };

describe.each(testDatabases())('the account API on Express, $label', ({ kind }) => {
  let t: TestGatehouse<string>;
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    t = (await createTestGatehouse({ apps: seedApps, roles: seedRoles, databaseUrl: fresh.url })) as unknown as TestGatehouse<string>;
    const fin = await t.gatehouse.accounts.createUser({ username: 'fin', password: PASSWORD, email: 'fin@example.com', isStaff: true });
    await t.gatehouse.accounts.addToGroup(fin, 'Finance Approver');
    const gh = await gatehouseExpress({ gatehouse: t.gatehouse, api: {}, logger: quiet });
    const app = express();
    app.use(gh.middleware);
    app.use('/accounts', gh.accountViews);
    app.use('/api/auth', gh.accountApi);
    app.get('/invoices/', access(permission('billing.view_invoice')), (req, res) => {
      res.json({ user: req.user.username });
    });
    app.use(gh.notFoundHandler);
    app.use(gh.errorHandler);
    gh.check(app);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
