/**
 * The account route table: names and paths, the 405s derived from it, the URLs the site derives
 * from the same prefix, and a view run end to end through an exchange (no framework).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  ACCOUNT_PROBED_METHODS,
  AuthExchange,
  type HttpSite,
  accountRoutes,
  allowHeader,
  createHttpSite,
  disallowedMethods,
  methodNotAllowed,
  parseFormBody,
  stylesheetResponse,
} from '../../src/http/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { fakeRequest, memoryLogger } from './fake-request.js';

describe('account routes', () => {
  let t: TestGatehouse<string>;
  let site: HttpSite;
  const log = memoryLogger();

  beforeAll(async () => {
    t = (await createTestGatehouse()) as unknown as TestGatehouse<string>;
    await t.createUser('alice', { password: 'correct horse battery staple' });
    site = await createHttpSite({ gatehouse: t.gatehouse, throttle: false, rateLimits: false, accountViews: { prefix: '/auth/' } }, log);
  });

  afterAll(async () => {
    await site?.tasks.settled();
    await t?.close();
  });

  test('one table: unique names, Django’s paths, GET/POST only, and the URLs under the same prefix', () => {
    const routes = accountRoutes(site);
    expect(new Set(routes.map((r) => r.name)).size).toBe(routes.length);
    expect(routes.map((r) => `${r.methods.join('+')} ${r.path}`)).toEqual([
      'GET+POST /login/',
      'POST /logout/',
      'GET+POST /password_change/',
      'GET /password_change/done/',
      'GET+POST /password_reset/',
      'GET /password_reset/done/',
      'GET+POST /reset/:uidb64/set-password/',
      'GET /reset/:uidb64/:token/',
      'GET /reset/done/',
      'GET+POST /reauth/',
      'GET+POST /sessions/',
    ]);
    expect(site.urls.sessions).toBe('/auth/sessions/');
    expect(site.prefix).toBe('/auth');
    expect(site.urls.login).toBe('/auth/login/');
    expect(site.urls.resetBase).toBe('/auth/reset/');
    // The built-in loginUrl and logoutRedirectUrl follow the prefix; a configured one is kept.
    expect(site.loginUrl).toBe('/auth/login/');
    expect(site.logoutRedirectUrl).toBe('/auth/login/');
    // The reset confirm pages never get cached and send no Referer, whatever they answer.
    for (const route of routes.filter((r) => r.path.startsWith('/reset/:')))
      expect(route.headers).toEqual({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  });

  test('405s derive from the table: every probed method a URL does not take, with Allow', () => {
    const logout = accountRoutes(site).find((r) => r.name === 'logout')!;
    expect(disallowedMethods(logout)).toEqual(['GET', 'PUT', 'PATCH', 'DELETE']);
    const answer = methodNotAllowed(logout);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.headers['cache-control']).toBe('no-store');
    const login = accountRoutes(site).find((r) => r.name === 'login')!;
    expect(allowHeader(login)).toBe('GET, POST, HEAD');
    expect(disallowedMethods(login)).toEqual(['PUT', 'PATCH', 'DELETE']);
    for (const route of accountRoutes(site)) {
      expect([...route.methods, ...disallowedMethods(route)].sort()).toEqual([...ACCOUNT_PROBED_METHODS].sort());
    }
  });

  test('no account views: no routes; the stylesheet is served cacheable', async () => {
    const bare = await createHttpSite({ gatehouse: t.gatehouse, accountViews: false }, log);
    expect(accountRoutes(bare)).toEqual([]);
    expect(bare.urls.stylesheet).toBe('');
    expect(bare.throttle).toBeNull();
    expect(bare.loginUrl).toBe('/accounts/login/');
    const css = stylesheetResponse(site);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body?.length).toBeGreaterThan(100);
  });

  test('the login view through an exchange: a wrong password re-renders, a right one logs in and follows a safe next only', async () => {
    const login = accountRoutes(site).find((r) => r.name === 'login')!;
    const wrong = await AuthExchange.open(site, fakeRequest({ method: 'POST', body: { username: 'alice', password: 'nope' } }), log, login.access);
    const page = await login.handler(wrong, {});
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/Please enter a correct username and password/);
    const right = await AuthExchange.open(
      site,
      fakeRequest({ method: 'POST', url: '/auth/login/?next=https://evil.example/', body: { username: 'alice', password: 'correct horse battery staple' } }),
      log,
      login.access,
    );
    const done = await login.handler(right, {});
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(t.gatehouse.config.loginRedirectUrl);
    expect(right.user.isAuthenticated).toBe(true);
    expect((await right.finish(done)).cookies.some((c) => c.startsWith('sessionid='))).toBe(true);
  });

  test('site options are checked: a bad prefix, a bad siteUrl, production refusals', async () => {
    await expect(createHttpSite({ gatehouse: t.gatehouse, accountViews: { prefix: 'accounts' } }, log)).rejects.toMatchObject({
      code: 'gatehouse.http.invalid_prefix',
    });
    await expect(createHttpSite({ gatehouse: t.gatehouse, siteUrl: 'ftp://x' }, log)).rejects.toBeInstanceOf(ConfigError);
    await expect(createHttpSite({} as never, log)).rejects.toMatchObject({ code: 'gatehouse.http.no_gatehouse' });
  });
});

describe('parseFormBody', () => {
  test('fields parsed; more than the bound or longer than the limit is a 413', () => {
    expect(parseFormBody('a=1&b=%20x')).toEqual({ a: '1', b: ' x' });
    expect(() => parseFormBody(Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&'))).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => parseFormBody('a=1&b=2', { maxFields: 1 })).toThrow(expect.objectContaining({ statusCode: 413 }));
    expect(() => parseFormBody('a=12345', { maxLength: 4 })).toThrow(expect.objectContaining({ statusCode: 413 }));
  });
});
