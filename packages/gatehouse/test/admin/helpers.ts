/**
 * The admin under test: the Fastify test app (test/fastify/helpers.ts: the seed's apps, roles and
 * users) with the admin mounted at /admin, a `lead` (staff, Support) and one staff user per admin
 * permission, listening on 127.0.0.1, driven by browser-like clients over real HTTP.
 */
import type { User } from '../../src/core/user.js';
import { Client, type ClientResponse, PASSWORD, type TestApp, buildApp } from '../fastify/helpers.js';
import { type DatabaseKind, freshDatabaseUrl } from '../support/databases.js';

/** Every permission the admin's screens and actions check. */
export const ADMIN_PERMISSIONS = [
  'auth.view_user',
  'auth.add_user',
  'auth.change_user',
  'auth.delete_user',
  'auth.view_group',
  'auth.add_group',
  'auth.change_group',
  'auth.delete_group',
  'auth.view_permission',
  'auth.view_session',
  'auth.delete_session',
  'auth.view_auditlog',
] as const;

/** The running admin. */
export interface AdminWorld {
  app: TestApp;
  origin: string;
  users: Record<string, User>;
  /** A logged-in client (a fresh login each call). */
  as(username: string): Promise<AdminClient>;
  anonymous(): AdminClient;
  /** Re-reads a user. */
  user(username: string): Promise<User | null>;
  /** Audit entries (oldest first) with this action. */
  audit(action: string): Promise<{ actor: string | null; target: string | null; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** A browser-like client with form helpers that send repeated fields. */
export class AdminClient {
  constructor(readonly client: Client) {}

  get(url: string, headers: Record<string, string> = {}): Promise<ClientResponse> {
    return this.client.request(url, { headers });
  }

  /** GETs `page` for a CSRF token, then posts `fields` (arrays repeat the field) to `url`. */
  async post(page: string, fields: Record<string, string | readonly string[]>, url = page): Promise<ClientResponse> {
    await this.client.request(page);
    return this.postRaw(url, { csrfmiddlewaretoken: this.client.lastToken, ...fields });
  }

  /** Posts `fields` as they are (no token added). */
  postRaw(url: string, fields: Record<string, string | readonly string[]>): Promise<ClientResponse> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const v of typeof value === 'string' ? [value] : value) body.append(name, v);
    }
    return this.client.request(url, { method: 'POST', payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** A token from any admin page (for posts built by hand). */
  async token(): Promise<string> {
    await this.client.request('/admin/');
    return this.client.lastToken;
  }
}

/** Builds and starts the admin on a fresh database of `kind`. */
export async function startAdmin(kind: DatabaseKind, options: { mailer?: boolean } = {}): Promise<AdminWorld> {
  const fresh = await freshDatabaseUrl(kind);
  const app = await buildApp({ databaseUrl: fresh.url, plugin: { admin: {}, ...(options.mailer === false ? { mailer: undefined } : {}) } });
  const t = app.t;
  const users: Record<string, User> = { ...app.users };
  users.lead = await t.createUser('lead', { isStaff: true, roles: ['Support'], password: PASSWORD, email: 'lead@example.com' } as never);
  for (const permission of ADMIN_PERMISSIONS) {
    const name = `p_${permission.slice(5)}`;
    users[name] = await t.createUser(name, { isStaff: true, password: PASSWORD, email: `${name}@example.com`, permissions: [permission] } as never);
  }
  // A help-desk lead: may change users and end sessions, is not a superuser.
  users.helpdesk = await t.createUser('helpdesk', {
    isStaff: true,
    password: PASSWORD,
    email: 'helpdesk@example.com',
    permissions: [
      'auth.view_user',
      'auth.add_user',
      'auth.change_user',
      'auth.delete_user',
      'auth.view_session',
      'auth.delete_session',
      'auth.view_group',
      'auth.change_group',
    ],
  } as never);
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.app.server.address();
  const origin = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    app,
    origin,
    users,
    async as(username) {
      const client = Client.http(origin);
      await client.login(username);
      return new AdminClient(client);
    },
    anonymous() {
      return new AdminClient(Client.http(origin));
    },
    user: (username) => t.gatehouse.stores.users.getByUsername(username),
    async audit(action) {
      const entries = await t.gatehouse.stores.audit.list({ limit: 10_000 });
      return entries.filter((e) => e.action === action).map((e) => ({ actor: e.actor, target: e.target, data: e.data }));
    },
    async close() {
      await app.close();
      await fresh.drop();
    },
  };
}
