/**
 * The example's declarations for the `gatehouse` command, run inside example-express/:
 * `npx gatehouse migrate`, `npx gatehouse roles plan --check`, `npx gatehouse routes`. The route
 * inventory is read from the Express app itself, built on a throwaway in-memory database.
 */
import { type RouteInventoryEntry, defineGatehouseApp } from 'gatehouse';
import { apps, openExample, roles } from './src/app.js';

export default defineGatehouseApp({
  apps,
  roles,
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:data/notes.sqlite3',
  routes: async (): Promise<RouteInventoryEntry[]> => {
    const example = await openExample({
      databaseUrl: 'sqlite::memory:',
      emailUrl: 'memory:',
      demoPassword: 'unused-password-for-the-inventory',
      production: false,
      quiet: true,
    });
    try {
      return example.gh.routes(example.app);
    } finally {
      await example.close();
    }
  },
});
