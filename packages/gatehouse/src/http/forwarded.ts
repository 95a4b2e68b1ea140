/**
 * Proxy trust: whose address is the client's, and whether `X-Forwarded-Proto`/`-Host` count.
 *
 * A proxy that appends to `X-Forwarded-For` keeps whatever the client sent in front:
 * `X-Forwarded-For: <anything the client wrote>, <the client's real address>`. Only entries added
 * by proxies you run can be believed, so the client's address is the rightmost entry none of
 * them added. `trustedProxies(n | list)` states which hops are yours: a hop count (Express's
 * meaning: the n nearest hops are your proxies) or the proxies' addresses/CIDRs.
 *
 * Fastify and Express apply such a setting themselves (the adapters hand it to them);
 * `resolveForwarded` applies the same rules for frameworks that have no proxy handling (Hono).
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/errors.js';

/** A proxy-trust setting: a predicate over (address, hop), or a list of addresses/CIDRs. */
export type ProxyTrust = ((address: string, hop: number) => boolean) | string[];

/** A hop count beyond this is surely a mistake (each hop is a proxy you run). */
const MAX_HOPS = 32;
/** proxy-addr's named ranges. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function invalid(message: string): ConfigError {
  return new ConfigError('gatehouse.http.invalid_trust_proxy', message);
}

function maskBits(mask: string): number | null {
  const parts = mask.split('.').map(Number);
  let bits = 0;
  let ended = false;
  for (const part of parts) {
    for (let bit = 7; bit >= 0; bit -= 1) {
      const set = ((part ?? 0) >> bit) & 1;
      if (set && ended) return null;
      if (set) bits += 1;
      else ended = true;
    }
  }
  return bits;
}

/** True for `10.0.0.1`, `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fd00::/8`, `loopback`... */
export function isProxyAddress(entry: string): boolean {
  if (Object.hasOwn(NAMED_RANGES, entry)) return true;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const suffix = entry.slice(slash + 1);
  if (/^\d{1,3}$/.test(suffix)) return Number(suffix) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(suffix) === 4;
}

/**
 * The proxies in front of the app: `trustedProxies(1)` (one proxy: nginx, a load balancer) or
 * `trustedProxies('10.0.0.0/8, 192.168.1.7')` (their addresses). A hop count trusts the n nearest
 * hops whoever they are, so the app must not be reachable except through them; a list trusts
 * only those addresses and is the safer choice when they are known.
 */
export function trustedProxies(setting: number | string | readonly string[]): ProxyTrust {
  if (typeof setting === 'number') {
    if (!Number.isInteger(setting) || setting < 1 || setting > MAX_HOPS) {
      throw invalid(`trustedProxies: a hop count must be a whole number from 1 to ${MAX_HOPS} (the proxies in front of the app), got ${setting}.`);
    }
    const hops = setting;
    // Hop 0 is the socket's peer, hop 1 the address it reported, and so on (proxy-addr's order).
    return (_address: string, hop: number) => hop < hops;
  }
  const entries = (typeof setting === 'string' ? setting.split(',') : [...setting]).map((entry) => (typeof entry === 'string' ? entry.trim() : ''));
  if (entries.length === 0 || entries.some((entry) => entry === '')) {
    throw invalid('trustedProxies: give a hop count or a list of proxy addresses/CIDRs, e.g. "10.0.0.0/8, 192.168.1.7"; the list has an empty entry.');
  }
  const bad = entries.find((entry) => !isProxyAddress(entry));
  if (bad !== undefined) {
    throw invalid(`trustedProxies: "${bad}" is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8, or loopback).`);
  }
  return entries;
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
function plainAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : address;
}

/** The predicate a trust setting stands for. */
export function compileTrust(trust: ProxyTrust): (address: string, hop: number) => boolean {
  if (typeof trust === 'function') return trust;
  const list = new BlockList();
  for (const entry of trust.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (slash === -1) {
      list.addAddress(address, type);
      continue;
    }
    const suffix = entry.slice(slash + 1);
    const bits = /^\d+$/.test(suffix) ? Number(suffix) : maskBits(suffix);
    if (bits !== null) list.addSubnet(address, bits, type);
  }
  return (address) => {
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** The last entry of a comma-separated header (the one the nearest proxy wrote). */
function lastEntry(value: string): string {
  const at = value.lastIndexOf(',');
  return (at === -1 ? value : value.slice(at + 1)).trim();
}

/** What a request's forwarded headers resolve to. */
export interface ForwardedView {
  clientAddress: string;
  protocol: string;
  host: string | undefined;
}

/**
 * The client address, protocol and host of a request that arrived from `remoteAddress` over
 * `socketProtocol`, under `trust` (null: no proxy). Forwarded protocol and host count only when
 * the direct peer is trusted, and the nearest proxy's entry (the last) is taken.
 */
export function resolveForwarded(
  remoteAddress: string,
  header: (name: string) => string | undefined,
  trust: ProxyTrust | null,
  socketProtocol: 'http' | 'https' = 'http',
): ForwardedView {
  const host = header('host');
  if (trust === null) return { clientAddress: remoteAddress, protocol: socketProtocol, host };
  const trusts = compileTrust(trust);
  if (!trusts(remoteAddress, 0)) return { clientAddress: remoteAddress, protocol: socketProtocol, host };
  const chain = (header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .reverse();
  let client = remoteAddress;
  for (let hop = 0; hop < chain.length; hop += 1) {
    const address = chain[hop] ?? '';
    client = address;
    // Hop 0 is the peer (trusted above); each further address is believed only while the one
    // that reported it is trusted.
    if (!trusts(address, hop + 1)) break;
  }
  const proto = header('x-forwarded-proto');
  const forwardedHost = header('x-forwarded-host');
  return {
    clientAddress: client,
    protocol: proto ? lastEntry(proto) : socketProtocol,
    host: forwardedHost ? lastEntry(forwardedHost) : host,
  };
}
