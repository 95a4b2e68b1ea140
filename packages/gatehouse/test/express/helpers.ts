/**
 * Test harness for gatehouse/express: a real gatehouse on a fresh database (SQLite or
 * PostgreSQL) with a few users, an Express app built around `gatehouseExpress`, listening on
 * 127.0.0.1:0, its log captured, and a browser-like client over fetch (cookies kept, CSRF token
 * read from the page it was given).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import { defineApps } from '../../src/core/permissions.js';
import type { PermissionName } from '../../src/core/permissions.js';
import { defineRoles } from '../../src/core/roles.js';
import type { User } from '../../src/core/user.js';
import { type GatehouseExpress, type GatehouseExpressOptions, gatehouseExpress } from '../../src/express/index.js';
import { MemoryMailer } from '../../src/mail/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';

export const apps = defineApps({
  billing: { models: { invoice: {}, payout: { permissions: { approve_payout: 'Can approve payouts' } } } },
  shop: { models: { order: { permissions: { view_all_orders: 'Can view all orders' } } } },
});

export type Perm = PermissionName<typeof apps>;

export const roles = defineRoles<Perm>({
  Customer: [],
  Finance: ['billing.view_invoice', 'billing.approve_payout'],
  Support: ['shop.view_all_orders'],
});

/** Every fixture user's password. */
export const PASSWORD = 'correct horse battery staple';

const FIXTURES: [string, { isStaff?: boolean }, string[]][] = [
  ['alice', {}, ['Customer']],
  ['bob', {}, ['Customer']],
  ['fin', { isStaff: true }, ['Finance']],
  ['sam', {}, ['Support']],
];

/** One captured log line. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string;
}

/** What a test gets. */
export interface ExpressTestApp {
  origin: string;
  app: Express;
  gh: GatehouseExpress;
  t: TestGatehouse<Perm>;
  users: Record<string, User>;
  logs: LogLine[];
  mailer: MemoryMailer;
  close(): Promise<void>;
}

/** How to build it. */
export interface ExpressTestOptions {
  databaseUrl: string;
  config?: GatehouseConfigInput;
  options?: Partial<GatehouseExpressOptions>;
  /** Registers the app's routes (after the middleware and the account views). */
  routes?: (app: Express, gh: GatehouseExpress) => void;
  /** Settings applied to the app before anything is registered (`trust proxy`...). */
  settings?: (app: Express) => void;
  /** Call `gh.check(app)` before listening (default true). */
  check?: boolean;
}

/** Builds, seeds and starts the app. */
export async function startExpressApp(options: ExpressTestOptions): Promise<ExpressTestApp> {
  const t = await createTestGatehouse({ apps, roles, databaseUrl: options.databaseUrl, config: { loginRedirectUrl: '/dashboard/', ...options.config } });
  const users: Record<string, User> = {};
  for (const [username, flags, groups] of FIXTURES) {
    let user = await t.gatehouse.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com`, ...flags });
    for (const group of groups) await t.gatehouse.accounts.addToGroup(user, group);
    user = (await t.gatehouse.stores.users.getById(user.id)) ?? user;
    users[username] = user;
  }
  const logs: LogLine[] = [];
  const logger = {
    info: (object: object, message?: string) => logs.push({ level: 'info', object: object as Record<string, unknown>, message: message ?? '' }),
    warn: (object: object, message?: string) => logs.push({ level: 'warn', object: object as Record<string, unknown>, message: message ?? '' }),
    error: (object: object, message?: string) => logs.push({ level: 'error', object: object as Record<string, unknown>, message: message ?? '' }),
  };
  const mailer = new MemoryMailer();
  const gh = await gatehouseExpress({ gatehouse: t.gatehouse, mailer, logger, siteName: 'Billing', ...options.options });
  const app = express();
  options.settings?.(app);
  app.use(gh.middleware);
  app.use('/accounts', gh.accountViews);
  options.routes?.(app, gh);
  app.use(gh.notFoundHandler);
  app.use(gh.errorHandler);
  if (options.check !== false) gh.check(app);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    app,
    gh,
    t,
    users,
    logs,
    mailer,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gh.close();
      await t.close();
    },
  };
}

/** A response as a test reads it. */
export interface Answer {
  status: number;
  headers: Headers;
  cookies: string[];
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** Options of one request. */
export interface Ask {
  method?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  json?: unknown;
  body?: string;
}

/** A browser: keeps cookies, remembers the last CSRF token a page showed. */
export class Browser {
  readonly cookies = new Map<string, string>();
  token = '';

  constructor(readonly origin: string) {}

  async request(path: string, ask: Ask = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'text/html', ...ask.headers };
    if (this.cookies.size > 0 && headers.cookie === undefined) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = ask.body;
    if (ask.form) {
      body = new URLSearchParams(ask.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (ask.json !== undefined) {
      body = JSON.stringify(ask.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(path.startsWith('/') ? `${this.origin}${path}` : new URL(path, this.origin), {
      method: ask.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    const cookies = res.headers.getSetCookie();
    for (const line of cookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.token = token;
    return { status: res.status, headers: res.headers, cookies, body: text, json: <T>() => JSON.parse(text) as T };
  }

  /** Logs in through the login form. */
  async login(username: string, password = PASSWORD): Promise<Answer> {
    await this.request('/accounts/login/');
    return this.request('/accounts/login/', { form: { username, password, csrfmiddlewaretoken: this.token } });
  }

  /** A CSRF token for scripts, from a page that shows one. */
  async freshToken(): Promise<string> {
    await this.request('/accounts/login/');
    return this.token;
  }
}
