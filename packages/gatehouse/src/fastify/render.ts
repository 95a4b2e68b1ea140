/**
 * Sends an HTML page built from a template, with what every template may use: the site name, the
 * account URLs, the user's name, and the CSRF field. Auth pages are never cached (Django's
 * `never_cache`): they carry tokens and say who is logged in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf, stateOf } from './context.js';

/** What every template receives besides its own values (as `it.*`). */
export interface BaseTemplateContext {
  siteName: string;
  urls: Record<string, string>;
  user: { isAuthenticated: boolean; username: string };
  /** `<input type="hidden" name="<%= it.csrf.field %>" value="<%= it.csrf.token %>">`. */
  csrf: { field: string; token: string };
  title: string;
}

/** Asks every cache not to keep this response. */
export function markNoStore(request: FastifyRequest): void {
  stateOf(request).noStore = true;
}

/** The context common to all pages. */
export function baseContext(request: FastifyRequest, title: string): BaseTemplateContext {
  const context = contextOf(request);
  return {
    siteName: context.siteName,
    urls: { ...context.urls },
    user: { isAuthenticated: request.user?.isAuthenticated === true, username: request.user?.username ?? '' },
    csrf: { field: context.gatehouse.config.csrf.fieldName, token: request.csrfToken() },
    title,
  };
}

/** Renders `template` and sends it with `status`. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, template: string, title: string, values: object = {}, status = 200): FastifyReply {
  markNoStore(request);
  const html = contextOf(request).templates.page(template, { ...baseContext(request, title), ...values });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}
