/**
 * Browser or API: one negotiation rule for denials, errors and the CSRF refusal. Accept preferring
 * JSON gets JSON (401 / 403 / 404 / csrf_failed); a browser gets the login redirect and pages;
 * Node's own fetch (`Accept: *\/*`, `Sec-Fetch-Mode: cors`) is not taken for an API client.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_JSON } from '../client.js';
import { type ConformanceScenarioGroup, browser, loggedIn } from '../world.js';
import { FORBIDDEN_JSON, expectLogin } from './checks.js';

/** Accept headers that prefer JSON, and ones that do not. */
const PREFERS_JSON = ['application/json', 'application/json, text/html;q=0.9', 'text/html;q=0.5, application/json'];
const PREFERS_PAGES = ['text/html', 'text/html, application/json;q=0.9', '*/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'];

/** The negotiation scenarios. */
export const negotiationScenarios: ConformanceScenarioGroup = {
  name: 'browser or API',
  scenarios: [
    {
      name: 'anonymous on a restricted route: 401 JSON when Accept prefers JSON, else the login redirect',
      async run(world, expect) {
        for (const accept of PREFERS_JSON) expectLogin(expect, await browser(world).request('/invoices/', { headers: { accept } }), '/invoices/', true, accept);
        for (const accept of PREFERS_PAGES)
          expectLogin(expect, await browser(world).request('/invoices/', { headers: { accept } }), '/invoices/', false, accept);
        // Node's fetch as it comes: a redirect, not JSON.
        const plain = await browser(world).request('/invoices/', { headers: { accept: '*/*', 'sec-fetch-mode': 'cors' } });
        expectLogin(expect, plain, '/invoices/', false, 'node fetch');
      },
    },
    {
      name: 'logged in without the permission: 403 JSON or the 403 page',
      async run(world, expect) {
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        for (const accept of PREFERS_JSON) {
          const res = await alice.request('/invoices/', { headers: { accept } });
          expect(res.status, accept).toBe(403);
          expect(res.json(), accept).toEqual(FORBIDDEN_JSON);
        }
        for (const accept of PREFERS_PAGES) {
          const res = await alice.request('/invoices/', { headers: { accept } });
          expect(res.status, accept).toBe(403);
          expect(res.headers['content-type'] ?? '', accept).toMatch(/^text\/html/);
          expect(res.body, accept).toContain('Access denied');
        }
      },
    },
    {
      name: 'an unknown URL: 404 page or JSON; a known URL with the wrong method: 405 with Allow',
      async run(world, expect) {
        const page = await browser(world).request('/no/such/page/');
        expect(page.status).toBe(404);
        expect(page.headers['content-type'] ?? '').toMatch(/^text\/html/);
        const api = await browser(world).request('/no/such/page/', { headers: { accept: ACCEPT_JSON } });
        expect(api.status).toBe(404);
        expect(api.json().error).toBe('not_found');
        const wrongMethod = await browser(world).request('/dashboard/', { method: 'POST', form: {} });
        expect(wrongMethod.status).toBe(405);
        expect(wrongMethod.headers.allow ?? '').toContain('GET');
      },
    },
    {
      name: 'a CSRF refusal: the expired-form page, or csrf_failed JSON',
      async run(world, expect) {
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        const page = await alice.request('/profile/', { form: {} });
        expect(page.status).toBe(403);
        expect(page.body).toContain('This form has expired');
        const api = await alice.request('/profile/', { json: {}, headers: { accept: ACCEPT_JSON } });
        expect(api.status).toBe(403);
        expect(api.json()).toEqual({ error: 'csrf_failed', message: 'The form has expired. Reload the page and try again.' });
      },
    },
  ],
};
