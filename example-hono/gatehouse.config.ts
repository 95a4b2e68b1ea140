/**
 * The example's declarations for the `gatehouse` command, run inside example-hono/:
 * `npx gatehouse routes` (the inventory and the roles x routes matrix, from the Hono app's own
 * routes), `npx gatehouse migrate`, `npx gatehouse createsuperuser`...
 */
import { randomBytes } from 'node:crypto';
import { type RouteInventoryEntry, defineGatehouseApp } from 'gatehouse';
import { apps, createExampleApp, gatehouseConfig, roles } from './src/app.js';

const secretKey = process.env.SECRET_KEY ?? randomBytes(48).toString('base64url');

export default defineGatehouseApp({
  apps,
  roles,
  config: gatehouseConfig(secretKey),
  // The server's own default, so the command works on the same database without DATABASE_URL.
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:data/notes.sqlite3',
  // Read from the code: the app is built on a throwaway in-memory database and never served.
  routes: async (): Promise<RouteInventoryEntry[]> => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const example = await createExampleApp({ databaseUrl: 'sqlite::memory:', secretKey, emailUrl: 'memory:', logger: quiet });
    try {
      return example.gh.routes(example.app);
    } finally {
      await example.close();
    }
  },
});
