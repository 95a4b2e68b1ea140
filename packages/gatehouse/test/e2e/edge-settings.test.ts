/**
 * The example's edge settings, as a deploy uses them: ALLOWED_HOSTS (default this machine's
 * names; any other Host → 400), TRUST_PROXY as a list of proxy addresses (a client behind the
 * proxy cannot choose its address), a forged X-Forwarded-Proto refused, and the demo-data rule
 * (no demo users outside development-like NODE_ENV values unless DEMO_DATA=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawHttp } from '../fastify/hardening/edge-support.js';
import { HttpClient, JSON_ACCEPT } from './support/client.js';
import { DEMO_PASSWORD, exampleEnv, requireBuild, startExample } from './support/example-process.js';

describe('the example at its edge', () => {
  let dir: string;

  beforeAll(async () => {
    requireBuild();
    dir = await mkdtemp(join(tmpdir(), 'gh-e2e-edge-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('development: localhost, 127.0.0.1 and [::1] are served, any other Host gets 400; forwarded headers are ignored without TRUST_PROXY', async () => {
    const app = await startExample(exampleEnv(`sqlite:${join(dir, 'dev.sqlite3')}`));
    try {
      const port = new URL(app.url).port;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        expect((await rawHttp(app.url, { path: '/health/', headers: { host } })).status, host).toBe(200);
      }
      for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`]) {
        const res = await rawHttp(app.url, { path: '/health/', headers: { host } });
        expect(res.status, host).toBe(400);
        expect(res.body).toMatch(/^Bad request/);
      }
      // No proxy is trusted: the header is not read at all, so it is harmless.
      expect((await rawHttp(app.url, { path: '/health/', headers: { host: `127.0.0.1:${port}`, 'x-forwarded-proto': 'https://evil.example/?' } })).status).toBe(
        200,
      );
      const line = app.logs().find((l) => (l.gatehouse as { kind?: string } | undefined)?.kind === 'host');
      expect(line?.gatehouse).toMatchObject({ user: null, anonymous: true, ip: '127.0.0.1', route: 'GET /health/' });
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  test('TRUST_PROXY as a list and ALLOWED_HOSTS: the audit sees the address the proxy saw; a forged X-Forwarded-Proto gets 400', async () => {
    const app = await startExample(
      exampleEnv(`sqlite:${join(dir, 'proxied.sqlite3')}`, { TRUST_PROXY: '127.0.0.0/8,10.0.0.0/8', ALLOWED_HOSTS: 'billing.example.com,127.0.0.1' }),
    );
    try {
      const root = new HttpClient(app.url);
      await root.request('/accounts/login/');
      const login = await root.request('/accounts/login/', {
        form: { csrfmiddlewaretoken: root.csrf, username: 'root', password: DEMO_PASSWORD },
        headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.50, 10.9.8.7' },
      });
      expect(login.status).toBe(302);
      const api = new HttpClient(app.url, JSON_ACCEPT);
      for (const [name, value] of root.cookies) api.cookies.set(name, value);
      const entries = (await api.request('/audit/')).json<{ entries: { action: string; actor: string | null; ip: string | null }[] }>().entries;
      expect(entries.find((e) => e.action === 'auth.login' && e.actor === 'root')?.ip).toBe('203.0.113.50');

      const forged = await root.request('/accounts/password_reset/', {
        form: { csrfmiddlewaretoken: root.csrf, email: 'root@example.com' },
        headers: { 'x-forwarded-proto': 'https://evil.example/?', origin: 'https://evil.example' },
      });
      expect(forged.status).toBe(400);
      const port = new URL(app.url).port;
      expect((await rawHttp(app.url, { path: '/health/', headers: { host: `billing.example.com:${port}` } })).status).toBe(200);
      expect((await rawHttp(app.url, { path: '/health/', headers: { host: `localhost:${port}` } })).status).toBe(400);
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  test('demo users only where NODE_ENV is development-like (unset, development, test), else only with DEMO_DATA=1', async () => {
    const cases: [Record<string, string>, boolean][] = [
      [{}, true],
      [{ NODE_ENV: 'development' }, true],
      [{ NODE_ENV: 'test' }, true],
      [{ NODE_ENV: 'staging' }, false],
      [{ NODE_ENV: 'staging', DEMO_DATA: '1' }, true],
      [{ NODE_ENV: 'test', DEMO_DATA: '0' }, false],
    ];
    const started = await Promise.all(
      cases.map(([extra], i) => startExample(exampleEnv(`sqlite:${join(dir, `demo-${i}.sqlite3`)}`, { LOG_LEVEL: 'warn', ...extra }))),
    );
    try {
      for (const [i, app] of started.entries()) {
        const [extra, seeded] = cases[i]!;
        expect(app.stdout.join('\n').includes('filled with the demo data'), JSON.stringify(extra)).toBe(seeded);
        const login = await new HttpClient(app.url).submit('/accounts/login/', { username: 'alice', password: DEMO_PASSWORD });
        expect(login.status, JSON.stringify(extra)).toBe(seeded ? 302 : 200);
      }
    } finally {
      for (const app of started) await app.stop();
    }
  });
});
