/**
 * Proxy trust for adapters without their own (`resolveForwarded`): the client is the rightmost
 * address no trusted proxy added, and forwarded protocol/host count only from a trusted peer.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { resolveForwarded, trustedProxies } from '../../src/http/index.js';

function headers(values: Record<string, string>): (name: string) => string | undefined {
  return (name) => values[name];
}

describe('resolveForwarded', () => {
  const forwarded = headers({
    host: 'app.internal',
    'x-forwarded-for': '6.6.6.6, 203.0.113.7',
    'x-forwarded-proto': 'http, https',
    'x-forwarded-host': 'billing.example.com',
  });

  test('no trust: the socket peer, the Host header, the socket protocol', () => {
    expect(resolveForwarded('10.0.0.1', forwarded, null)).toEqual({ clientAddress: '10.0.0.1', protocol: 'http', host: 'app.internal' });
  });

  test('one hop: the address the proxy saw, not the one the client wrote; the nearest proxy entry for proto and host', () => {
    expect(resolveForwarded('10.0.0.1', forwarded, trustedProxies(1))).toEqual({
      clientAddress: '203.0.113.7',
      protocol: 'https',
      host: 'billing.example.com',
    });
  });

  test('a list: only listed peers are believed', () => {
    const trust = trustedProxies('10.0.0.0/8');
    expect(resolveForwarded('10.0.0.1', forwarded, trust).clientAddress).toBe('203.0.113.7');
    // The peer is not a listed proxy: its headers are the client's own words.
    expect(resolveForwarded('198.51.100.4', forwarded, trust)).toEqual({ clientAddress: '198.51.100.4', protocol: 'http', host: 'app.internal' });
    // IPv4-mapped IPv6 peers count as their IPv4 address.
    expect(resolveForwarded('::ffff:10.1.2.3', forwarded, trust).clientAddress).toBe('203.0.113.7');
  });

  test('a chain of trusted proxies is walked; the first untrusted address is the client', () => {
    const chain = headers({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.9' });
    expect(resolveForwarded('10.0.0.1', chain, trustedProxies(['10.0.0.0/8'])).clientAddress).toBe('203.0.113.7');
    expect(resolveForwarded('10.0.0.1', chain, trustedProxies(2)).clientAddress).toBe('203.0.113.7');
    expect(resolveForwarded('10.0.0.1', chain, trustedProxies('loopback, uniquelocal')).clientAddress).toBe('203.0.113.7');
  });

  test('bad settings are coded ConfigErrors', () => {
    for (const bad of [0, 1.5, 99, '', 'not-an-ip', '10.0.0.0/99'] as const) {
      expect(() => trustedProxies(bad), String(bad)).toThrow(ConfigError);
      try {
        trustedProxies(bad);
      } catch (error) {
        expect((error as ConfigError).code).toBe('gatehouse.http.invalid_trust_proxy');
      }
    }
  });
});
