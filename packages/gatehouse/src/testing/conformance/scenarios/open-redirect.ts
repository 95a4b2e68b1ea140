/**
 * The open-redirect set for `next`: absolute, scheme-relative, backslash, `javascript:` and their
 * encoded spellings are never followed — by the login form (field or query), by logout — and an
 * unsafe value is not even echoed into the login form. Bob is logged in with each.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { type ConformanceScenarioGroup, browser, loggedIn } from '../world.js';

/** Values as a form field carries them (already decoded). */
const UNSAFE = [
  '//evil.com',
  '//evil.com/',
  '/\\evil.com',
  '\\\\evil.com',
  'https://evil.com/',
  'http:evil.com',
  'https:evil.com',
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  '\t//evil.com',
  ' //evil.com',
  '///evil.com',
  `/${'x'.repeat(2100)}`,
];

/** Spellings in a query string (percent-encoded as a link would carry them). */
const UNSAFE_QUERIES = [
  '%2F%2Fevil.com',
  '%2F%5Cevil.com',
  '/%5Cevil.com',
  '%5C%5Cevil.com',
  '%09//evil.com',
  '%20//evil.com',
  '//evil.com%20',
  'https%3A%2F%2Fevil.com',
  'javascript%3Aalert(1)',
  '%2F%2F%65vil.com',
];

/** The open-redirect scenarios. */
export const openRedirectScenarios: ConformanceScenarioGroup = {
  name: 'open redirects through next',
  scenarios: [
    {
      name: 'a safe next (field or query) is followed',
      async run(world, expect) {
        const client = browser(world);
        const page = await client.request('/accounts/login/?next=/orders/1/%3Fx%3D1');
        expect(page.body).toContain('name="next" value="/orders/1/?x=1"');
        const res = await client.request('/accounts/login/', {
          form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: CONFORMANCE_PASSWORD, next: '/orders/1/?x=1' },
        });
        expect(res.status).toBe(302);
        expect(res.location).toBe('/orders/1/?x=1');
      },
    },
    {
      name: 'unsafe next values in the login form field fall back to the login redirect, and are not echoed into the form',
      async run(world, expect) {
        for (const next of UNSAFE) {
          const client = browser(world);
          const page = await client.request(`/accounts/login/?next=${encodeURIComponent(next)}`);
          expect(page.status, next).toBe(200);
          expect(page.body, next).not.toContain('name="next"');
          const res = await client.request('/accounts/login/', {
            form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: CONFORMANCE_PASSWORD, next },
          });
          expect(res.status, JSON.stringify(next)).toBe(302);
          expect(res.location, JSON.stringify(next)).toBe('/dashboard/');
        }
      },
    },
    {
      name: 'encoded unsafe next values in the login URL are never followed',
      async run(world, expect) {
        for (const query of UNSAFE_QUERIES) {
          const client = browser(world);
          const page = await client.request(`/accounts/login/?next=${query}`);
          expect(page.status, query).toBe(200);
          expect(page.body, query).not.toMatch(/name="next" value="[^"]*evil/);
          const res = await client.request(`/accounts/login/?next=${query}`, {
            form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: CONFORMANCE_PASSWORD },
          });
          expect(res.status, query).toBe(302);
          expect(res.location, query).toBe('/dashboard/');
        }
      },
    },
    {
      name: 'logout follows a safe next and never an unsafe one',
      async run(world, expect) {
        const safe = await loggedIn(world, 'bob', CONFORMANCE_PASSWORD);
        expect((await safe.submit('/accounts/login/', { next: '/bye/' }, '/accounts/logout/')).location).toBe('/bye/');
        for (const next of ['//evil.com', 'https://evil.com/', '/\\evil.com', 'javascript:alert(1)']) {
          const client = await loggedIn(world, 'bob', CONFORMANCE_PASSWORD);
          const res = await client.submit('/accounts/login/', { next }, '/accounts/logout/');
          expect(res.status, next).toBe(302);
          expect(res.location, next).toBe('/accounts/login/');
        }
      },
    },
    {
      name: 'the next of the login redirect is the requested path, encoded, and decodes back to it',
      async run(world, expect) {
        const res = await browser(world).request('/dashboard/?tab=a&b=c%20d');
        expect(res.status).toBe(302);
        expect(res.location).toBe('/accounts/login/?next=/dashboard/%3Ftab%3Da%26b%3Dc%2520d');
        expect(new URL(res.location ?? '', world.origin).searchParams.get('next')).toBe('/dashboard/?tab=a&b=c%20d');
      },
    },
  ],
};
