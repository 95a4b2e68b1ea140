/**
 * The address of the peer that opened the connection, the start of the proxy-trust walk. The
 * web-standard `Request` does not carry it: each runtime hands it to Hono its own way, and Hono
 * gives each a `getConnInfo(c)` (`@hono/node-server/conninfo`, `hono/bun`, `hono/deno`,
 * `hono/cloudflare-workers`...). Apps on another runtime pass theirs as the `getConnInfo` option.
 *
 * Without an option gatehouse reads what `@hono/node-server` puts on `c.env` (the Node request's
 * socket), without importing it. When neither gives an address, the request is refused (500,
 * logged) rather than counted under a made-up one: the login throttle and the reset limits count
 * per address, and one shared "unknown" bucket would let one client lock everybody out.
 */
import type { Context } from 'hono';
import type { ConnInfo } from 'hono/conninfo';
import { ConfigError } from '../core/errors.js';

/** Hono's connection-info helper type: `(c) => { remote: { address } }`. */
export type ConnInfoReader = (c: Context) => ConnInfo;

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: unknown } };
  server?: { incoming?: { socket?: { remoteAddress?: unknown } } };
}

/** `@hono/node-server`'s bindings: `c.env.incoming` (or `c.env.server.incoming` behind some wrappers). */
function nodeRemoteAddress(c: Context): string | undefined {
  const env = c.env as NodeBindings | undefined;
  if (!env || typeof env !== 'object') return undefined;
  const address = (env.server?.incoming ?? env.incoming)?.socket?.remoteAddress;
  return typeof address === 'string' && address.length > 0 ? address : undefined;
}

/** Builds the reader the middleware uses: the app's `getConnInfo`, else the Node one. */
export function remoteAddressReader(getConnInfo: ConnInfoReader | undefined): (c: Context) => string {
  return (c) => {
    const address = getConnInfo ? getConnInfo(c).remote.address : nodeRemoteAddress(c);
    if (typeof address === 'string' && address.length > 0) return address;
    throw new ConfigError(
      'gatehouse.hono.no_client_address',
      getConnInfo
        ? 'gatehouseHono: getConnInfo(c) gave no remote address for this request; the login throttle and the audit log need one.'
        : "gatehouseHono: cannot find the client's address. On @hono/node-server it is read from c.env (serve the app with serve({ fetch: app.fetch })); on other runtimes pass the option getConnInfo from your runtime's Hono adapter (hono/bun, hono/deno, hono/cloudflare-workers...).",
    );
  };
}
