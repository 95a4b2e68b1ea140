/**
 * One scenario for an adapter's mount of the JSON account API (Express, Hono): an SPA logs in with
 * the CSRF header, a script uses the token it made as a bearer. The app under test mounts the API
 * at /api/auth, declares `GET /invoices/` as needing billing.view_invoice and answering
 * `{ user: <username> }`, and has the user fin with `password` in Finance Approver.
 */
import { expect } from 'vitest';
import { SpaClient } from './spa-client.js';

export async function speaksTheAccountApi(origin: string, password: string): Promise<void> {
  const anonymous = new SpaClient(origin);
  const refused = await anonymous.call('POST', '/login', { username: 'fin', password }, { accept: 'text/html' });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('csrf_failed');
  expect((await anonymous.call('GET', '/session')).body.error.code).toBe('not_authenticated');

  const client = new SpaClient(origin);
  expect((await client.login('fin', password)).status).toBe(200);
  expect((await client.call('GET', '/session')).body).toMatchObject({ user: { username: 'fin' }, authenticatedBy: 'session' });
  expect((await client.call('GET', '/login')).status).toBe(405);

  const made = await client.call('POST', '/tokens', { name: 'script', permissions: ['billing.view_invoice'] });
  expect(made.status).toBe(201);
  const script = new SpaClient(origin);
  script.bearer = made.body.token;
  const invoices = await script.call('GET', '/invoices/');
  expect(invoices.status).toBe(200);
  expect(invoices.body).toEqual({ user: 'fin' });
  expect((await script.call('POST', '/password/change', { oldPassword: password, newPassword: 'Tundra-Quokka-5841-Velvet' })).status).toBe(403);
  script.bearer = `gh_${'C'.repeat(43)}`;
  expect((await script.call('GET', '/invoices/')).status).toBe(401);
  expect((await fetch(`${origin}/api/auth/openapi.json`)).status).toBe(200);
}
