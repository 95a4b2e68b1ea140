/**
 * `testClient(app, { as: user })`: a client for Fastify's `inject` that behaves like a browser
 * which has logged in and loaded a form. It keeps the cookies the server sets, sends the session
 * cookie, and on unsafe methods (POST, PUT, PATCH, DELETE) a valid CSRF token in the header with
 * its cookie — so a test exercises the app's routes through every gatehouse hook (guard, CSRF,
 * session) without scraping a login page.
 *
 * The session is made by the real `gatehouse.login` (a rotated id, last login, the audit entry),
 * and the cookie names come from the plugin itself, so they are right in production mode too
 * (`__Host-sessionid`, `__Host-csrftoken`). Without `as`, the client is anonymous.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { ConfigError } from '../core/errors.js';
import type { User } from '../core/user.js';
import { type PluginContext, kContext } from '../fastify/context.js';
import { REAUTH_AT } from '../core/session-keys.js';
import { CookieJar } from './cookie-jar.js';
import { maskCsrfSecret, newCsrfSecret } from './csrf-pair.js';

/** What `testClient` takes. */
export interface TestClientOptions {
  /** Log this user in before the first request; anonymous without it. */
  as?: User;
  /**
   * Whether the login counts as a recent password check, as a real login does (default true).
   * `false` makes routes with `recentAuth` send the user to re-authenticate.
   */
  recentlyAuthenticated?: boolean;
  /**
   * The `Host` header of every request. Defaults to the plugin's first `allowedHosts` entry, else
   * the host of its `siteUrl`, else `inject`'s own (`localhost:80`).
   */
  host?: string;
  /** Headers sent with every request (`accept: 'application/json'` for an API client). */
  headers?: Readonly<Record<string, string>>;
}

/** Options of one request. */
export interface TestRequestOptions {
  headers?: Readonly<Record<string, string>>;
  query?: Readonly<Record<string, string>>;
  /** A JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** A form body (sets `content-type: application/x-www-form-urlencoded`). */
  form?: Readonly<Record<string, string>>;
  /** A raw body, sent as given. */
  payload?: string | Buffer;
  /** `false` sends an unsafe request without a CSRF token, to test the refusal. */
  csrf?: boolean;
}

/** The response of a test request: `statusCode`, `headers`, `body`, `json()`, `cookies`. */
export type TestResponse = LightMyRequestResponse;

/** A client bound to one Fastify app; see the module comment. */
export interface TestClient {
  /** The logged-in user, or null for an anonymous client. */
  readonly user: User | null;
  /** The cookies the client holds (session, CSRF, and any the app sets). */
  readonly cookies: CookieJar;
  request(method: HTTPMethods, url: string, options?: TestRequestOptions): Promise<TestResponse>;
  get(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  head(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  options(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  post(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  put(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  patch(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  delete(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  /** A fresh CSRF token for the client's cookie, for a form field or a header built by hand. */
  csrfToken(): string;
  /** Logs `user` in (a new session; the old one, if any, is ended). */
  loginAs(user: User, options?: { recentlyAuthenticated?: boolean }): Promise<void>;
  /** Ends the client's session in the store and forgets the cookie. */
  logout(): Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function pluginContext(app: FastifyInstance): PluginContext {
  const context = (app as unknown as Record<symbol, PluginContext | undefined>)[kContext];
  if (!context) {
    throw new ConfigError(
      'gatehouse.testing.no_plugin',
      'testClient needs an app with gatehouseFastify registered: await app.register(gatehouseFastify, { gatehouse }) first.',
    );
  }
  return context;
}

function defaultHost(context: PluginContext, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  const allowed = context.allowedHosts[0];
  // `.example.com` allows example.com and its subdomains: the bare domain is a Host it answers.
  if (allowed !== undefined) return allowed.startsWith('.') ? allowed.slice(1) : allowed;
  return context.siteUrl !== null ? new URL(context.siteUrl).host : undefined;
}

/** A client for `app.inject`, logged in as `options.as` when given. */
export async function testClient(app: FastifyInstance, options: TestClientOptions = {}): Promise<TestClient> {
  await app.ready();
  const context = pluginContext(app);
  const gatehouse = context.gatehouse;
  const jar = new CookieJar();
  const host = defaultHost(context, options.host);
  const sessionCookie = context.sessionCookie.name;
  const csrfCookie = context.csrfCookie.name;
  let user: User | null = null;

  const csrfToken = (): string => {
    let secret = jar.get(csrfCookie);
    if (secret === undefined) {
      // As a browser that has loaded a form: the secret cookie it was given, and a token for it.
      secret = newCsrfSecret();
      jar.set(csrfCookie, secret);
    }
    return maskCsrfSecret(secret);
  };

  const logout = async (): Promise<void> => {
    const id = jar.get(sessionCookie);
    if (id !== undefined) await gatehouse.sessions.end(id);
    jar.delete(sessionCookie);
    user = null;
  };

  const loginAs = async (who: User, loginOptions: { recentlyAuthenticated?: boolean } = {}): Promise<void> => {
    await logout();
    const session = await gatehouse.login(who, null, { ip: '127.0.0.1', userAgent: 'gatehouse-test-client', backend: 'test' });
    // A real login counts as a fresh password check (request.login records it the same way).
    if (loginOptions.recentlyAuthenticated ?? options.recentlyAuthenticated ?? true) {
      await gatehouse.sessions.saveData(session, { ...session.record.data, [REAUTH_AT]: gatehouse.clock.now() });
    }
    jar.set(sessionCookie, session.id);
    // Login replaces the CSRF secret in a browser too.
    jar.set(csrfCookie, newCsrfSecret());
    user = session.user ?? who;
  };

  const request = async (method: HTTPMethods, url: string, requestOptions: TestRequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...options.headers, ...requestOptions.headers };
    if (host !== undefined && headers.host === undefined) headers.host = host;
    let payload: string | Buffer | undefined = requestOptions.payload;
    if (requestOptions.json !== undefined) {
      payload = JSON.stringify(requestOptions.json);
      headers['content-type'] ??= 'application/json';
    } else if (requestOptions.form !== undefined) {
      payload = new URLSearchParams(requestOptions.form as Record<string, string>).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    if (!SAFE_METHODS.has(method.toUpperCase()) && requestOptions.csrf !== false) {
      headers[gatehouse.config.csrf.headerName] ??= csrfToken();
    }
    const cookie = jar.header();
    if (cookie !== null && headers.cookie === undefined) headers.cookie = cookie;
    const response = await app.inject({
      method,
      url,
      headers,
      ...(requestOptions.query ? { query: { ...requestOptions.query } } : {}),
      ...(payload !== undefined ? { payload } : {}),
    });
    jar.update(response.cookies);
    if (jar.get(sessionCookie) === undefined) user = null;
    return response;
  };

  if (options.as) await loginAs(options.as);

  return {
    get user() {
      return user;
    },
    cookies: jar,
    request,
    get: (url, o) => request('GET', url, o),
    head: (url, o) => request('HEAD', url, o),
    options: (url, o) => request('OPTIONS', url, o),
    post: (url, o) => request('POST', url, o),
    put: (url, o) => request('PUT', url, o),
    patch: (url, o) => request('PATCH', url, o),
    delete: (url, o) => request('DELETE', url, o),
    csrfToken,
    loginAs,
    logout,
  };
}
