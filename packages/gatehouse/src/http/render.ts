/**
 * Pages built from templates, with what every template may use: the site name, the account URLs,
 * the user's name and the CSRF field. Auth pages are never cached (Django's `never_cache`): they
 * carry tokens and say who is logged in; the exchange's `page` marks them so.
 */
import type { AnyUser } from '../core/user.js';
import type { HttpSite } from './site.js';

/** What every template receives besides its own values (as `it.*`). */
export interface BaseTemplateContext {
  siteName: string;
  urls: Record<string, string>;
  user: { isAuthenticated: boolean; username: string };
  /** `<input type="hidden" name="<%= it.csrf.field %>" value="<%= it.csrf.token %>">`. */
  csrf: { field: string; token: string };
  title: string;
}

/** The context common to all pages; `token` '' renders a page with no usable form. */
export function baseContext(site: HttpSite, title: string, user: AnyUser | null, token: string): BaseTemplateContext {
  return {
    siteName: site.siteName,
    urls: { ...site.urls },
    user: { isAuthenticated: user?.isAuthenticated === true, username: user?.username ?? '' },
    csrf: { field: site.gatehouse.config.csrf.fieldName, token },
    title,
  };
}

/** Escapes text for HTML (the fallback pages that are not templates). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
