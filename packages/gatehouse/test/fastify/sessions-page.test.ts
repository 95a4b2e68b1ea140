/**
 * The account page listing the user's sessions and API tokens, over real HTTP on both databases:
 * the current session marked, one session ended, every other one ended, a token revoked; another
 * user's ids change nothing; CSRF is required; nobody else's sessions are listed.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { Client, type TestApp, buildApp } from './helpers.js';

describe.each(testDatabases())('the sessions page on $label', ({ kind }) => {
  let built: TestApp;
  let origin: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    drop = fresh.drop;
    built = await buildApp({ databaseUrl: fresh.url });
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await built?.close();
    await drop?.();
  });

  async function loggedIn(username: string, agent: string): Promise<Client> {
    const client = Client.http(origin);
    await client.request('/accounts/login/', { headers: { 'user-agent': agent } });
    const res = await client.submit('/accounts/login/', { username, password: 'correct horse battery staple' }, '/accounts/login/', { 'user-agent': agent });
    expect(res.status).toBe(302);
    return client;
  }

  async function rowsOf(client: Client): Promise<string> {
    const page = await client.request('/accounts/sessions/');
    expect(page.status).toBe(200);
    return page.body;
  }

  it('lists only the user’s own sessions, marks this one, and ends one or all the others', async () => {
    const laptop = await loggedIn('alice', 'Laptop-Browser/1.0');
    const phone = await loggedIn('alice', 'Phone-Browser/2.0');
    const tablet = await loggedIn('alice', 'Tablet-Browser/3.0');
    const bob = await loggedIn('bob', 'Bob-Browser/9.9');
    const page = await rowsOf(laptop);
    expect(page).toContain('Laptop-Browser/1.0 <strong>(this one)</strong>');
    expect(page).toContain('Phone-Browser/2.0');
    expect(page).not.toContain('Bob-Browser');
    expect(page).toContain('Log out everywhere else');

    const phoneId = /Phone-Browser\/2\.0[\s\S]*?name="session" value="([0-9a-f]{64})"/.exec(page)?.[1];
    const bobId = /name="session" value="([0-9a-f]{64})"/.exec(await rowsOf(bob))?.[1];
    expect(phoneId).toBeDefined();
    expect((await laptop.submit('/accounts/sessions/', { action: 'end_session', session: bobId as string })).status).toBe(404);
    expect((await bob.request('/accounts/sessions/')).status).toBe(200);
    const ended = await laptop.submit('/accounts/sessions/', { action: 'end_session', session: phoneId as string });
    expect(ended.status).toBe(302);
    expect((await phone.request('/accounts/sessions/')).status).toBe(302);
    expect((await tablet.request('/accounts/sessions/')).status).toBe(200);

    await rowsOf(laptop);
    expect((await laptop.submit('/accounts/sessions/', { action: 'end_others' })).status).toBe(302);
    expect((await tablet.request('/accounts/sessions/')).status).toBe(302);
    expect((await laptop.request('/accounts/sessions/?done=others')).body).toContain('Every other session was ended.');
    await bob.request('/accounts/sessions/');
  });

  it('revokes the user’s own API token, refuses another user’s, and needs the CSRF token', async () => {
    const alice = await loggedIn('alice', 'A');
    const aliceUser = (await built.t.gatehouse.stores.users.getByUsername('alice'))!;
    const bobUser = (await built.t.gatehouse.stores.users.getByUsername('bob'))!;
    const mine = await built.t.gatehouse.apiTokens.create(aliceUser, { name: 'laptop script' });
    const theirs = await built.t.gatehouse.apiTokens.create(bobUser, { name: 'bob script' });
    const page = await rowsOf(alice);
    expect(page).toContain('laptop script');
    expect(page).not.toContain('bob script');
    expect(page).not.toContain(mine.token.slice(10));
    expect((await alice.submit('/accounts/sessions/', { action: 'revoke_token', token: String(theirs.info.id) })).status).toBe(404);
    expect((await built.t.gatehouse.apiTokens.authenticate(theirs.token)).ok).toBe(true);
    const noCsrf = await alice.request('/accounts/sessions/', { form: { action: 'revoke_token', token: String(mine.info.id) } });
    expect(noCsrf.status).toBe(403);
    expect((await built.t.gatehouse.apiTokens.authenticate(mine.token)).ok).toBe(true);
    await rowsOf(alice);
    expect((await alice.submit('/accounts/sessions/', { action: 'revoke_token', token: String(mine.info.id) })).status).toBe(302);
    expect((await built.t.gatehouse.apiTokens.authenticate(mine.token)).ok).toBe(false);
    for (const form of [{ action: 'nonsense' }, { action: 'revoke_token', token: 'abc' }, { action: 'end_session', session: 'x'.repeat(5000) }, {}]) {
      await rowsOf(alice);
      const res = await alice.submit('/accounts/sessions/', form as Record<string, string>);
      expect(res.status, JSON.stringify(form)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('sends anonymous visitors to log in', async () => {
    const res = await Client.http(origin).request('/accounts/sessions/');
    expect(res.status).toBe(302);
    expect(res.location).toMatch(/^\/accounts\/login\/\?next=\/accounts\/sessions\//);
  });
});
