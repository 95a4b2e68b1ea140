/**
 * Response headers every adapter sends the same: the security headers (framing denied, a CSP, no
 * sniffing, same-origin referrers, no HSTS over development HTTP) on every kind of answer,
 * `Cache-Control: no-store` on every account page, and `Vary: Cookie` where the session shapes
 * the answer.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_HTML, ACCEPT_JSON, type ClientResponse, rawRequest } from '../client.js';
import { type ConformanceScenarioGroup, type Expect, browser, loggedIn } from '../world.js';

function expectSecurityHeaders(expect: Expect, res: ClientResponse, what: string): void {
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['referrer-policy'], what).toBe('same-origin');
  expect(res.headers['cross-origin-opener-policy'], what).toBe('same-origin');
  const csp = res.headers['content-security-policy'] ?? '';
  for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'", "base-uri 'self'"]) {
    expect(csp, `${what}: ${directive}`).toContain(directive);
  }
  // Plain HTTP in development: HSTS would pin the host to HTTPS.
  expect(res.headers['strict-transport-security'], what).toBeUndefined();
}

/** The header scenarios. */
export const headerScenarios: ConformanceScenarioGroup = {
  name: 'response headers',
  scenarios: [
    {
      name: 'security headers on pages, JSON, redirects, denials, errors and refusals',
      async run(world, expect) {
        const anonymous = browser(world);
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        const answers: [string, ClientResponse][] = [
          ['login page', await anonymous.request('/accounts/login/')],
          ['public JSON', await anonymous.request('/whoami/', { headers: { accept: ACCEPT_JSON } })],
          ['session-less route', await anonymous.request('/health/')],
          ['login redirect', await anonymous.request('/dashboard/')],
          ['401 JSON', await anonymous.request('/dashboard/', { headers: { accept: ACCEPT_JSON } })],
          ['app page', await alice.request('/dashboard/')],
          ['403 page', await alice.request('/invoices/')],
          ['403 JSON', await alice.request('/invoices/', { headers: { accept: ACCEPT_JSON } })],
          ['404 page', await anonymous.request('/no/such/page/')],
          ['405', await alice.request('/accounts/logout/')],
          ['CSRF refusal', await alice.request('/profile/', { form: {} })],
          ['bad Host', await rawRequest(world.origin, { path: '/whoami/', headers: { host: 'evil.com', accept: ACCEPT_HTML } })],
        ];
        for (const [what, res] of answers) expectSecurityHeaders(expect, res, `${what} (${res.status})`);
      },
    },
    {
      name: 'Cache-Control: no-store on every account page and answer',
      async run(world, expect) {
        const anonymous = browser(world);
        const frank = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        const answers: [string, ClientResponse][] = [
          ['login', await anonymous.request('/accounts/login/')],
          ['failed login', await anonymous.submit('/accounts/login/', { username: 'frank', password: 'wrong password' })],
          ['successful login', await browser(world).submit('/accounts/login/', { username: 'frank', password: CONFORMANCE_PASSWORD })],
          ['password reset form', await anonymous.request('/accounts/password_reset/')],
          ['password reset sent', await anonymous.request('/accounts/password_reset/done/')],
          ['password reset complete', await anonymous.request('/accounts/reset/done/')],
          ['invalid reset link', await anonymous.request('/accounts/reset/MQ/x-y/')],
          ['password change form', await frank.request('/accounts/password_change/')],
          ['password change done', await frank.request('/accounts/password_change/done/')],
          ['re-auth form', await frank.request('/accounts/reauth/')],
          ['logout', await frank.submit('/accounts/password_change/', {}, '/accounts/logout/')],
        ];
        for (const [what, res] of answers) {
          expect(res.status, what).toBeLessThan(400);
          expect(res.headers['cache-control'] ?? '', `${what} (${res.status})`).toMatch(/no-store/);
        }
      },
    },
    {
      name: 'the account views’ stylesheet is served to anyone, cacheable, as CSS',
      async run(world, expect) {
        const res = await browser(world).request('/accounts/gatehouse.css', { headers: { accept: 'text/css,*/*;q=0.1' } });
        expect(res.status).toBe(200);
        expect(res.headers['content-type'] ?? '').toMatch(/^text\/css/);
        expect(res.headers['cache-control']).toBe('public, max-age=3600');
        expect(res.setCookies).toEqual([]);
        expect((await browser(world).request('/accounts/login/')).body).toContain('href="/accounts/gatehouse.css"');
      },
    },
    {
      name: 'Vary: Cookie on answers shaped by the session',
      async run(world, expect) {
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        const answers: [string, ClientResponse][] = [
          ['app page', await alice.request('/dashboard/')],
          ['public route read with a session', await alice.request('/whoami/', { headers: { accept: ACCEPT_JSON } })],
          ['403 page', await alice.request('/invoices/')],
          ['login page with a session', await alice.request('/accounts/login/')],
        ];
        for (const [what, res] of answers) {
          const vary = (res.headers.vary ?? '').split(',').map((v) => v.trim().toLowerCase());
          expect(vary, `${what} (${res.status})`).toContain('cookie');
        }
      },
    },
  ],
};
