/**
 * Hostile input gets a clear 4xx, never a 5xx or a stack trace, and changes nothing: malformed
 * cookies, oversized bodies and fields, too many fields, broken encodings, broken JSON, Host
 * headers this site does not answer, and forwarded headers from a client nobody trusts.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_HTML, ACCEPT_JSON, type ConformanceClient, rawRequest } from '../client.js';
import { type ConformanceScenarioGroup, type ConformanceWorld, browser, loggedIn } from '../world.js';
import { expectClientError, expectNoServerError, setsSession } from './checks.js';

/** A browser that loaded the login page: its cookie header and the page's token. */
async function ticket(world: ConformanceWorld): Promise<{ client: ConformanceClient; cookie: string; token: string }> {
  const client = browser(world);
  await client.request('/accounts/login/');
  return { client, cookie: client.cookieHeader() ?? '', token: client.lastToken };
}

function manyFields(count: number, token: string): string {
  const fields = Array.from({ length: count }, (_, i) => `f${i}=x`);
  return [`csrfmiddlewaretoken=${token}`, ...fields].join('&');
}

/** The bad-input scenarios. */
export const badInputScenarios: ConformanceScenarioGroup = {
  name: 'bad input',
  scenarios: [
    {
      name: 'malformed Cookie headers: no session, no 5xx; an unsafe request with them is refused by CSRF',
      async run(world, expect) {
        const cookies = [
          'sessionid',
          '=;=;=',
          'sessionid=%E0%A4%A',
          'csrftoken=%; sessionid=%%',
          'sessionid="unterminated',
          `sessionid=${'A'.repeat(8000)}`,
          'a=b; a=c; sessionid=; sessionid=x',
          '\u00e9=\u00e9',
          ';;;;',
        ];
        for (const cookie of cookies) {
          const res = await rawRequest(world.origin, { path: '/whoami/', headers: { cookie, accept: ACCEPT_JSON } });
          expect(res.status, cookie.slice(0, 40)).toBe(200);
          expect(res.json(), cookie.slice(0, 40)).toEqual({ user: '', anonymous: true });
          const post = await rawRequest(world.origin, {
            method: 'POST',
            path: '/accounts/login/',
            headers: { cookie, accept: ACCEPT_HTML, 'content-type': 'application/x-www-form-urlencoded' },
            body: `username=frank&password=${encodeURIComponent(CONFORMANCE_PASSWORD)}`,
          });
          expect(post.status, cookie.slice(0, 40)).toBe(403);
          expect(setsSession(post), cookie.slice(0, 40)).toBe(false);
        }
      },
    },
    {
      name: 'an unknown or forged session id is no session, and the cookie is cleared',
      async run(world, expect) {
        for (const value of ['A'.repeat(43), 'garbage', 'x'.repeat(5000)]) {
          const res = await rawRequest(world.origin, { path: '/whoami/', headers: { cookie: `sessionid=${value}`, accept: ACCEPT_JSON } });
          expect(res.status).toBe(200);
          expect(res.json()).toEqual({ user: '', anonymous: true });
          expect(
            res.setCookies.some((line) => /^sessionid=;/.test(line) && /expires=[^;]*1970|max-age=0/i.test(line)),
            value.slice(0, 20),
          ).toBe(true);
        }
      },
    },
    {
      name: 'an oversized field: 413 on the login form; an oversized body on an app route: 413',
      async run(world, expect) {
        const { client, token } = await ticket(world);
        const huge = await client.request('/accounts/login/', { form: { csrfmiddlewaretoken: token, username: 'frank', password: 'x'.repeat(200_000) } });
        expect(huge.status).toBe(413);
        expect(huge.body).not.toMatch(/xxxxxxxx/);
        expect(client.session()).toBeUndefined();
        const before = world.state.changes;
        const body = await client
          .request('/echo/', { form: { csrfmiddlewaretoken: token, big: 'y'.repeat(2_000_000) } })
          .catch((error: unknown) => error as Error);
        // The server may answer 413 and close before reading it all; either way nothing ran.
        if (!(body instanceof Error)) expect(body.status).toBe(413);
        expect(world.state.changes).toBe(before);
      },
    },
    {
      name: 'more than 200 form fields: 413, on the account views and on app routes; 200 fields pass',
      async run(world, expect) {
        const { client, cookie, token } = await ticket(world);
        const headers = { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: ACCEPT_HTML };
        const login = await client.request('/accounts/login/', { body: manyFields(250, token), headers });
        expect(login.status).toBe(413);
        const before = world.state.changes;
        const app = await client.request('/echo/', { body: manyFields(250, token), headers });
        expect(app.status).toBe(413);
        expect(world.state.changes).toBe(before);
        const fits = await client.request('/echo/', { body: manyFields(199, token), headers: { ...headers, accept: ACCEPT_JSON } });
        expect(fits.status).toBe(200);
        expect(fits.json()).toEqual({ fields: 200 });
      },
    },
    {
      name: 'invalid percent-encoding or UTF-8 in the path: 400 that echoes nothing; in a form or query: no 5xx',
      async run(world, expect) {
        for (const path of ['/%zz', '/orders/%E0%A4%A/', '/dashboard/%C0%AF%zz/']) {
          const res = await rawRequest(world.origin, { path, headers: { accept: ACCEPT_HTML } });
          expect(res.status, path).toBe(400);
          expect(res.body, path).not.toContain('%');
          expectClientError(expect, res, path);
        }
        const { cookie, token } = await ticket(world);
        for (const body of ['username=%E0%A4%A&password=%', 'username=%FF%FE&password=%C0%AF', '&&&===&', 'username[$ne]=1&password[$ne]=1']) {
          const res = await rawRequest(world.origin, {
            method: 'POST',
            path: '/accounts/login/',
            headers: { cookie, 'x-csrftoken': token, accept: ACCEPT_HTML, 'content-type': 'application/x-www-form-urlencoded' },
            body,
          });
          expectNoServerError(expect, res, body);
          expect(setsSession(res), body).toBe(false);
        }
        const rawBytes = await rawRequest(world.origin, {
          method: 'POST',
          path: '/accounts/login/',
          headers: { cookie, 'x-csrftoken': token, accept: ACCEPT_HTML, 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.concat([Buffer.from('username='), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('&password=x')]),
        });
        expectNoServerError(expect, rawBytes, 'raw invalid UTF-8');
        for (const path of [
          '/whoami/?q=%E0%A4%A',
          '/accounts/login/?next=%E0%A4%A',
          `/accounts/login/?next=${'%2F'.repeat(3000)}`,
          '/accounts/login/?next=%0D%0ALocation:%20http://evil.com',
          '/accounts/login/?next[]=x&next=y',
          `/${'a/'.repeat(2000)}`,
          '/accounts/reset/%00/%00/',
        ]) {
          const res = await rawRequest(world.origin, { path, headers: { accept: ACCEPT_HTML } });
          expectNoServerError(expect, res, path.slice(0, 60));
          expect(res.location ?? '', path.slice(0, 60)).not.toMatch(/evil/);
        }
      },
    },
    {
      name: 'broken JSON: 400 without internals; prototype keys change nothing; an unknown content type: 415',
      async run(world, expect) {
        const { cookie, token } = await ticket(world);
        const post = (body: string, contentType = 'application/json') =>
          rawRequest(world.origin, {
            method: 'POST',
            path: '/accounts/login/',
            headers: { cookie, 'x-csrftoken': token, accept: ACCEPT_JSON, 'content-type': contentType },
            body,
          });
        const broken = await post('{"username":');
        expect(broken.status).toBe(400);
        expectClientError(expect, broken, 'broken JSON');
        const proto = await post('{"__proto__":{"isSuperuser":true},"username":"frank","password":"x"}');
        expectNoServerError(expect, proto, '__proto__');
        expect(setsSession(proto)).toBe(false);
        for (const odd of ['{"username":{"$ne":1},"password":{"$gt":""}}', '["frank","x"]', '"frank"']) {
          const res = await post(odd);
          expectNoServerError(expect, res, odd);
          expect(setsSession(res), odd).toBe(false);
        }
        const xml = await post('<login/>', 'application/xml');
        expect(xml.status).toBe(415);
        expectClientError(expect, xml, 'xml');
      },
    },
    {
      name: 'a Host this site does not answer: 400 before anything runs, no cookie, even with a valid session',
      async run(world, expect) {
        const frank = await loggedIn(world, 'frank', CONFORMANCE_PASSWORD);
        const cookie = frank.cookieHeader() ?? '';
        for (const host of ['evil.com', 'evil.com:80', '127.0.0.1.evil.com', 'localhost.evil.com', 'a b', '[::1', 'user@127.0.0.1']) {
          const res = await rawRequest(world.origin, { path: '/dashboard/', headers: { host, cookie, accept: ACCEPT_HTML } });
          expect(res.status, host).toBe(400);
          expect(res.setCookies, host).toEqual([]);
          expect(res.body, host).not.toContain('frank');
          expectClientError(expect, res, host);
        }
        const before = frank.session();
        const login = await rawRequest(world.origin, {
          method: 'POST',
          path: '/accounts/login/',
          headers: { host: 'evil.com', cookie, 'x-csrftoken': frank.lastToken, 'content-type': 'application/x-www-form-urlencoded' },
          body: `username=frank&password=${encodeURIComponent(CONFORMANCE_PASSWORD)}`,
        });
        expect(login.status).toBe(400);
        expect(setsSession(login)).toBe(false);
        expect(frank.session()).toBe(before);
        expect((await frank.request('/dashboard/')).status).toBe(200);
      },
    },
    {
      name: 'forwarded headers from an untrusted client are ignored: X-Forwarded-Proto cannot make a cross-origin post pass, nor break a page',
      async run(world, expect) {
        const { client, token } = await ticket(world);
        const httpsOrigin = `https://${new URL(world.origin).host}`;
        const before = world.state.changes;
        const forged = await client.request('/echo/', { form: { csrfmiddlewaretoken: token }, headers: { 'x-forwarded-proto': 'https', origin: httpsOrigin } });
        expect(forged.status).toBe(403);
        expect(world.state.changes).toBe(before);
        const forwarded: Record<string, string>[] = [
          { 'x-forwarded-proto': 'https://evil.example/?' },
          { 'x-forwarded-host': 'evil.com' },
          { 'x-forwarded-for': 'not an address' },
          { forwarded: 'for=1.2.3.4;proto=https;host=evil.com' },
        ];
        for (const headers of forwarded) {
          const res = await client.request('/whoami/', { headers: { ...headers, accept: ACCEPT_JSON } });
          expect(res.status, JSON.stringify(headers)).toBe(200);
          expect(res.json()).toEqual({ user: '', anonymous: true });
        }
        const page = await client.request('/accounts/login/', { headers: { 'x-forwarded-proto': 'https' } });
        expect(page.status).toBe(200);
        expect(page.setCookies.every((line) => !/;\s*secure/i.test(line))).toBe(true);
      },
    },
    {
      name: 'odd Accept headers never earn a 5xx',
      async run(world, expect) {
        for (const accept of ['*/*;q=abc', 'application/json;q=NaN, text/html;q=0.1', ';;;,,,', 'x'.repeat(5000), 'application/json;q=2']) {
          const res = await browser(world).request('/accounts/password_change/', { headers: { accept } });
          expectNoServerError(expect, res, accept.slice(0, 30));
        }
      },
    },
  ],
};
