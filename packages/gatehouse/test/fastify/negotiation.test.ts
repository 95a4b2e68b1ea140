/**
 * One negotiation rule for every refusal, over real HTTP: a script (`X-Requested-With`, or a
 * browser fetch marked by `Sec-Fetch-Mode`/`Sec-Fetch-Dest`) gets JSON for a login redirect, a
 * 403, a CSRF failure and an error; a browser navigating, and Node's own fetch that asks for
 * nothing in particular, keep getting redirects and pages. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticated, staffOnly } from '../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { Client, type TestApp, buildApp } from './helpers.js';

const SCRIPT_HEADERS: readonly Record<string, string>[] = [
  { accept: '*/*', 'x-requested-with': 'XMLHttpRequest' },
  { accept: '*/*', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' },
  { accept: 'application/json' },
];
const PAGE_HEADERS: readonly Record<string, string>[] = [
  { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
  // Node's own fetch: Sec-Fetch-Mode cors, no Sec-Fetch-Dest, Accept */*.
  { accept: '*/*', 'sec-fetch-mode': 'cors' },
];

for (const database of testDatabases()) {
  describe(`negotiation of refusals (${database.label})`, () => {
    let fresh: FreshDatabase;
    let h: TestApp;
    let origin: string;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        routes: (app) => {
          app.get('/mine/', { config: { access: authenticated() } }, async () => ({ ok: true }));
          app.get('/staff/', { config: { access: staffOnly() } }, async () => ({ ok: true }));
          app.post('/mine/', { config: { access: authenticated() } }, async () => ({ changed: true }));
        },
      });
      origin = await h.app.listen({ port: 0, host: '127.0.0.1' });
    }, 60_000);

    afterAll(async () => {
      await h?.close();
      await fresh?.drop();
    });

    test('not logged in: scripts get 401 JSON naming the login URL, pages a redirect', async () => {
      for (const headers of SCRIPT_HEADERS) {
        const res = await Client.http(origin).request('/mine/', { headers });
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.json()).toMatchObject({ error: 'not_authenticated', loginUrl: '/accounts/login/' });
      }
      for (const headers of PAGE_HEADERS) {
        const res = await Client.http(origin).request('/mine/', { headers });
        expect(res.status, JSON.stringify(headers)).toBe(302);
        expect(res.location).toBe('/accounts/login/?next=/mine/');
      }
    });

    test('logged in but not allowed: scripts get 403 JSON, pages the 403 page', async () => {
      const alice = Client.http(origin);
      await alice.login('alice');
      for (const headers of SCRIPT_HEADERS) {
        const res = await alice.request('/staff/', { headers });
        expect(res.status).toBe(403);
        expect(res.json()).toEqual({ error: 'forbidden', message: 'You do not have permission to do this.' });
      }
      const page = await alice.request('/staff/', { headers: PAGE_HEADERS[0] });
      expect(page.status).toBe(403);
      expect(page.headers['content-type']).toMatch(/text\/html/);
    });

    test('a CSRF failure: scripts get 403 JSON, a form post the page; nothing changes either way', async () => {
      const alice = Client.http(origin);
      await alice.login('alice');
      const script = await alice.request('/mine/', { method: 'POST', json: {}, headers: { 'x-requested-with': 'XMLHttpRequest', origin } });
      expect(script.status).toBe(403);
      expect(script.json()).toMatchObject({ error: 'csrf_failed' });
      const form = await alice.request('/mine/', { form: { a: '1' }, headers: { origin } });
      expect(form.status).toBe(403);
      expect(form.body).toMatch(/<html/);
    });
  });
}
