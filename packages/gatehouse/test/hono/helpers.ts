/**
 * Test harness for gatehouse/hono: a real gatehouse on a fresh database (SQLite or PostgreSQL)
 * with the seed's apps, roles and users, a Hono app built by the test, served by
 * @hono/node-server on 127.0.0.1:0, captured logs, and a small cookie-keeping fetch client that
 * logs in through the real login form.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import type { User } from '../../src/core/user.js';
import { type GatehouseHono, type GatehouseHonoOptions, gatehouseHono } from '../../src/hono/index.js';
import type { HttpLogger } from '../../src/http/logger.js';
import { MemoryMailer } from '../../src/mail/index.js';
import { type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type DatabaseKind, freshDatabaseUrl } from '../support/databases.js';
import { PASSWORD, type Perm, apps, roles } from '../fastify/helpers.js';

export { PASSWORD };

/** One captured log line. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line, for assertions. */
export function captureLogger(lines: LogLine[]): HttpLogger {
  const keep = (level: LogLine['level']) => (fields: object, message?: string) => {
    lines.push({ level, message: message ?? '', fields: fields as Record<string, unknown> });
  };
  return { info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** The fixture users' names. */
export type FixtureName = 'alice' | 'bob' | 'fin' | 'fin_nostaff' | 'ops' | 'root' | 'inactive';

const FIXTURES: [FixtureName, { isStaff?: boolean; isSuperuser?: boolean; isActive?: boolean }, string[]][] = [
  ['alice', {}, ['Regular User']],
  ['bob', {}, ['Regular User']],
  ['fin', { isStaff: true }, ['Finance Approver']],
  ['fin_nostaff', {}, ['Finance Approver']],
  ['ops', { isStaff: true }, ['Staff Ops']],
  ['root', { isStaff: true, isSuperuser: true }, ['Admin']],
  ['inactive', { isActive: false }, ['Regular User']],
];

/** What a test builds its app with. */
export interface HonoTestSetup {
  t: TestGatehouse<Perm>;
  gh: GatehouseHono;
  users: Record<FixtureName, User>;
  logs: LogLine[];
  mailer: MemoryMailer;
}

/** A served test app. */
export interface HonoTestApp extends HonoTestSetup {
  origin: string;
  close(): Promise<void>;
}

/** Options of `startHonoApp`. */
export interface StartOptions {
  kind: DatabaseKind;
  config?: GatehouseConfigInput;
  options?: Partial<GatehouseHonoOptions>;
  /** Builds the routes; `gh.check(app)` is called after it unless `skipCheck`. */
  build(app: Hono, setup: HonoTestSetup): void | Promise<void>;
  /** Makes the app (a `new Hono()` by default). */
  makeApp?: () => Hono;
  skipCheck?: boolean;
}

/** Serves `fetch` on 127.0.0.1:0. */
export async function listen(fetch: (request: Request, env: unknown) => Response | Promise<Response>): Promise<{ origin: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        origin: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

/** Builds a gatehouse with the fixture users, the app, and serves it. */
export async function startHonoApp(start: StartOptions): Promise<HonoTestApp> {
  const database = await freshDatabaseUrl(start.kind);
  const t = await createTestGatehouse({ apps, roles, databaseUrl: database.url, config: { loginRedirectUrl: '/dashboard/', ...start.config } });
  const users = {} as Record<FixtureName, User>;
  for (const [username, flags, groups] of FIXTURES) {
    const created = await t.gatehouse.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com`, ...flags });
    for (const group of groups) await t.gatehouse.accounts.addToGroup(created, group);
    users[username] = (await t.gatehouse.stores.users.getById(created.id)) as User;
  }
  const logs: LogLine[] = [];
  const mailer = new MemoryMailer();
  const gh = await gatehouseHono({ gatehouse: t.gatehouse, mailer, siteName: 'Billing', logger: captureLogger(logs), ...start.options });
  const { Hono } = await import('hono');
  const app = start.makeApp ? start.makeApp() : new Hono();
  const setup: HonoTestSetup = { t, gh, users, logs, mailer };
  await start.build(app, setup);
  if (!start.skipCheck) gh.check(app);
  const server = await listen(app.fetch);
  return {
    ...setup,
    origin: server.origin,
    close: async () => {
      await server.close();
      await gh.close();
      await t.close();
      await database.drop();
    },
  };
}

/** A browser-like client: keeps cookies, follows nothing, logs in through the form. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly origin: string,
    readonly defaults: Record<string, string> = {},
  ) {}

  /** Sends a request with the jar's cookies and keeps the cookies it sets. */
  async fetch(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaults, ...(init.headers as Record<string, string> | undefined) });
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; '));
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    const { form: _form, ...rest } = init;
    const response = await fetch(`${this.origin}${path}`, { ...rest, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq).trim();
      const value = (pair ?? '').slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** The jar as a Cookie header. */
  cookieHeader(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }

  /** The CSRF token a page embeds (`name="csrfmiddlewaretoken" value="…"`). */
  async csrfFrom(path: string): Promise<string> {
    const html = await (await this.fetch(path)).text();
    const match = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF token on ${path}`);
    return match[1] as string;
  }

  /** Posts a form with a token from `tokenPage` (the same page by default). */
  async post(path: string, form: Record<string, string>, tokenPage = path): Promise<Response> {
    const token = await this.csrfFrom(tokenPage);
    return this.fetch(path, { method: 'POST', form: { csrfmiddlewaretoken: token, ...form }, headers: { origin: this.origin } });
  }

  /** Logs in through the account views' form. */
  async login(username: string, password = PASSWORD): Promise<Response> {
    const response = await this.post('/accounts/login/', { username, password });
    if (response.status !== 302) throw new Error(`login as ${username} answered ${response.status}`);
    return response;
  }
}

/** A request over node:http, for headers fetch will not send as given (`Host`). */
export function rawRequest(
  origin: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * Streams a chunked body (no Content-Length) of up to 8 MiB on a connection of its own, stopping
 * as soon as an answer arrives: how much was sent by then shows the server did not wait for it all.
 */
export function chunkedUpload(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; sentBeforeAnswer: number }> {
  const url = new URL(origin);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = httpRequest(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' }, agent: false },
      (response) => {
        answered = true;
        response.resume();
        resolve({ status: response.statusCode ?? 0, sentBeforeAnswer: sent });
        request.destroy();
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = (): void => {
      while (!answered && sent < 8 * 1024 * 1024) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}
