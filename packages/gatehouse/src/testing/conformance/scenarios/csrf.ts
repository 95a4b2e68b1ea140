/**
 * CSRF from the attacker's side on the app's own routes: missing, wrong and foreign tokens, a
 * cross-origin Origin, the token a page hands out (form field or header), rotation at login, and
 * that a refused request changes nothing.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_JSON, type ConformanceClient } from '../client.js';
import { type ConformanceScenarioGroup, type ConformanceWorld, browser } from '../world.js';

/** A browser that loaded the login page: it holds the CSRF cookie and the page's token. */
async function withToken(world: ConformanceWorld): Promise<ConformanceClient> {
  const client = browser(world);
  await client.request('/accounts/login/');
  return client;
}

/** The CSRF scenarios. */
export const csrfScenarios: ConformanceScenarioGroup = {
  name: 'CSRF',
  scenarios: [
    {
      name: 'no cookie and no token: 403 (the expired-form page, or csrf_failed JSON), nothing changed',
      async run(world, expect) {
        const before = world.state.changes;
        const page = await browser(world).request('/echo/', { form: { a: '1' } });
        expect(page.status).toBe(403);
        expect(page.headers['content-type'] ?? '').toMatch(/^text\/html/);
        expect(page.body).toContain('This form has expired');
        expect(page.headers['cache-control']).toBe('no-store');
        const api = await browser(world).request('/echo/', { json: { a: 1 }, headers: { accept: ACCEPT_JSON } });
        expect(api.status).toBe(403);
        expect(api.json().error).toBe('csrf_failed');
        expect(world.state.changes).toBe(before);
      },
    },
    {
      name: 'the cookie without a token, a wrong or malformed token, another browser’s token: 403',
      async run(world, expect) {
        const before = world.state.changes;
        const client = await withToken(world);
        const theirs = await withToken(world);
        expect((await client.request('/echo/', { form: { a: '1' } })).status, 'no token').toBe(403);
        const token = client.lastToken;
        const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
        for (const bad of [flipped, 'x', token.slice(1), `${token}x`, 'A'.repeat(86), '%00'.repeat(30), theirs.lastToken]) {
          expect((await client.request('/echo/', { form: { csrfmiddlewaretoken: bad } })).status, bad.slice(0, 20)).toBe(403);
          expect((await client.request('/echo/', { json: {}, headers: { 'x-csrftoken': bad } })).status, bad.slice(0, 20)).toBe(403);
        }
        expect(world.state.changes).toBe(before);
      },
    },
    {
      name: 'the token from the login page works, in the form field or the X-CSRFToken header, for forms and JSON',
      async run(world, expect) {
        const before = world.state.changes;
        const client = await withToken(world);
        const token = client.lastToken;
        expect((await client.request('/echo/', { form: { csrfmiddlewaretoken: token, a: '1' } })).json()).toEqual({ fields: 2 });
        expect((await client.request('/echo/', { form: { a: '1' }, headers: { 'x-csrftoken': token } })).status).toBe(200);
        expect((await client.request('/echo/', { json: { a: 1 }, headers: { 'x-csrftoken': token } })).status).toBe(200);
        // A script's token (the JSON route) is as good as a page's.
        const script = (await client.request('/csrf/', { headers: { accept: ACCEPT_JSON } })).json<{ token: string }>().token;
        expect(script).not.toBe(token);
        expect((await client.request('/echo/', { json: {}, headers: { 'x-csrftoken': script } })).status).toBe(200);
        expect(world.state.changes).toBe(before + 4);
      },
    },
    {
      name: 'a cross-origin Origin is refused even with a valid token (Origin: null too); the same origin passes',
      async run(world, expect) {
        const client = await withToken(world);
        const token = client.lastToken;
        const before = world.state.changes;
        for (const origin of ['http://evil.com', 'null', 'http://127.0.0.1.evil.com', `https://${new URL(world.origin).host}`]) {
          expect((await client.request('/echo/', { form: { csrfmiddlewaretoken: token }, headers: { origin } })).status, origin).toBe(403);
        }
        expect(world.state.changes).toBe(before);
        expect((await client.request('/echo/', { form: { csrfmiddlewaretoken: token }, headers: { origin: world.origin } })).status).toBe(200);
      },
    },
    {
      name: 'the token rotates at login: the one from before no longer works, a new page’s does',
      async run(world, expect) {
        const client = await withToken(world);
        const tokenBefore = client.lastToken;
        const cookieBefore = client.cookies.get('csrftoken');
        await client.login('frank', CONFORMANCE_PASSWORD);
        expect(client.cookies.get('csrftoken')).toBeDefined();
        expect(client.cookies.get('csrftoken')).not.toBe(cookieBefore);
        expect((await client.request('/profile/', { form: { csrfmiddlewaretoken: tokenBefore } })).status).toBe(403);
        await client.request('/accounts/password_change/');
        expect((await client.request('/profile/', { form: { csrfmiddlewaretoken: client.lastToken } })).json()).toEqual({ changed: true, user: 'frank' });
      },
    },
    {
      name: 'a CSRF cookie planted before login is replaced at login',
      async run(world, expect) {
        const attacker = await withToken(world);
        const victim = browser(world);
        victim.cookies.set('csrftoken', attacker.cookies.get('csrftoken') ?? '');
        await victim.login('frank', CONFORMANCE_PASSWORD);
        expect(victim.cookies.get('csrftoken')).not.toBe(attacker.cookies.get('csrftoken'));
        expect((await victim.request('/profile/', { form: { csrfmiddlewaretoken: attacker.lastToken } })).status).toBe(403);
      },
    },
  ],
};
