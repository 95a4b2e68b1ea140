/**
 * Proxy trust: whose address `request.ip` is, and whether `X-Forwarded-Proto`/`-Host` count.
 *
 * A proxy that appends to `X-Forwarded-For` keeps whatever the client sent in front:
 * `X-Forwarded-For: <anything the client wrote>, <the client's real address>`. Only the entries
 * added by proxies you run can be believed, so the client's address is the rightmost entry that
 * none of them added. What Fastify 5 does with its `trustProxy` option:
 *
 * - `true`: every hop is trusted, so `request.ip` is the LEFTMOST entry — the one the client
 *   chose. Any client can then pick its address: dodge the per-address login throttle, forge the
 *   address in the audit log. Safe only when the proxy replaces the header instead of appending.
 * - a number: ignored (Fastify 5 "fails closed": no proxy is trusted), so every client appears
 *   with the proxy's address and they all share one login-throttle bucket.
 * - a list of addresses/CIDRs (string or array): the peer and each hop are trusted while they are
 *   in the list; `request.ip` is the rightmost address not in it. `X-Forwarded-Proto`/`-Host` are
 *   read only when the direct peer is in the list.
 * - a function `(address, hop) => boolean`: as the list, by the function's answer.
 *
 * `trustedProxies(n | list)` gives Fastify what these settings mean: a hop count becomes the
 * function `hop < n` (Express's meaning: the n nearest hops are your proxies, the address before
 * them is the client's), a list is checked here and passed on. `checkProxyTrust` looks at the
 * instance's option at start-up: a bare number is refused (it silently means "no proxy"), `true`
 * is warned about.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../core/errors.js';
import { type ProxyTrust, trustedProxies as trustedProxiesOf } from '../http/forwarded.js';
import { recodeConfigError } from '../http/site.js';

export type { ProxyTrust } from '../http/forwarded.js';

/**
 * Fastify's `trustProxy` for a deployment behind proxies:
 * `Fastify({ trustProxy: trustedProxies(1) })` (one proxy in front: nginx, a load balancer) or
 * `trustedProxies('10.0.0.0/8, 192.168.1.7')` (the proxies' addresses). The HTTP layer's
 * setting, which Fastify takes as it is; errors are coded `gatehouse.fastify.invalid_trust_proxy`.
 */
export function trustedProxies(setting: number | string | readonly string[]): ProxyTrust {
  try {
    return trustedProxiesOf(setting);
  } catch (error) {
    throw recodeConfigError(error, 'fastify');
  }
}

const OPTIONS_SYMBOL = 'fastify.options';

/** The options the Fastify instance was created with, when they can be found. */
function fastifyOptions(fastify: FastifyInstance): { trustProxy?: unknown } | null {
  // Fastify keeps them under a private symbol; look it up by name, on the instance or the
  // instances it was derived from (plugins get an object whose prototype is their parent).
  for (let object: object | null = fastify; object !== null; object = Object.getPrototypeOf(object) as object | null) {
    const symbol = Object.getOwnPropertySymbols(object).find((s) => s.description === OPTIONS_SYMBOL);
    if (symbol !== undefined) {
      const options = (object as Record<symbol, unknown>)[symbol];
      return options && typeof options === 'object' ? (options as { trustProxy?: unknown }) : null;
    }
  }
  return null;
}

/** Start-up check of the instance's `trustProxy` (see the module comment). */
export function checkProxyTrust(fastify: FastifyInstance, production: boolean): void {
  const trust = fastifyOptions(fastify)?.trustProxy;
  if (typeof trust === 'number') {
    throw new ConfigError(
      'gatehouse.fastify.trust_proxy_hop_count',
      `Fastify ignores trustProxy: ${trust} (it then trusts no proxy: every client gets the proxy's address and they share one login throttle). Use trustProxy: trustedProxies(${trust}) from gatehouse/fastify, or list the proxies' addresses.`,
    );
  }
  if (trust === true) {
    const message =
      "gatehouse: trustProxy: true trusts every X-Forwarded-For entry, so request.ip is the leftmost one, which the client chooses (login throttle and audit addresses can be forged). Use trustProxy: trustedProxies(<number of proxies>) or the proxies' addresses.";
    if (production) fastify.log.error(message);
    else fastify.log.warn(message);
  }
}
