/**
 * Security headers computed once at start-up (security-headers.ts) are exactly what
 * `@fastify/helmet` sends for the same options, in development and production; the reset page
 * still overrides the Referrer-Policy; a route's own `helmet` option still works. Over real HTTP.
 */
import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicAccess } from '../../../src/fastify/index.js';
import { helmetOptions } from '../../../src/fastify/headers.js';
import { precomputeHelmetHeaders } from '../../../src/fastify/security-headers.js';
import { Client, type TestApp, buildApp } from '../helpers.js';

/** The headers @fastify/helmet itself sends for `options`, from a bare Fastify app. */
async function helmetReference(production: boolean): Promise<Record<string, string>> {
  const app = Fastify();
  await app.register(fastifyHelmet, helmetOptions(production));
  app.get('/', async () => 'ok');
  const res = await app.inject({ url: '/' });
  await app.close();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers))
    if (!['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(name)) out[name] = String(value);
  return out;
}

describe('precomputed security headers', () => {
  let built: TestApp;
  let origin: string;

  beforeAll(async () => {
    built = await buildApp({
      routes: (app) => {
        app.get('/plain/', { config: { access: publicAccess({ session: false }) } }, async () => 'ok');
        app.get('/own/', { config: { access: publicAccess({ session: false }) }, helmet: { frameguard: { action: 'sameorigin' } } }, async () => 'ok');
        app.get('/none/', { config: { access: publicAccess({ session: false }) }, helmet: false }, async () => 'ok');
      },
    });
    origin = await built.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await built?.close();
  });

  it('computes what helmet computes, in development and in production', async () => {
    for (const production of [false, true]) {
      const expected = await helmetReference(production);
      const computed = Object.fromEntries(precomputeHelmetHeaders(helmetOptions(production) as Record<string, unknown>).map(([n, v]) => [n.toLowerCase(), v]));
      expect(computed).toEqual(expected);
    }
  });

  it('sends every header on every response, over HTTP', async () => {
    const expected = await helmetReference(false);
    const client = Client.http(origin);
    for (const url of ['/plain/', '/accounts/login/']) {
      const res = await client.request(url);
      for (const [name, value] of Object.entries(expected)) expect(res.headers[name], `${url} ${name}`).toBe(value);
    }
  });

  it('keeps the reset page no-referrer override, and route helmet options', async () => {
    const client = Client.http(origin);
    const reset = await client.request('/accounts/reset/MQ/set-password/');
    expect(reset.headers['referrer-policy']).toBe('no-referrer');
    expect((await client.request('/plain/')).headers['referrer-policy']).toBe('same-origin');
    const own = await client.request('/own/');
    expect(own.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(own.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const none = await client.request('/none/');
    expect(none.headers['x-frame-options']).toBeUndefined();
    expect(none.headers['content-security-policy']).toBeUndefined();
  });
});
