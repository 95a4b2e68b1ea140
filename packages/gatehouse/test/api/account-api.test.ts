/**
 * The JSON account API over real HTTP, driven as an SPA drives it (fetch, cookies, the CSRF
 * header from GET csrf) and as a script does (a bearer token), on SQLite and PostgreSQL. Every
 * answer is JSON, including denials and CSRF failures; no step parses HTML.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { critical, permission, publicAccess, recentAuth } from '../../src/fastify/index.js';
import { openApiDocument } from '../../src/http/api/openapi.js';
import { PASSWORD, type TestApp, buildApp } from '../fastify/helpers.js';
import { freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { SpaClient } from './spa-client.js';

const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

describe.each(testDatabases())('JSON account API on $label', ({ kind }) => {
  let built: TestApp;
  let origin: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshDatabaseUrl(kind);
    drop = fresh.drop;
    built = await buildApp({
      databaseUrl: fresh.url,
      plugin: { api: {}, admin: {} },
      routes: (app) => {
        app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async (request) => ({
          invoices: [],
          user: request.user.username,
          via: request.auth.via,
        }));
        app.post('/payouts/:id/approve/', { config: { access: critical('billing.approve_payout') } }, async () => ({ approved: true }));
        app.get('/reports/export/', { config: { access: recentAuth(permission('billing.export_reports')) } }, async () => ({ ok: true }));
        app.get('/hello/', { config: { access: publicAccess() } }, async () => ({ hello: true }));
      },
    });
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await built?.close();
    await drop?.();
  });

  const spa = (): SpaClient => new SpaClient(origin);

  it('logs in with the CSRF token from GET csrf, shows the session, and logs out', async () => {
    const client = spa();
    const csrf = await client.call('GET', '/csrf');
    expect(csrf.status).toBe(200);
    expect(csrf.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(csrf.headers.get('cache-control')).toBe('no-store');
    client.csrfToken = csrf.body.csrfToken;
    const login = await client.login('fin', PASSWORD);
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ username: 'fin', isStaff: true });
    expect(login.body.user.lastLogin).toBeGreaterThan(0);
    expect(JSON.stringify(login.body)).not.toContain('pbkdf2');
    expect(login.setCookies.some((c) => /HttpOnly/i.test(c))).toBe(true);

    const session = await client.call('GET', '/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ user: { username: 'fin' }, groups: ['Finance Approver'], authenticatedBy: 'session' });
    expect(session.body.permissions).toContain('billing.approve_payout');
    expect(Date.parse(session.body.expiresAt)).toBeGreaterThan(Date.now() - 1000 * 3600 * 24 * 365);
    expect(session.body.passwordCheckedAt).not.toBeNull();

    const out = await client.call('POST', '/logout');
    expect(out.status).toBe(204);
    expect((await client.call('GET', '/session')).status).toBe(401);
  });

  it('answers every failure with a stable JSON code, whatever the Accept header', async () => {
    const client = spa();
    await client.fetchCsrf();
    for (const [username, password] of [
      ['fin', 'wrong password'],
      ['nobody_here', PASSWORD],
      ['inactive', PASSWORD],
    ]) {
      const answer = await client.call('POST', '/login', { username, password });
      expect(answer.status, username).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'invalid_credentials', message: expect.any(String) } });
    }
    const missing = await client.call('POST', '/login', { username: 'fin' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', fields: { password: [expect.any(String)] } });
    const anonymous = await client.call('GET', '/session', undefined, { accept: 'text/html' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('not_authenticated');
    const noCsrf = new SpaClient(origin);
    const refused = await noCsrf.call('POST', '/login', { username: 'fin', password: PASSWORD }, { accept: '*/*' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    const get405 = await client.call('GET', '/login');
    expect(get405.status).toBe(405);
  });

  it('never answers bad input with a 5xx', async () => {
    const client = spa();
    await client.fetchCsrf();
    const bodies: unknown[] = [
      'not json',
      '[1,2]',
      '"text"',
      '{"username":{"a":1},"password":[1]}',
      JSON.stringify({ username: 'x'.repeat(5000), password: 'y' }),
      '{"username":"\u0000","password":"\ud800"}',
      'null',
    ];
    for (const body of bodies) {
      const answer = await client.call('POST', '/login', body);
      expect(answer.status, String(body)).toBeGreaterThanOrEqual(400);
      expect(answer.status, String(body)).toBeLessThan(500);
    }
    const loggedIn = spa();
    await loggedIn.login('alice', PASSWORD);
    for (const path of ['/sessions/zzz', `/sessions/${'a'.repeat(64)}`, '/tokens/abc', '/tokens/0', '/tokens/99999999999999999999']) {
      const answer = await loggedIn.call('DELETE', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
  });

  it('throttles a concurrent burst of wrong passwords, then answers throttled with Retry-After', async () => {
    const client = spa();
    await client.fetchCsrf();
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.call('POST', '/login', { username: 'bob', password: 'not the password' })));
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 400).length).toBeLessThanOrEqual(built.t.gatehouse.config.throttle.perAccountAndAddress);
    expect(throttled[0]?.body.error.code).toBe('throttled');
    expect(Number(throttled[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password is refused too while blocked.
    expect((await client.call('POST', '/login', { username: 'bob', password: PASSWORD })).status).toBe(429);
  });

  it('changes the password with per-field errors, ending every other session', async () => {
    const here = spa();
    const elsewhere = spa();
    await here.login('sam', PASSWORD);
    await elsewhere.login('sam', PASSWORD);
    const wrongOld = await here.call('POST', '/password/change', { oldPassword: 'nope', newPassword: NEW_PASSWORD });
    expect(wrongOld.body.error).toMatchObject({ code: 'validation_failed', fields: { oldPassword: [expect.any(String)] } });
    const weak = await here.call('POST', '/password/change', { oldPassword: PASSWORD, newPassword: 'password' });
    expect(weak.body.error.code).toBe('validation_failed');
    expect(weak.body.error.fields.newPassword.length).toBeGreaterThan(0);
    const done = await here.call('POST', '/password/change', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(done.status).toBe(204);
    expect((await here.call('GET', '/session')).status).toBe(200);
    expect((await elsewhere.call('GET', '/session')).status).toBe(401);
    expect((await spa().login('sam', NEW_PASSWORD)).status).toBe(200);
  });

  it('resets a password with the uid and token from the mail, once; 202 whatever the address', async () => {
    const client = spa();
    await client.fetchCsrf();
    built.mailer.clear();
    expect((await client.call('POST', '/password/reset', { email: 'nobody@example.com' })).status).toBe(202);
    const sent = await client.call('POST', '/password/reset', { email: 'ops@example.com' });
    expect(sent.status).toBe(202);
    const mail = await built.mailer.next();
    const match = /\/reset\/([A-Za-z0-9_-]+)\/([A-Za-z0-9-]+)\//.exec(mail.text);
    expect(match).not.toBeNull();
    const [, uid, token] = match as RegExpExecArray;
    const weak = await client.call('POST', '/password/reset/confirm', { uid, token, newPassword: 'ops' });
    expect(weak.body.error.code).toBe('validation_failed');
    const ok = await client.call('POST', '/password/reset/confirm', { uid, token, newPassword: NEW_PASSWORD });
    expect(ok.status).toBe(204);
    const again = await client.call('POST', '/password/reset/confirm', { uid, token, newPassword: 'Saffron-Walrus-7720-Ember' });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');
    const garbage = await client.call('POST', '/password/reset/confirm', { uid: '!!', token: 'x', newPassword: NEW_PASSWORD });
    expect(garbage.body.error.code).toBe('invalid_token');
    expect((await spa().login('ops', NEW_PASSWORD)).status).toBe(200);

    // One link, 100 confirms at once: exactly one sets the password; the rest are refused.
    built.mailer.clear();
    await client.call('POST', '/password/reset', { email: 'bob@example.com' });
    const second = /\/reset\/([A-Za-z0-9_-]+)\/([A-Za-z0-9-]+)\//.exec((await built.mailer.next()).text) as RegExpExecArray;
    const burst = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.call('POST', '/password/reset/confirm', { uid: second[1], token: second[2], newPassword: `Granite-Heron-${4100 + i}-Lantern` }),
      ),
    );
    expect(burst.filter((a) => a.status === 204)).toHaveLength(1);
    // 400: the link no longer checks; 429: too many invalid links from here; 503: the bounded
    // password-hash queue was full (answered at once, nothing changed).
    expect(burst.map((a) => a.status).filter((status) => ![204, 400, 429, 503].includes(status))).toEqual([]);
  });

  it('lists the user\u2019s sessions, ends one, and logs out everywhere else; another user\u2019s id is not found', async () => {
    const a1 = spa();
    const a2 = spa();
    const a3 = spa();
    const other = spa();
    for (const c of [a1, a2, a3]) await c.login('alice', PASSWORD);
    await other.login('bob', PASSWORD).catch(() => undefined);
    const listed = await a1.call('GET', '/sessions');
    expect(listed.status).toBe(200);
    const sessions = listed.body.sessions as { id: string; current: boolean }[];
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    const root = spa();
    await root.login('root', PASSWORD);
    const rootSessions = (await root.call('GET', '/sessions')).body.sessions as { id: string }[];
    expect((await a1.call('DELETE', `/sessions/${rootSessions[0]?.id}`)).status).toBe(404);
    expect((await root.call('GET', '/session')).status).toBe(200);
    const a2Id = ((await a2.call('GET', '/sessions')).body.sessions as { id: string; current: boolean }[]).find((s) => s.current)?.id;
    expect((await a1.call('DELETE', `/sessions/${a2Id}`)).status).toBe(204);
    expect((await a2.call('GET', '/session')).status).toBe(401);
    const ended = await a1.call('DELETE', '/sessions');
    expect(ended.status).toBe(200);
    expect(ended.body.ended).toBeGreaterThanOrEqual(1);
    expect((await a3.call('GET', '/session')).status).toBe(401);
    expect((await a1.call('GET', '/session')).status).toBe(200);
  });

  it('makes a personal API token after a recent password check, shown once; the token works as a script would use it', async () => {
    const client = spa();
    await client.login('fin', PASSWORD);
    built.t.clock.advance((built.t.gatehouse.config.reauthMaxAge + 5) * 1000);
    const stale = await client.call('POST', '/tokens', { name: 'ci' });
    expect(stale.status).toBe(401);
    expect(stale.body.error.code).toBe('reauth_required');
    expect((await client.call('POST', '/reauth', { password: 'wrong' })).body.error.code).toBe('invalid_credentials');
    expect((await client.call('POST', '/reauth', { password: PASSWORD })).status).toBe(204);
    const tooMuch = await client.call('POST', '/tokens', { name: 'ci', permissions: ['ops.view_metrics'] });
    expect(tooMuch.body.error).toMatchObject({ code: 'validation_failed', fields: { permissions: [expect.any(String)] } });
    const made = await client.call('POST', '/tokens', { name: 'ci', expiresInDays: 30, permissions: ['billing.view_invoice'] });
    expect(made.status).toBe(201);
    const secret: string = made.body.token;
    expect(secret).toMatch(/^gh_/);
    const listed = await client.call('GET', '/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(10));
    expect(listed.body.tokens[0]).toMatchObject({ name: 'ci', permissions: ['billing.view_invoice'] });

    const script = new SpaClient(origin);
    script.bearer = secret;
    const invoices = await script.call('GET', '/invoices/');
    expect(invoices.status).toBe(200);
    expect(invoices.body).toMatchObject({ user: 'fin', via: 'token' });
    expect(invoices.setCookies).toEqual([]);
    const me = await script.call('GET', '/session');
    expect(me.body).toMatchObject({ authenticatedBy: 'token', permissions: ['billing.view_invoice'], passwordCheckedAt: null });
    // No CSRF token and no cookie, yet the POST is not refused for CSRF: a bearer request has no ambient credential.
    const approve = await script.call('POST', '/payouts/1/approve/', {});
    expect(approve.status).toBe(403);
    expect(approve.body.error.code).toBe('forbidden');
    expect((await script.call('GET', '/reports/export/')).status).toBe(403);
    expect((await script.call('POST', '/password/change', { oldPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(403);
    expect((await script.call('POST', '/tokens', { name: 'more' })).status).toBe(403);
    const audit = await built.t.gatehouse.stores.audit.list({ limit: 50, newestFirst: true });
    expect(audit.find((e) => e.action === 'access.denied' && e.actor === 'fin')?.data).toMatchObject({ reason: expect.stringMatching(/token/i) });

    const id = listed.body.tokens[0].id;
    expect((await spa().login('alice', PASSWORD)).status).toBe(200);
    const alice = spa();
    await alice.login('alice', PASSWORD);
    expect((await alice.call('DELETE', `/tokens/${id}`)).status).toBe(404);
    expect((await script.call('GET', '/invoices/')).status).toBe(200);
    expect((await client.call('DELETE', `/tokens/${id}`)).status).toBe(204);
    const revoked = await script.call('GET', '/invoices/');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('invalid_token');
    expect(revoked.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('a token never opens the admin, nor ends other sessions or tokens of its user; it may revoke itself', async () => {
    const root = (await built.t.gatehouse.stores.users.getByUsername('root'))!;
    const bob = (await built.t.gatehouse.stores.users.getByUsername('bob'))!;
    const made = await built.t.gatehouse.apiTokens.create(root, { name: 'root script' });
    const other = await built.t.gatehouse.apiTokens.create(root, { name: 'root other' });
    const groupsBefore = (await built.t.gatehouse.stores.groups.groupsOfUser(bob.id)).map((g) => g.name);
    const script = new SpaClient(origin);
    script.bearer = made.token;
    const change = await script.call('POST', `/admin/users/${bob.id}/change/`, `email=bob%40example.com&is_active=1&groups=1`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(change.status).toBe(403);
    expect((await script.call('GET', '/admin/users/')).status).toBe(403);
    expect((await built.t.gatehouse.stores.groups.groupsOfUser(bob.id)).map((g) => g.name)).toEqual(groupsBefore);
    const session = await built.t.gatehouse.sessions.start(root);
    const sessionId = (await built.t.gatehouse.sessions.listForUser(root.id)).find((s) => s.createdAt === session.record.createdAt)?.idHash;
    expect((await script.call('DELETE', `/sessions/${sessionId}`)).status).toBe(403);
    expect((await built.t.gatehouse.sessions.load(session.id))?.user?.username).toBe('root');
    expect((await script.call('DELETE', `/tokens/${other.info.id}`)).status).toBe(403);
    expect((await built.t.gatehouse.apiTokens.authenticate(other.token)).ok).toBe(true);
    expect((await script.call('DELETE', `/tokens/${made.info.id}`)).status).toBe(204);
    expect((await script.call('GET', '/session')).status).toBe(401);
  });

  it('refuses token names with control characters and more than 100 live tokens per user', async () => {
    const client = spa();
    await client.login('fin_nostaff', PASSWORD);
    const bad = await client.call('POST', '/tokens', { name: 'x\u0000y' });
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', fields: { name: [expect.any(String)] } });
    const user = (await built.t.gatehouse.stores.users.getByUsername('fin_nostaff'))!;
    const have = (await built.t.gatehouse.apiTokens.list(user)).length;
    for (let i = have; i < 100; i++) await built.t.gatehouse.apiTokens.create(user, { name: `t${i}` });
    const over = await client.call('POST', '/tokens', { name: 'one too many' });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('validation_failed');
  });

  it('a token stops working on the next request once its user is deactivated or loses the role', async () => {
    const user = await built.t.gatehouse.accounts.createUser({ username: 'apiuser', password: PASSWORD, email: 'apiuser@example.com' });
    await built.t.gatehouse.accounts.addToGroup(user, 'Finance Approver');
    const fresh = (await built.t.gatehouse.stores.users.getById(user.id))!;
    const { token } = await built.t.gatehouse.apiTokens.create(fresh, { name: 'svc' });
    const script = new SpaClient(origin);
    script.bearer = token;
    expect((await script.call('GET', '/invoices/')).status).toBe(200);
    await built.t.gatehouse.accounts.removeFromGroup((await built.t.gatehouse.stores.users.getById(user.id))!, 'Finance Approver');
    expect((await script.call('GET', '/invoices/')).status).toBe(403);
    await built.t.gatehouse.accounts.setActive((await built.t.gatehouse.stores.users.getById(user.id))!, false);
    expect((await script.call('GET', '/invoices/')).status).toBe(401);
  });

  it('serves its OpenAPI document in development, the same as the generated one', async () => {
    const res = await fetch(`${origin}/api/auth/openapi.json`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as { paths: Record<string, unknown> };
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument({ prefix: '/api/auth', title: 'Billing account API' }))));
    const paths = Object.keys(served.paths);
    for (const path of [
      '/api/auth/csrf',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/session',
      '/api/auth/password/change',
      '/api/auth/password/reset',
      '/api/auth/password/reset/confirm',
      '/api/auth/reauth',
      '/api/auth/sessions',
      '/api/auth/sessions/{id}',
      '/api/auth/tokens',
      '/api/auth/tokens/{id}',
    ]) {
      expect(paths).toContain(path);
    }
  });
  // Last: the flood blocks this client address for bearer failures.
  it('refuses bad bearer tokens everywhere with 401, and a flood of them with 429', async () => {
    const script = new SpaClient(origin);
    for (const token of ['x', `gh_${'A'.repeat(43)}`, 'gh_\u00e9', '']) {
      script.bearer = token;
      const answer = await script.call('GET', '/hello/');
      // 401, or 429 once this address has failed too often (earlier tests failed from it too).
      expect([401, 429], token).toContain(answer.status);
      expect(answer.body.error.code).toBe(answer.status === 401 ? 'invalid_token' : 'throttled');
    }
    script.bearer = `gh_${'B'.repeat(43)}`;
    const flood = await Promise.all(Array.from({ length: 100 }, () => script.call('GET', '/invoices/')));
    expect(flood.some((a) => a.status === 429)).toBe(true);
    expect(flood.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  });
});

describe('csrf.cookieHttpOnly: false (an SPA reads the cookie)', () => {
  it('sends a readable CSRF cookie whose value works as the header, and still refuses a wrong one', async () => {
    const built = await buildApp({ config: { csrf: { cookieHttpOnly: false } }, plugin: { api: {} } });
    try {
      await built.app.listen({ port: 0, host: '127.0.0.1' });
      const origin = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
      const client = new SpaClient(origin);
      const csrf = await client.call('GET', '/csrf');
      const cookie = csrf.setCookies.find((c) => c.startsWith('csrftoken='));
      expect(cookie).toBeDefined();
      expect(cookie).not.toMatch(/HttpOnly/i);
      const secret = client.jar.get('csrftoken') as string;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      client.csrfToken = secret;
      expect((await client.call('POST', '/login', { username: 'alice', password: PASSWORD })).status).toBe(200);
      client.csrfToken = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      expect((await client.call('POST', '/logout')).status).toBe(403);
    } finally {
      await built.close();
    }
  });

  it('keeps refusing the bare secret while the cookie is HttpOnly (only masked tokens count)', async () => {
    const built = await buildApp({ plugin: { api: {} } });
    try {
      await built.app.listen({ port: 0, host: '127.0.0.1' });
      const origin = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
      const client = new SpaClient(origin);
      await client.call('GET', '/csrf');
      client.csrfToken = client.jar.get('csrftoken') as string;
      const refused = await client.call('POST', '/login', { username: 'alice', password: PASSWORD });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('csrf_failed');
    } finally {
      await built.close();
    }
  });
});
