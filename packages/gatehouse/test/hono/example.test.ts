/**
 * The Hono example (example-hono/) as a visitor meets it: started the way `npm start` starts it,
 * then driven over HTTP on SQLite and PostgreSQL — every access class of its routes, the object
 * rule on the detail page and the list, the critical delete, and the account views.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../../example-hono/src/main.js';
import { type DatabaseKind, type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { Browser } from './helpers.js';

const exampleDir = fileURLToPath(new URL('../../../../example-hono/', import.meta.url));

async function startExample(kind: DatabaseKind): Promise<{ server: RunningServer; database: FreshDatabase }> {
  const database = await freshDatabaseUrl(kind);
  const { startServer } = await import('../../../../example-hono/src/main.js');
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const server = await startServer(
    { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, SECRET_KEY: randomBytes(48).toString('base64url'), EMAIL_URL: 'memory:' },
    { logger: quiet },
  );
  return { server, database };
}

for (const db of testDatabases()) {
  describe(`example-hono on ${db.label}`, () => {
    let server: RunningServer;
    let database: FreshDatabase;

    beforeAll(async () => {
      ({ server, database } = await startExample(db.kind));
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('serves the public pages and sends visitors to log in', async () => {
      const browser = new Browser(server.url);
      expect(await (await browser.fetch('/health/')).json()).toEqual({ status: 'ok' });
      const home = await browser.fetch('/');
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('/accounts/login/');
      const notes = await browser.fetch('/notes/');
      expect(notes.status).toBe(302);
      expect(notes.headers.get('location')).toBe('/accounts/login/?next=/notes/');
      expect((await browser.fetch('/notes/', { headers: { accept: 'application/json' } })).status).toBe(401);
    });

    it('shows users their own notes only, the moderator every one', async () => {
      const alice = new Browser(server.url, { accept: 'application/json' });
      await alice.login('alice');
      const list = (await (await alice.fetch('/notes/')).json()) as { notes: { id: number }[] };
      expect(list.notes.map((note) => note.id)).toEqual([1]);
      expect((await alice.fetch('/notes/1/')).status).toBe(200);
      expect((await alice.fetch('/notes/2/')).status).toBe(403);
      expect((await alice.fetch('/notes/999/')).status).toBe(403);
      const mod = new Browser(server.url, { accept: 'application/json' });
      await mod.login('mod');
      const all = (await (await mod.fetch('/notes/')).json()) as { notes: { id: number }[] };
      expect(all.notes.map((note) => note.id)).toEqual([1, 2]);
      expect((await mod.fetch('/notes/999/')).status).toBe(404);
    });

    it('lets writers add notes with a CSRF token, and refuses without one', async () => {
      const alice = new Browser(server.url);
      await alice.login('alice');
      const refused = await alice.fetch('/notes/', { method: 'POST', form: { text: 'no token' } });
      expect(refused.status).toBe(403);
      const added = await alice.post('/notes/', { text: 'Buy milk' }, '/notes/');
      expect(added.status).toBe(303);
      const location = added.headers.get('location') ?? '';
      expect(location).toMatch(/^\/notes\/\d+\/$/);
      expect(await (await alice.fetch(location)).json()).toMatchObject({ text: 'Buy milk' });
    });

    it('keeps the admin tree for staff and audits the critical delete', async () => {
      const alice = new Browser(server.url);
      await alice.login('alice');
      expect((await alice.fetch('/admin/')).status).toBe(403);
      const refused = await alice.post('/notes/1/delete/', {}, '/notes/');
      expect(refused.status).toBe(403);
      const mod = new Browser(server.url);
      await mod.login('mod');
      expect((await mod.fetch('/admin/')).status).toBe(200);
      const deleted = await mod.post('/notes/1/delete/', {}, '/notes/');
      expect(deleted.status).toBe(303);
      expect((await mod.fetch('/notes/1/')).status).toBe(404);
      const audit = await server.example.gatehouse.stores.audit.list({ limit: 20, newestFirst: true });
      const decisions = audit.filter((entry) => entry.target === 'POST /notes/:id/delete/').map((entry) => [entry.action, entry.actor]);
      expect(decisions).toEqual([
        ['access.allowed', 'mod'],
        ['access.denied', 'alice'],
      ]);
    });

    it('lists every route with its access class', () => {
      const routes = server.example.gh.routes(server.example.app).map((route) => `${route.method} ${route.url} ${route.access}`);
      expect(routes).toEqual(
        expect.arrayContaining([
          'GET / public',
          'GET /health/ public',
          'GET /notes/ authenticated',
          'POST /notes/ permission',
          'GET /notes/:id/ object',
          'POST /notes/:id/delete/ critical',
          'GET /admin/ staff',
          'POST /accounts/login/ public',
        ]),
      );
    });
  });
}

describe('gatehouse routes in example-hono/', () => {
  it("lists the Hono app's routes with their access, from its gatehouse.config.ts", () => {
    const bin = fileURLToPath(new URL('../../bin/gatehouse.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'routes', '--json'], {
      cwd: exampleDir,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'sqlite::memory:' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { routes: { method: string; url: string; access: string }[] };
    const rows = report.routes.map((route) => `${route.method} ${route.url} ${route.access}`);
    expect(rows).toEqual(expect.arrayContaining(['POST /notes/:id/delete/ critical', 'GET /admin/ staff', 'GET /notes/:id/ object', 'GET /health/ public']));
    expect(rows.some((row) => row.endsWith('undeclared'))).toBe(false);
  }, 60_000);
});

describe('npm start -w gatehouse-example-hono', () => {
  it('starts on a fresh SQLite database, answers, and stops on SIGTERM', async () => {
    const database = await freshDatabaseUrl('sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', join(exampleDir, 'src/main.ts')], {
      cwd: exampleDir,
      env: { ...process.env, PORT: '0', DATABASE_URL: database.url, EMAIL_URL: 'memory:', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${output}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+?)\//.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(output).toContain('alice');
      expect((await fetch(`${url}/health/`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  }, 60_000);
});
