/**
 * Malformed URLs: a URL the router cannot decode (`%E0%A4%A`) or whose parameter is too long (a
 * 200-character "token"). Under the reset prefix a mangled reset link must still show the
 * friendly "invalid link" page; anywhere else a plain 400 (414 for an overlong parameter) that
 * neither echoes the path nor names the framework. Both are answered without session or CSRF
 * state (no route ran to load them).
 */
import type { HttpLogger } from './logger.js';
import { prefersJson } from './negotiate.js';
import type { HttpRequest } from './request.js';
import { type HttpResponse, jsonResponse, textResponse } from './response.js';
import type { HttpSite } from './site.js';

/** The headers every bad-URL answer carries (no hook of the adapter ran to add them). */
const BAD_URL_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/** True when `url` is under the reset links' prefix (and the account views are mounted). */
export function isResetUrl(site: HttpSite, url: string): boolean {
  return site.accountViews && url.startsWith(site.urls.resetBase);
}

/** The invalid-link page (200, never cached, no Referer). */
export function invalidResetLinkPage(site: HttpSite): HttpResponse {
  const html = site.templates.page('registration/password_reset_confirm.html', {
    siteName: site.siteName,
    urls: { ...site.urls },
    user: { isAuthenticated: false, username: '' },
    csrf: { field: site.gatehouse.config.csrf.fieldName, token: '' },
    title: 'Password reset unsuccessful',
    validlink: false,
    form: { errors: [], fieldErrors: {} },
  });
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    cookies: [],
    body: html,
  };
}

/** The plain 400 (414 when `tooLong`) for a malformed URL. */
export function badUrlResponse(request: Pick<HttpRequest, 'header'>, tooLong: boolean, log: HttpLogger, code?: string): HttpResponse {
  const status = tooLong ? 414 : 400;
  const message = tooLong ? 'The address is too long.' : 'The address is not valid.';
  log.info({ gatehouse: { event: 'bad_url', code } }, 'malformed URL refused');
  const response = prefersJson(request) ? jsonResponse(status, { error: tooLong ? 'uri_too_long' : 'bad_url', message }) : textResponse(status, message);
  Object.assign(response.headers, BAD_URL_HEADERS);
  return response;
}
