/**
 * Starting the example app as a person or a deploy would: settings that cannot be used stop it
 * with one line and exit code 2; development keeps a generated secret key (0600) beside the
 * SQLite file and prints the demo logins; production wants its secrets, sets Secure `__Host-`
 * cookies and HSTS, and loads no demo data unless asked; TRUST_PROXY decides whose address the
 * app sees; and `gatehouse routes` run inside example/ lists the contract's routes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot, workspaceRoot } from '../support/databases.js';
import { HTML, HttpClient, JSON_ACCEPT } from './support/client.js';
import { DEMO_PASSWORD, TEST_SECRET_KEY, exampleEnv, requireBuild, runExampleToExit, startExample } from './support/example-process.js';

const run = promisify(execFile);

describe('example start-up', () => {
  let dir: string;

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'gh-e2e-startup-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a setting that cannot be used: one clear line on stderr, exit code 2, no stack', async () => {
    const db = `sqlite:${join(dir, 'bad.sqlite3')}`;
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^example: PORT must be a whole number from 0 to 65535, got "eighty"\.$/],
      [{ PORT: '70000' }, /PORT must be a whole number/],
      [{ SESSION_IDLE_TIMEOUT: '0' }, /SESSION_IDLE_TIMEOUT must be a whole number from 1/],
      [{ REAUTH_MAX_AGE: '-5' }, /REAUTH_MAX_AGE must be a whole number/],
      [{ DATABASE_URL: 'mysql://root:hunter2@db/app' }, /DATABASE_URL \(mysql:…\) is not supported/],
      [{ EMAIL_URL: 'pigeon://loft' }, /EMAIL_URL \(pigeon:…\) cannot be used/],
      [{ SECRET_KEY: 'short' }, /SECRET_KEY: every key needs at least 32 random characters/],
      [
        { TRUST_PROXY: 'yes' },
        /^example: TRUST_PROXY must be the number of proxies in front of the app \(e\.g\. 1\) or a comma-separated list of their addresses\/CIDRs .*; got "yes"\.$/,
      ],
      [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY must be the number of proxies/],
      [{ TRUST_PROXY: '99' }, /TRUST_PROXY must be the number of proxies/],
      [{ ALLOWED_HOSTS: 'billing.example.com,a b' }, /^example: ALLOWED_HOSTS must list host names separated by commas .*"a b" is not one\.$/],
      [{ ALLOWED_HOSTS: '*' }, /ALLOWED_HOSTS must list host names/],
      [{ NODE_ENV: 'production', SITE_URL: 'https://billing.example.com' }, /^example: ALLOWED_HOSTS is required in production/],
      [{ NODE_ENV: 'production', SECRET_KEY: '' }, /SECRET_KEY is required when NODE_ENV=production/],
      [{ NODE_ENV: 'production', SITE_URL: 'http://billing.example.com' }, /SITE_URL must be an https URL in production/],
      [
        { NODE_ENV: 'production', SITE_URL: 'https://billing.example.com', ALLOWED_HOSTS: 'billing.example.com', EMAIL_URL: 'console:' },
        /EMAIL_URL is required in production and must deliver mail/,
      ],
    ];
    const results = await Promise.all(cases.map(([extra]) => runExampleToExit(exampleEnv(db, extra))));
    results.forEach((result, i) => {
      const [extra, message] = cases[i]!;
      const label = JSON.stringify(extra);
      expect(result.code, `${label}: ${result.stderr}`).toBe(2);
      const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines, label).toHaveLength(1);
      expect(lines[0], label).toMatch(message);
      expect(result.stderr, label).not.toMatch(/\n\s+at |hunter2/);
      expect(result.stdout, label).not.toContain('listening on');
    });
  });

  test('an unreachable database: one line and exit code 1', async () => {
    const result = await runExampleToExit(exampleEnv('postgres://postgres@127.0.0.1:1/nothing'));
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^example: Cannot reach the database/);
  });

  test('development: the secret key is generated once beside the SQLite file (0600); the demo logins are printed on every start', async () => {
    const dbFile = join(dir, 'dev', 'app.sqlite3');
    const env = exampleEnv(`sqlite:${dbFile}`);
    delete (env as Record<string, string | undefined>).SECRET_KEY;
    delete (env as Record<string, string | undefined>).DEMO_PASSWORD;
    const first = await startExample(env);
    let password: string;
    let key: string;
    try {
      const banner = first.stdout.join('\n');
      password = /all with the password (\S+) \(generated/.exec(banner)?.[1] ?? '';
      expect(password).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
      key = (await readFile(join(dir, 'dev', 'secret_key'), 'utf8')).trim();
      expect(key.length).toBeGreaterThanOrEqual(64);
      expect((await stat(join(dir, 'dev', 'secret_key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'dev', 'demo_password'))).mode & 0o777).toBe(0o600);
      const fin = new HttpClient(first.url);
      await fin.login('fin', password);
      expect((await fin.request('/invoices/')).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startExample(env);
    try {
      const banner = second.stdout.join('\n');
      expect(banner).not.toContain('filled with the demo data');
      expect(banner).toContain(`all with the password ${password} (as generated when the database was created)`);
      expect((await readFile(join(dir, 'dev', 'secret_key'), 'utf8')).trim()).toBe(key);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  test('production: Secure __Host- cookies, HSTS, no demo data unless DEMO_DATA=1', async () => {
    // Mail is never sent here; the SMTP URL only has to be one that delivers (production refuses memory:).
    const production = { NODE_ENV: 'production', SITE_URL: 'https://billing.example.com', ALLOWED_HOSTS: '127.0.0.1', EMAIL_URL: 'smtp://127.0.0.1:2525' };
    const bare = await startExample(exampleEnv(`sqlite:${join(dir, 'prod-bare.sqlite3')}`, production));
    try {
      expect(bare.stdout.join('\n')).not.toContain('Demo logins');
      const browser = new HttpClient(bare.url);
      const page = await browser.request('/accounts/login/');
      expect(page.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      const cookies = page.headers.getSetCookie();
      expect(cookies.some((c) => /^__Host-csrftoken=.*; Secure/i.test(c) && /Path=\//.test(c) && !/Domain=/i.test(c))).toBe(true);
      const login = await browser.submit('/accounts/login/', { username: 'alice', password: DEMO_PASSWORD });
      expect(login.status).toBe(200);
    } finally {
      expect(await bare.stop()).toBe(0);
    }

    const demo = await startExample(exampleEnv(`sqlite:${join(dir, 'prod-demo.sqlite3')}`, { ...production, DEMO_DATA: '1', TRUST_PROXY: '1' }));
    try {
      expect(demo.stdout.join('\n')).toContain('filled with the demo data');
      // Behind a proxy: X-Forwarded-Proto says HTTPS, so the CSRF check wants a matching Origin.
      const host = new URL(demo.url).host;
      // TRUST_PROXY=1: one proxy that appends; what the client wrote on the left is not believed.
      const forwarded = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9', 'x-forwarded-proto': 'https' };
      const root = new HttpClient(demo.url, HTML);
      await root.request('/accounts/login/', { headers: forwarded });
      const login = await root.request('/accounts/login/', {
        form: { csrfmiddlewaretoken: root.csrf, username: 'root', password: DEMO_PASSWORD },
        headers: { ...forwarded, origin: `https://${host}` },
      });
      expect(login.status).toBe(302);
      expect(login.headers.getSetCookie().some((c) => c.startsWith('__Host-sessionid=') && /; Secure/i.test(c))).toBe(true);
      const api = new HttpClient(demo.url, JSON_ACCEPT);
      for (const [name, value] of root.cookies) api.cookies.set(name, value);
      const audit = await api.request('/audit/', { headers: forwarded });
      expect(audit.status).toBe(200);
      const entries = audit.json<{ entries: { action: string; actor: string | null; ip: string | null }[] }>().entries;
      // The address the proxy reported, not the proxy's own, nor the one the client made up.
      expect(entries.find((e) => e.action === 'auth.login' && e.actor === 'root')?.ip).toBe('203.0.113.9');
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  });

  test('`gatehouse routes` inside example/ lists every contract route with its access class', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot(), 'dist', 'cli', 'main.js'), 'routes', '--json'], {
      cwd: join(workspaceRoot(), 'example'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SECRET_KEY: TEST_SECRET_KEY, DATABASE_URL: 'sqlite::memory:' },
    });
    const routes = (JSON.parse(stdout) as { routes: { method: string; url: string; access: string; permissions: string[] }[] }).routes;
    const find = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url);
    expect(find('GET', '/health/')?.access).toBe('public');
    expect(find('GET', '/dashboard/')?.access).toBe('authenticated');
    expect(find('GET', '/invoices/')).toMatchObject({ access: 'permission', permissions: ['billing.view_invoice'] });
    expect(find('GET', '/orders/')?.access).toBe('authenticated');
    expect(find('GET', '/orders/:id/')).toMatchObject({ access: 'object', permissions: ['shop.view_all_orders'] });
    expect(find('POST', '/payouts/:id/approve/')).toMatchObject({ access: 'critical', permissions: ['billing.approve_payout'] });
    expect(find('GET', '/internal/metrics/')).toMatchObject({ access: 'permission', permissions: ['ops.view_metrics'] });
    expect(find('GET', '/reports/export/')).toMatchObject({ access: 'permission', permissions: ['billing.export_reports'] });
    expect(find('POST', '/account/email/')?.access).toBe('authenticated');
    expect(find('GET', '/audit/')).toMatchObject({ access: 'permission', permissions: ['billing.view_audit_log'] });
    expect(find('POST', '/accounts/login/')?.access).toBe('public');
    expect(find('GET', '/accounts/reauth/')?.access).toBe('authenticated');
  });
});

describe('startServer(env), in process', () => {
  test('listens on 127.0.0.1:0, answers, and closes', async () => {
    requireBuild();
    const dir = await mkdtemp(join(tmpdir(), 'gh-e2e-inproc-'));
    const { startServer } = await import('../../../../example/src/main.js');
    const server = await startServer(exampleEnv(`sqlite:${join(dir, 'db.sqlite3')}`, { LOG_LEVEL: 'silent' }));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.preparation.seeded).toBe(true);
      expect(await (await fetch(`${server.url}/health/`)).json()).toEqual({ status: 'ok' });
      const fin = new HttpClient(server.url);
      await fin.login('fin', DEMO_PASSWORD);
      expect((await fin.request('/invoices/')).status).toBe(200);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
