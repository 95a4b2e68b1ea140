/**
 * The HTTP layer's security headers are the set helmet writes with gatehouse's options (the
 * Fastify adapter uses helmet itself): the same headers and values, in development and in
 * production, so every adapter answers alike.
 */
import { describe, expect, test } from 'vitest';
import { helmetOptions } from '../../src/fastify/headers.js';
import { precomputeHelmetHeaders } from '../../src/fastify/security-headers.js';
import { securityHeaders } from '../../src/http/index.js';

function helmetSet(production: boolean): Record<string, string> {
  const { enableCSPNonces: _nonces, global: _global, ...options } = helmetOptions(production) as Record<string, unknown>;
  return Object.fromEntries(precomputeHelmetHeaders(options).map(([name, value]) => [name.toLowerCase(), value]));
}

describe('securityHeaders', () => {
  test.each([false, true])('production %s: the same as helmet with gatehouse’s options', (production) => {
    expect({ ...securityHeaders(production) }).toEqual(helmetSet(production));
  });

  test('overrides replace a value or leave a header out', () => {
    const headers = securityHeaders(false, { 'X-Frame-Options': 'SAMEORIGIN', 'x-xss-protection': false });
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect('x-xss-protection' in headers).toBe(false);
  });
});
