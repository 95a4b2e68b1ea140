/**
 * What the plugin sets up: security headers, cookie attributes and names (production vs
 * development), configuration of the views (prefix, templates), and `request.login`/`logout`
 * from an app's own routes.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { authenticated, checkCurrentPassword, permission, publicAccess } from '../../src/fastify/index.js';
import { Client, PASSWORD, buildApp } from './helpers.js';

const PROD = { production: true, secretKey: 'a-production-secret-key-0123456789-abcdef' };
const PROD_PLUGIN = { siteUrl: 'https://billing.example.com', allowedHosts: ['billing.example.com'], throttle: false as const, rateLimits: false as const };
const HTTPS = { 'x-forwarded-proto': 'https', host: 'billing.example.com' };

function cookiesOf(header: unknown): string[] {
  return header === undefined ? [] : ([] as string[]).concat(header as string[]);
}

describe('headers', () => {
  test('development: helmet headers, same-origin referrer policy, framing denied, no HSTS', async () => {
    const h = await buildApp();
    const res = await h.app.inject('/accounts/login/');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['content-security-policy']).toMatch(/form-action 'self'/);
    expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    await h.close();
  });

  test('production: HSTS and upgrade-insecure-requests', async () => {
    const h = await buildApp({ config: PROD, plugin: PROD_PLUGIN, fastify: { trustProxy: true } });
    const res = await h.app.inject({ url: '/accounts/login/', headers: HTTPS });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
    expect(res.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
    await h.close();
  });

  test('helmet: false leaves headers to the app', async () => {
    const h = await buildApp({ plugin: { helmet: false } });
    const res = await h.app.inject('/accounts/login/');
    expect(res.headers['x-frame-options']).toBeUndefined();
    await h.close();
  });

  test('the stylesheet is served, cacheable', async () => {
    const h = await buildApp();
    const res = await h.app.inject('/accounts/gatehouse.css');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/css/);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    await h.close();
  });
});

describe('cookies', () => {
  test('production: __Host- names, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain', async () => {
    const h = await buildApp({ config: PROD, plugin: PROD_PLUGIN, fastify: { trustProxy: true } });
    const client = Client.inject(h.app);
    const page = await client.request('/accounts/login/', { headers: HTTPS });
    const csrf = cookiesOf(page.headers['set-cookie']).find((c) => c.startsWith('__Host-csrftoken='));
    expect(csrf).toMatch(/; Secure/);
    expect(csrf).toMatch(/HttpOnly/);
    const res = await client.request('/accounts/login/', {
      form: { csrfmiddlewaretoken: client.lastToken, username: 'alice', password: PASSWORD },
      headers: { ...HTTPS, origin: 'https://billing.example.com' },
    });
    expect(res.status).toBe(302);
    const session = cookiesOf(res.headers['set-cookie']).find((c) => c.startsWith('__Host-sessionid='))!;
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Domain=/);
    expect(client.cookies.has('sessionid')).toBe(false);
    // A plain-named cookie (as a sibling subdomain could set) is not read in production.
    const planted = Client.inject(h.app);
    planted.cookies.set('sessionid', client.cookies.get('__Host-sessionid')!);
    expect((await planted.request('/accounts/password_change/', { headers: HTTPS })).status).toBe(302);
    expect((await client.request('/accounts/password_change/', { headers: HTTPS })).status).toBe(200);
    await h.close();
  });

  test('cookie settings are configurable: name, SameSite, Domain (then __Secure-, as __Host- forbids Domain)', async () => {
    const h = await buildApp({
      config: { ...PROD, session: { cookieName: 'sid', cookieSameSite: 'strict', cookieDomain: 'example.com' } },
      plugin: PROD_PLUGIN,
      fastify: { trustProxy: true },
    });
    const client = Client.inject(h.app);
    await client.request('/accounts/login/', { headers: HTTPS });
    const res = await client.request('/accounts/login/', {
      form: { csrfmiddlewaretoken: client.lastToken, username: 'alice', password: PASSWORD },
      headers: { ...HTTPS, origin: 'https://billing.example.com' },
    });
    const session = cookiesOf(res.headers['set-cookie']).find((c) => c.startsWith('__Secure-sid='))!;
    expect(session).toMatch(/Domain=example\.com/);
    expect(session).toMatch(/SameSite=Strict/);
    await h.close();
  });
});

describe('views configuration', () => {
  test('mounted under another prefix', async () => {
    const h = await buildApp({ config: { loginUrl: '/auth/login/' }, plugin: { accountViews: { prefix: '/auth' } } });
    const client = Client.inject(h.app);
    await client.request('/auth/login/');
    const res = await client.request('/auth/login/', { form: { csrfmiddlewaretoken: client.lastToken, username: 'alice', password: PASSWORD } });
    expect(res.status).toBe(302);
    expect((await client.request('/auth/password_change/')).status).toBe(200);
    expect((await h.app.inject('/accounts/login/')).statusCode).toBe(404);
    await h.close();
  });

  test('accountViews: false mounts nothing; guards still redirect to loginUrl', async () => {
    const h = await buildApp({
      plugin: { accountViews: false },
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async () => 'x');
      },
    });
    expect((await h.app.inject('/accounts/login/')).statusCode).toBe(404);
    expect((await h.app.inject('/dashboard/')).headers.location).toBe('/accounts/login/?next=/dashboard/');
    await h.close();
  });

  test('the app’s templates override the defaults by name, reusing the default layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-templates-'));
    mkdirSync(join(dir, 'registration'));
    writeFileSync(
      join(dir, 'registration', 'login.html'),
      '<% layout(\'/layout.html\') %><h1>Welcome to <%= it.siteName %></h1><form method=post><input type=hidden name="<%= it.csrf.field %>" value="<%= it.csrf.token %>"></form>',
    );
    writeFileSync(join(dir, '403.html'), '<p>Nope, <%= it.user.username %>.</p>');
    const h = await buildApp({
      plugin: { templatesDir: dir, siteName: '<Billing & Co>' },
      routes: (app) => {
        app.get('/invoices/', { config: { access: permission('billing.view_invoice') } }, async () => 'x');
      },
    });
    const client = Client.inject(h.app);
    const page = await client.request('/accounts/login/');
    expect(page.body).toContain('<h1>Welcome to &lt;Billing &amp; Co&gt;</h1>');
    expect(page.body).toContain('<title>Log in · &lt;Billing &amp; Co&gt;</title>');
    await client.login('alice');
    const denied = await client.request('/invoices/');
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('<p>Nope, alice.</p>');
    await h.close();
  });

  test('loggedOutPage shows registration/logged_out.html', async () => {
    const h = await buildApp({ plugin: { accountViews: { loggedOutPage: true } } });
    const client = Client.inject(h.app);
    await client.login('alice');
    const res = await client.submit('/accounts/login/', {}, '/accounts/logout/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('You have been logged out.');
    await h.close();
  });
});

describe('request.login and request.logout in app routes', () => {
  test('an app route can log a user in and out', async () => {
    const h = await buildApp({
      routes: (app, t) => {
        app.post('/signup/', { config: { access: publicAccess() } }, async (request) => {
          const user = await t.gatehouse.accounts.createUser({ username: 'newbie', password: PASSWORD });
          await request.login(user, { backend: 'signup' });
          return { user: request.user.username, session: request.session !== null };
        });
        app.post('/bye/', { config: { access: authenticated() } }, async (request) => {
          await request.logout();
          return { anonymous: request.user.isAnonymous };
        });
        app.get('/me/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
    const client = Client.inject(h.app);
    const signup = await client.submit('/accounts/login/', {}, '/signup/');
    expect(signup.json()).toEqual({ user: 'newbie', session: true });
    expect((await client.request('/me/')).json()).toEqual({ user: 'newbie' });
    const login = (await h.t.gatehouse.audit.list({ action: 'auth.login' })).find((e) => e.actor === 'newbie');
    expect(login?.data).toEqual({ backend: 'signup' });
    await client.request('/accounts/login/');
    expect((await client.request('/bye/', { form: { csrfmiddlewaretoken: client.lastToken } })).json()).toEqual({ anonymous: true });
    expect((await client.request('/me/')).status).toBe(302);
    await h.close();
  });

  test('checkCurrentPassword: a password re-check for app views, behind the throttle', async () => {
    const h = await buildApp({
      config: { throttle: { perAccountAndAddress: 2, perAddress: 50, window: 900 } },
      routes: (app, t) => {
        app.post('/account/email/', { config: { access: authenticated() } }, async (request, reply) => {
          const body = request.body as { password?: string; email?: string };
          const check = await checkCurrentPassword(request, body.password ?? '');
          if (!check.ok) return reply.code(check.blocked ? 429 : 200).send({ changed: false });
          await t.gatehouse.accounts.setEmail(request.user as never, body.email ?? '');
          return { changed: true };
        });
      },
    });
    const client = Client.inject(h.app);
    await client.login('alice');
    await client.request('/accounts/login/');
    const post = (password: string) =>
      client.request('/account/email/', { form: { csrfmiddlewaretoken: client.lastToken, password, email: 'new@example.com' } });
    expect((await post('wrong')).json()).toEqual({ changed: false });
    expect((await h.t.gatehouse.stores.users.getById(h.users.alice!.id))?.email).toBe('alice@example.com');
    expect((await post(PASSWORD)).json()).toEqual({ changed: true });
    expect((await h.t.gatehouse.stores.users.getById(h.users.alice!.id))?.email).toBe('new@example.com');
    await post('wrong');
    await post('wrong');
    expect((await post(PASSWORD)).status).toBe(429);
    await h.close();
  });
});
