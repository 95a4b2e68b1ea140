/**
 * The example's declarations for the `gatehouse` command, run inside example/:
 * `npx gatehouse migrate`, `npx gatehouse roles plan --check`, `npx gatehouse routes`...
 * The apps, roles and configuration are the very objects the server uses, read from the same
 * environment variables, so the command and the server cannot disagree.
 */
import { randomBytes } from 'node:crypto';
import { type RouteInventoryEntry, defineGatehouseApp } from 'gatehouse';
import { loadSettings } from './src/config.js';
import { apps, roles } from './src/declarations.js';
import { buildServer } from './src/server.js';
import { gatehouseConfig } from './src/services.js';

const settings = loadSettings(process.env);

export default defineGatehouseApp({
  apps,
  roles,
  config: gatehouseConfig(settings),
  // The server's own default (its SQLite file under data/), so `npx gatehouse …` inside example/
  // works on the same database without DATABASE_URL.
  databaseUrl: settings.databaseUrl,
  // The inventory comes from the code, not from a database: the server is built on a throwaway
  // in-memory one and never listens.
  routes: async (): Promise<RouteInventoryEntry[]> => {
    const app = await buildServer({
      DATABASE_URL: 'sqlite::memory:',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      EMAIL_URL: 'memory:',
      LOG_LEVEL: 'silent',
      REAUTH_MAX_AGE: process.env.REAUTH_MAX_AGE,
    });
    try {
      return app.gatehouseRoutes().map((route) => ({ method: route.method, url: route.url, access: route.access, permissions: route.permissions }));
    } finally {
      await app.close();
    }
  },
});
