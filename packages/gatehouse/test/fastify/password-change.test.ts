/**
 * Password change: the old password is required (and throttled), the validators run, this
 * session continues under a new id and every other session of the user ends.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticated } from '../../src/fastify/index.js';
import { Client, PASSWORD, type TestApp, buildApp } from './helpers.js';

describe('password change', () => {
  let h: TestApp;

  beforeAll(async () => {
    h = await buildApp({
      config: { throttle: { perAccountAndAddress: 3, perAddress: 50, window: 900 } },
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
  });
  afterAll(async () => h.close());

  const change = (client: Client, form: Record<string, string>) => client.submit('/accounts/password_change/', form);

  test('anonymous → login', async () => {
    const res = await Client.inject(h.app).request('/accounts/password_change/');
    expect(res.location).toBe('/accounts/login/?next=/accounts/password_change/');
    expect((await Client.inject(h.app).request('/accounts/password_change/done/')).status).toBe(302);
  });

  test('wrong old password, mismatch, weak password: errors, nothing changed', async () => {
    const client = Client.inject(h.app);
    await client.login('bob');
    const wrong = await change(client, { old_password: 'nope', new_password1: 'a fresh Passphrase 1', new_password2: 'a fresh Passphrase 1' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toContain('Your old password was entered incorrectly');
    const mismatch = await change(client, { old_password: PASSWORD, new_password1: 'a fresh Passphrase 1', new_password2: 'a fresh Passphrase 2' });
    expect(mismatch.body).toContain('The two password fields didn’t match.');
    const weak = await change(client, { old_password: PASSWORD, new_password1: 'password', new_password2: 'password' });
    expect(weak.body).toContain('This password is too common.');
    const similar = await change(client, { old_password: PASSWORD, new_password1: 'bob@example.com', new_password2: 'bob@example.com' });
    expect(similar.body).toMatch(/too similar/);
    // Strong where the strength validator looks (its first 48 characters), too long for the hasher.
    const long = 'Tundra-Quokka-5841-Velvet-'.padEnd(5000, 'x');
    const tooLong = await change(client, { old_password: PASSWORD, new_password1: long, new_password2: long });
    expect(tooLong.status).toBe(200);
    expect(tooLong.body).toMatch(/too long/);
    expect(await h.t.gatehouse.authenticate({ username: 'bob', password: PASSWORD })).not.toBeNull();
  });

  test('success: this session continues under a new id, the others end, the new password works', async () => {
    const elsewhere = Client.inject(h.app);
    await elsewhere.login('alice');
    const here = Client.inject(h.app);
    await here.login('alice');
    const before = here.session()!;
    const res = await change(here, { old_password: PASSWORD, new_password1: 'a fresh Passphrase 1', new_password2: 'a fresh Passphrase 1' });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/accounts/password_change/done/');
    expect(here.session()).toBeDefined();
    expect(here.session()).not.toBe(before);
    expect(await h.t.gatehouse.sessions.load(before)).toBeNull();
    expect((await here.request('/dashboard/')).json()).toEqual({ user: 'alice' });
    expect((await here.request('/accounts/password_change/done/')).body).toContain('Password changed');
    expect((await elsewhere.request('/dashboard/')).status).toBe(302);
    expect(await h.t.gatehouse.authenticate({ username: 'alice', password: PASSWORD })).toBeNull();
    expect(await h.t.gatehouse.authenticate({ username: 'alice', password: 'a fresh Passphrase 1' })).not.toBeNull();
    expect((await h.t.gatehouse.audit.list({ action: 'auth.password_change' })).some((e) => e.target === 'alice')).toBe(true);
  });

  test('without a CSRF token → 403, nothing changed', async () => {
    const client = Client.inject(h.app);
    await client.login('sam');
    const res = await client.request('/accounts/password_change/', {
      form: { old_password: PASSWORD, new_password1: 'a fresh Passphrase 1', new_password2: 'a fresh Passphrase 1' },
    });
    expect(res.status).toBe(403);
    expect(await h.t.gatehouse.authenticate({ username: 'sam', password: PASSWORD })).not.toBeNull();
  });

  test('guessing the old password from a stolen session is throttled', async () => {
    const thief = Client.inject(h.app);
    await thief.login('fin');
    for (let i = 0; i < 3; i += 1) expect((await change(thief, { old_password: `guess${i}`, new_password1: 'x', new_password2: 'x' })).status).toBe(200);
    const blocked = await change(thief, { old_password: PASSWORD, new_password1: 'a fresh Passphrase 1', new_password2: 'a fresh Passphrase 1' });
    expect(blocked.status).toBe(429);
    expect(await h.t.gatehouse.authenticate({ username: 'fin', password: PASSWORD })).not.toBeNull();
  });
});
