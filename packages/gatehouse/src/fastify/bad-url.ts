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
import { badUrlResponse, invalidResetLinkPage, isResetUrl } from '../http/bad-url.js';
import type { HttpSite } from '../http/site.js';
import { sendResponse } from './reply.js';

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

/**
 * Makes malformed URLs under the reset prefix show the invalid-link page, chaining to the app's own
 * `frameworkErrors` for everything else. Returns false (and logs a warning) when this Fastify
 * version hides its options, in which case such URLs get Fastify's 400.
 */
export function installResetBadUrlPage(fastify: FastifyInstance, site: HttpSite): boolean {
  const options = serverOptions(fastify);
  if (options === null) {
    fastify.log.warn('gatehouse: cannot reach the Fastify server options; malformed reset links will get a 400 instead of the invalid-link page.');
    return false;
  }
  const appHandler = options.frameworkErrors;
  options.frameworkErrors = (error, request, reply) => {
    const isReset = (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') && isResetUrl(site, request.url);
    if (isReset) {
      sendResponse(reply, invalidResetLinkPage(site));
      return;
    }
    if (appHandler) return appHandler(error, request, reply);
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    sendResponse(reply, badUrlResponse({ header }, error.code === 'FST_ERR_MAX_PARAM_LENGTH', request.log, error.code));
  };
  return true;
}
