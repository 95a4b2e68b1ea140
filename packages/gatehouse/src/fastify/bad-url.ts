/**
 * Malformed reset links. Fastify's router answers a URL it cannot decode (`%E0%A4%A`) or whose
 * parameter is too long (a 200-character "token") itself, with a JSON 400/414, before any route,
 * hook or error handler runs. A reset link mangled by a mail client must still show the friendly
 * "invalid link" page, so the plugin hooks the router's one escape hatch, the server option
 * `frameworkErrors`: URLs under the reset prefix get that page (200, never cached, no Referer);
 * every other URL goes to the app's own `frameworkErrors`, or gets a plain 400 that neither echoes
 * the path nor names the framework.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PluginContext } from './context.js';
import { wantsJson } from './denials.js';

type FrameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/** Fastify keeps its server options under a private symbol; this finds it on the root instance. */
function serverOptions(fastify: FastifyInstance): { frameworkErrors?: FrameworkErrors } | null {
  for (let holder: object | null = fastify; holder !== null; holder = Object.getPrototypeOf(holder) as object | null) {
    for (const symbol of Object.getOwnPropertySymbols(holder)) {
      if (symbol.description === 'fastify.options') {
        const value = (holder as Record<symbol, unknown>)[symbol];
        return value && typeof value === 'object' ? (value as { frameworkErrors?: FrameworkErrors }) : null;
      }
    }
  }
  return null;
}

/** The invalid-link page, rendered without session or CSRF state (no route ran to load them). */
function invalidLinkPage(context: PluginContext, reply: FastifyReply): void {
  const html = context.templates.page('registration/password_reset_confirm.html', {
    siteName: context.siteName,
    urls: { ...context.urls },
    user: { isAuthenticated: false, username: '' },
    csrf: { field: context.gatehouse.config.csrf.fieldName, token: '' },
    title: 'Password reset unsuccessful',
    validlink: false,
    form: { errors: [], fieldErrors: {} },
  });
  reply.code(200).header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').type('text/html; charset=utf-8').send(html);
}

/**
 * Every other malformed URL, when the app has no `frameworkErrors` of its own: a plain 400 (414
 * for an overlong parameter) that does not repeat the path back, names no framework, and carries
 * the headers every other answer does (helmet's hooks never run for these).
 */
function plainBadUrl(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const message = tooLong ? 'The address is too long.' : 'The address is not valid.';
  request.log.info({ gatehouse: { event: 'bad_url', code: error.code } }, 'malformed URL refused');
  reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'")
    .header('Referrer-Policy', 'no-referrer');
  if (wantsJson(request)) reply.send({ error: tooLong ? 'uri_too_long' : 'bad_url', message });
  else reply.type('text/plain; charset=utf-8').send(message);
}

/**
 * Makes malformed URLs under the reset prefix show the invalid-link page, chaining to the app's own
 * `frameworkErrors` for everything else. Returns false (and logs a warning) when this Fastify
 * version hides its options, in which case such URLs get Fastify's 400.
 */
export function installResetBadUrlPage(fastify: FastifyInstance, context: PluginContext): boolean {
  const options = serverOptions(fastify);
  if (options === null) {
    fastify.log.warn('gatehouse: cannot reach the Fastify server options; malformed reset links will get a 400 instead of the invalid-link page.');
    return false;
  }
  const appHandler = options.frameworkErrors;
  options.frameworkErrors = (error, request, reply) => {
    const isReset = (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') && context.accountViews && request.url.startsWith(context.urls.resetBase);
    if (isReset) return invalidLinkPage(context, reply);
    if (appHandler) return appHandler(error, request, reply);
    return plainBadUrl(error, request, reply);
  };
  return true;
}
