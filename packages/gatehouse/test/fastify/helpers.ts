/**
 * Test harness for the Fastify plugin: a real gatehouse on in-memory SQLite with the seed's apps,
 * roles and users, a Fastify app with the plugin, captured logs, and a tiny cookie-keeping client
 * over `inject` (or over real HTTP with fetch, for a listening server).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import type { RolesDeclaration } from '../../src/core/roles.js';
import type { User } from '../../src/core/user.js';
import { type GatehouseFastifyOptions, gatehouseFastify } from '../../src/fastify/index.js';
import { MemoryMailer } from '../../src/mail/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { seedApps, seedRoles } from '../support/seed-declarations.js';

// The seed's declarations, declared once for every suite (test/support/seed-declarations.ts);
// role names widened to string, as the fixture table below names groups by string.
export const apps = seedApps;
export const roles: RolesDeclaration<Perm> = seedRoles;

export type Perm = import('../../src/core/permissions.js').PermissionName<typeof apps>;

/** Every fixture user's password. */
export const PASSWORD = 'correct horse battery staple';

/** The seed's users: name → [flags, groups]. */
const FIXTURES: [string, { isStaff?: boolean; isSuperuser?: boolean; isActive?: boolean }, string[]][] = [
  ['alice', {}, ['Regular User']],
  ['bob', {}, ['Regular User']],
  ['sam', {}, ['Support']],
  ['fin', { isStaff: true }, ['Finance Approver']],
  ['fin_nostaff', {}, ['Finance Approver']],
  ['ops', { isStaff: true }, ['Staff Ops']],
  ['root', { isStaff: true, isSuperuser: true }, ['Admin']],
  ['inactive', { isActive: false }, ['Regular User']],
];

/** Collects what the app logged. */
export interface LogEntry {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestApp {
  app: FastifyInstance;
  t: TestGatehouse<Perm>;
  users: Record<string, User>;
  logs: LogEntry[];
  mailer: MemoryMailer;
  close(): Promise<void>;
}

export interface BuildOptions {
  config?: GatehouseConfigInput;
  /** Plugin options, or a function making them from the test gatehouse (e.g. a database throttle). */
  plugin?: Partial<GatehouseFastifyOptions> | ((t: TestGatehouse<Perm>) => Partial<GatehouseFastifyOptions> | Promise<Partial<GatehouseFastifyOptions>>);
  fastify?: FastifyServerOptions;
  routes?: (app: FastifyInstance, t: TestGatehouse<Perm>) => void | Promise<void>;
  /** Skip `ready()` (for tests that expect it to fail). */
  noReady?: boolean;
  databaseUrl?: string;
}

/** Builds the app with the plugin and the fixture users. */
export async function buildApp(options: BuildOptions = {}): Promise<TestApp> {
  const t = await createTestGatehouse({
    apps,
    roles,
    config: { loginRedirectUrl: '/dashboard/', ...options.config },
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  const users: Record<string, User> = {};
  for (const [username, flags, groups] of FIXTURES) {
    let user = await t.gatehouse.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com`, ...flags });
    for (const group of groups) await t.gatehouse.accounts.addToGroup(user, group);
    user = (await t.gatehouse.stores.users.getById(user.id))!;
    users[username] = user;
  }
  const logs: LogEntry[] = [];
  const app = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogEntry) } },
    ...options.fastify,
  });
  const mailer = new MemoryMailer();
  const pluginOptions = typeof options.plugin === 'function' ? await options.plugin(t) : options.plugin;
  // Production refuses mailers that never deliver (memory, console): there the outbox sits behind
  // a plain `send`, as an SMTP mailer would, so production tests still read what was sent.
  const delivering = t.gatehouse.config.production ? { send: (message: Parameters<MemoryMailer['send']>[0]) => mailer.send(message) } : mailer;
  await app.register(gatehouseFastify, { gatehouse: t.gatehouse, mailer: delivering, siteName: 'Billing', ...pluginOptions });
  await options.routes?.(app, t);
  if (!options.noReady) await app.ready();
  return {
    app,
    t,
    users,
    logs,
    mailer,
    close: async () => {
      await app.close();
      await t.close();
    },
  };
}

/** A response as the client sees it. */
export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  location: string | undefined;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A form body (urlencoded) or a JSON value. */
  form?: Record<string, string>;
  json?: unknown;
  payload?: string;
}

/** Parses Set-Cookie headers into name → value (empty value = deleted). */
function setCookies(header: string | string[] | undefined): [string, string, boolean][] {
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return list.map((line) => {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
    return [name, decodeURIComponent(value), expired];
  });
}

/** A browser-like client: keeps cookies, reads CSRF tokens from pages. */
export class Client {
  readonly cookies = new Map<string, string>();
  lastToken = '';

  constructor(
    private readonly send: (opts: {
      method: string;
      url: string;
      headers: Record<string, string>;
      payload?: string;
    }) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>,
  ) {}

  /** A client over `app.inject`. */
  static inject(app: FastifyInstance): Client {
    return new Client(async ({ method, url, headers, payload }) => {
      const res = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
      return { status: res.statusCode, headers: res.headers as Record<string, string | string[] | undefined>, body: res.body };
    });
  }

  /** A client over real HTTP (fetch) against `origin`. */
  static http(origin: string): Client {
    return new Client(async ({ method, url, headers, payload }) => {
      const res = await fetch(new URL(url, origin), { method, headers, body: payload, redirect: 'manual' });
      const out: Record<string, string | string[] | undefined> = {};
      res.headers.forEach((value, key) => {
        if (key !== 'set-cookie') out[key] = value;
      });
      out['set-cookie'] = res.headers.getSetCookie();
      return { status: res.status, headers: out, body: await res.text() };
    });
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, options: RequestOptions = {}): Promise<ClientResponse> {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml', ...options.headers };
    if (this.cookies.size > 0 && headers.cookie === undefined) headers.cookie = this.cookieHeader();
    let payload = options.payload;
    if (options.form) {
      payload = new URLSearchParams(options.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.send({
      method: options.method ?? (payload !== undefined ? 'POST' : 'GET'),
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    for (const [name, value, expired] of setCookies(res.headers['set-cookie'])) {
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(res.body);
    if (token?.[1]) this.lastToken = token[1];
    const location = res.headers.location;
    return {
      status: res.status,
      headers: res.headers,
      body: res.body,
      location: typeof location === 'string' ? location : undefined,
      json: <T>() => JSON.parse(res.body) as T,
    };
  }

  /** GETs `pageUrl` for a fresh token, then posts `form` with it to `url` (default: same page). */
  async submit(pageUrl: string, form: Record<string, string>, url = pageUrl, headers: Record<string, string> = {}): Promise<ClientResponse> {
    await this.request(pageUrl);
    return this.request(url, { form: { csrfmiddlewaretoken: this.lastToken, ...form }, headers });
  }

  /** Logs in through the login form. */
  async login(username: string, password = PASSWORD): Promise<ClientResponse> {
    const res = await this.submit('/accounts/login/', { username, password });
    if (res.status !== 302) throw new Error(`login as ${username} failed: ${res.status} ${res.body.slice(0, 200)}`);
    return res;
  }

  /** The current session cookie's value. */
  session(): string | undefined {
    return this.cookies.get('sessionid');
  }
}
