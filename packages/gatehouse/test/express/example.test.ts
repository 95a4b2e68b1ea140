/**
 * The Express example (example-express/) as a black box: started as `npm start` runs it (a child
 * process, `node --import tsx example-express/src/main.ts`, on a port the OS picks, on a fresh
 * SQLite or PostgreSQL database), then driven over HTTP as its demo users; and `gatehouse routes`
 * run inside its folder, which reads the inventory from the Express app itself.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, repoRoot, testDatabases, workspaceRoot } from '../support/databases.js';
import { Browser } from './helpers.js';

const DEMO_PASSWORD = 'demo horse battery 42';
const folder = join(workspaceRoot(), 'example-express');

interface Running {
  url: string;
  stdout: string[];
  stop(): Promise<number | null>;
}

function requireBuild(): void {
  const missing = ['dist/express/index.js', 'dist/http/index.js', 'dist/db/index.js'].filter((file) => !existsSync(join(repoRoot(), file)));
  if (missing.length > 0) throw new Error(`The example runs on the built library: run \`npm run build\` first (missing ${missing.join(', ')}).`);
}

function start(databaseUrl: string): Promise<Running> {
  requireBuild();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    EMAIL_URL: 'memory:',
    DEMO_PASSWORD,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join('src', 'main.ts')], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the example did not start:\n${stdout.join('')}\n${stderr.join('')}`));
    }, 45_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.push(chunk);
      const match = /listening on (http:\/\/\S+?)\/?\n/.exec(stdout.join(''));
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: match[1],
        stdout,
        stop: async () => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited (${code}) before listening:\n${stdout.join('')}\n${stderr.join('')}`));
    });
  });
}

for (const database of testDatabases()) {
  describe(`example-express, started as npm start runs it (${database.label})`, () => {
    let fresh: FreshDatabase;
    let server: Running;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      server = await start(fresh.url);
    }, 60_000);
    afterAll(async () => {
      if (server) expect(await server.stop()).toBe(0);
      await fresh?.drop();
    });

    it('prints where it listens and the demo logins', () => {
      const banner = server.stdout.join('');
      expect(banner).toContain(`password "${DEMO_PASSWORD}"`);
      expect(banner).toMatch(/alice\s+Writer/);
    });

    it('public routes answer everyone; a restricted one sends visitors to log in', async () => {
      const visitor = new Browser(server.url);
      expect((await visitor.request('/health/')).json()).toEqual({ status: 'ok' });
      expect((await visitor.request('/')).body).toContain('Log in');
      const notes = await visitor.request('/notes/');
      expect(notes.status).toBe(302);
      expect(notes.headers.get('location')).toBe('/accounts/login/?next=/notes/');
      expect((await visitor.request('/notes/', { headers: { accept: 'application/json' } })).status).toBe(401);
    });

    it('object rules: alice sees her notes only, mona sees all; someone else’s note is 403', async () => {
      const alice = new Browser(server.url);
      const login = await alice.login('alice', DEMO_PASSWORD);
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toBe('/account/');
      const own = (await alice.request('/notes/')).json<{ notes: { id: number; title: string }[] }>().notes;
      expect(own.map((n) => n.title)).toEqual(["alice's first note"]);
      const mona = new Browser(server.url);
      await mona.login('mona', DEMO_PASSWORD);
      const all = (await mona.request('/notes/')).json<{ notes: { id: number; title: string }[] }>().notes;
      expect(all).toHaveLength(2);
      const bobs = all.find((n) => n.title.startsWith('bob'));
      expect((await alice.request(`/notes/${bobs?.id}/`)).status).toBe(403);
      expect((await mona.request(`/notes/${bobs?.id}/`)).status).toBe(200);
      expect((await alice.request('/notes/9999/', { headers: { accept: 'application/json' } })).status).toBe(403);
    });

    it('permission, recent authentication and the critical route, with CSRF', async () => {
      const alice = new Browser(server.url);
      await alice.login('alice', DEMO_PASSWORD);
      expect((await alice.request('/reports/')).status).toBe(403);
      expect((await alice.request('/account/security/')).status).toBe(200);
      const rita = new Browser(server.url);
      await rita.login('rita', DEMO_PASSWORD);
      expect((await rita.request('/reports/')).status).toBe(200);
      const oscar = new Browser(server.url);
      await oscar.login('oscar', DEMO_PASSWORD);
      const account = await oscar.request('/account/');
      expect(account.body).toContain('Reset the cache');
      expect((await oscar.request('/ops/cache/reset/', { form: {} })).status).toBe(403);
      const reset = await oscar.request('/ops/cache/reset/', { form: { csrfmiddlewaretoken: oscar.token }, headers: { accept: 'application/json' } });
      expect(reset.json()).toEqual({ reset: true, by: 'oscar' });
      const token = await alice.freshToken();
      expect((await alice.request('/ops/cache/reset/', { form: { csrfmiddlewaretoken: token } })).status).toBe(403);
    });

    it('logout by POST ends the session', async () => {
      const bob = new Browser(server.url);
      await bob.login('bob', DEMO_PASSWORD);
      await bob.request('/');
      const out = await bob.request('/accounts/logout/', { form: { csrfmiddlewaretoken: bob.token } });
      expect(out.status).toBe(302);
      expect((await bob.request('/notes/')).status).toBe(302);
    });
  });
}

describe('example-express type-checks against the built gatehouse/express', () => {
  it('tsc -p example-express (req.user typed through the package, strict settings)', async () => {
    requireBuild();
    const tsc = join(workspaceRoot(), 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(folder, 'tsconfig.json')], { cwd: folder }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? 'tsc failed' }),
    );
    expect(result.stdout).toBe('');
  }, 120_000);
});

describe('gatehouse routes inside example-express', () => {
  it('reads the inventory from the Express app: every route, its access class and permissions', async () => {
    requireBuild();
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot(), 'bin', 'gatehouse.mjs'), 'routes', '--json'], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    const report = JSON.parse(stdout) as { routes: { method: string; url: string; access: string; permissions: string[] }[]; columns: string[] };
    const by = (method: string, url: string) => report.routes.find((r) => r.method === method && r.url === url);
    expect(by('GET', '/notes/:id/')).toMatchObject({ access: 'object', permissions: ['notes.view_all_notes'] });
    expect(by('GET', '/reports/')).toMatchObject({ access: 'permission', permissions: ['reports.view_reports'] });
    expect(by('POST', '/ops/cache/reset/')).toMatchObject({ access: 'critical', permissions: ['ops.reset_cache'] });
    expect(by('GET', '/health/')).toMatchObject({ access: 'public' });
    expect(by('POST', '/accounts/login/')).toMatchObject({ access: 'public' });
    expect(report.columns).toEqual(['anonymous', 'Writer', 'Moderator', 'Analyst', 'Operator']);
  }, 60_000);
});
