/**
 * One admin request: the exchange, the admin's settings and what the screens ask of both (who
 * acts, what they may do, URLs under the prefix, rendering with the layout's context).
 */
import type { Actor } from '../core/accounts.js';
import { ConfigError } from '../core/errors.js';
import type { Gatehouse } from '../core/gatehouse.js';
import type { AdminStore } from '../core/ports.js';
import type { User } from '../core/user.js';
import type { AuthExchange } from '../http/exchange.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import { type HttpResponse, htmlResponse, redirectResponse } from '../http/response.js';
import type { HttpSite } from '../http/site.js';
import { ADMIN_HEADERS } from './headers.js';
import type { AdminTemplates } from './templates.js';

/** What the admin is built with, once per site. */
export interface AdminSettings {
  readonly site: HttpSite;
  /** `/admin` (no trailing slash). */
  readonly prefix: string;
  readonly templates: AdminTemplates;
  /** The adapter's route inventory, for the access matrix. */
  readonly routes: () => readonly RouteAccessEntry[];
  /** What an admin URL (`GET /admin/users/:id/`) requires beyond staff, for the access matrix. */
  readonly requirements: ReadonlyMap<string, { perms: readonly string[]; recentAuth: boolean }>;
}

/** The screens, with the permission that opens each (the index and the layout's navigation). */
export const SECTIONS = [
  { key: 'users', label: 'Users', path: '/users/', permission: 'auth.view_user', about: 'Accounts, their groups, permissions and sessions.' },
  { key: 'groups', label: 'Groups', path: '/groups/', permission: 'auth.view_group', about: 'Groups and roles, and what each grants.' },
  { key: 'permissions', label: 'Permissions', path: '/permissions/', permission: 'auth.view_permission', about: 'Every permission, and who has it.' },
  { key: 'audit', label: 'Audit log', path: '/audit/', permission: 'auth.view_auditlog', about: 'Who did what, and the chain’s integrity.' },
  { key: 'matrix', label: 'Access matrix', path: '/matrix/', permission: 'auth.view_permission', about: 'Which role reaches which route.' },
] as const;

/** Fixed notices shown after a redirect (`?done=<key>`): never text from the URL itself. */
const NOTICES: Readonly<Record<string, string>> = {
  created: 'The user was created.',
  invited: 'The user was created and a link to set a password was sent.',
  saved: 'The changes were saved.',
  password: 'The password was changed and the user’s sessions ended.',
  unusable: 'The password was made unusable and the user’s sessions ended.',
  reset: 'A password reset link was sent.',
  flags: 'The status was changed.',
  revoked: 'The session was ended.',
  revoked_all: 'Every session of the user was ended.',
  token_revoked: 'The API token was revoked.',
  tokens_revoked: 'Every API token of the user was revoked.',
  deleted: 'The user was deleted.',
  group_created: 'The group was created.',
  group_saved: 'The group’s permissions were saved.',
  group_deleted: 'The group was deleted.',
};

/** One admin request. */
export class AdminRequest {
  private held: Promise<ReadonlySet<string>> | null = null;

  constructor(
    readonly exchange: AuthExchange,
    readonly settings: AdminSettings,
    readonly params: Readonly<Record<string, string>>,
  ) {}

  get site(): HttpSite {
    return this.settings.site;
  }

  get gatehouse(): Gatehouse<string> {
    return this.settings.site.gatehouse;
  }

  /** The admin's queries; the admin is only mounted over stores that have them. */
  get store(): AdminStore {
    const store = this.gatehouse.stores.admin;
    if (!store) throw new ConfigError('gatehouse.config.admin_store_missing', 'The admin needs stores with an `admin` store (gatehouse/db provides one).');
    return store;
  }

  /** The staff user acting (the route's access made sure there is one). */
  get actor(): User {
    const user = this.exchange.user;
    if (!user.isAuthenticated) throw new Error('gatehouse admin: no user on an admin route');
    return user;
  }

  /** Who acts, for the audit log. */
  by(): Required<Actor> & { actor: string; ip: string } {
    return { actor: this.actor.username, ip: this.exchange.request.clientAddress };
  }

  /** Every permission the actor holds (loaded once per request). */
  permissions(): Promise<ReadonlySet<string>> {
    this.held ??= this.gatehouse.getAllPermissions(this.actor);
    return this.held;
  }

  /** Whether the actor holds `permission` (a superuser holds all). */
  async can(permission: string): Promise<boolean> {
    return this.actor.isSuperuser || (await this.permissions()).has(permission);
  }

  /** `path` under the admin prefix. */
  url(path: string): string {
    return `${this.settings.prefix}${path}`;
  }

  /** 303 to `path` under the prefix, with a fixed notice. */
  redirect(path: string, done?: keyof typeof NOTICES & string): HttpResponse {
    const response = redirectResponse(`${this.url(path)}${done ? `${path.includes('?') ? '&' : '?'}done=${done}` : ''}`, 303);
    Object.assign(response.headers, ADMIN_HEADERS);
    return response;
  }

  /** Renders an admin page with the layout's context. */
  async render(template: string, title: string, values: object = {}, status = 200): Promise<HttpResponse> {
    this.exchange.noStore();
    const nav = [];
    const path = this.exchange.request.url.split('?')[0] ?? '';
    for (const section of SECTIONS) {
      if (await this.can(section.permission)) nav.push({ ...section, url: this.url(section.path), current: path.startsWith(this.url(section.path)) });
    }
    const done = new URLSearchParams(this.exchange.request.url.split('?')[1] ?? '').get('done') ?? '';
    const html = this.settings.templates.page(template, {
      siteName: this.site.siteName,
      title,
      csrf: { field: this.gatehouse.config.csrf.fieldName, token: this.exchange.csrfToken() },
      user: { username: this.actor.username, isSuperuser: this.actor.isSuperuser },
      admin: { home: this.url('/'), css: this.url('/admin.css'), logout: this.site.accountViews ? this.site.urls.logout : '', nav },
      notice: NOTICES[done] ?? '',
      errors: {},
      ...values,
    });
    const response = htmlResponse(status, html);
    Object.assign(response.headers, ADMIN_HEADERS);
    return response;
  }
}
