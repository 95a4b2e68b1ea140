/**
 * Item 8: every decision on a critical route is audited exactly once, whatever happens after the
 * guard: a body that fails to parse (400), a refused content type (415), an oversize body (413),
 * a CSRF failure (403) or success (200) each leave exactly one access entry, with the right
 * decision — over HTTP, on both databases.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditEntry } from '../../../src/core/ports.js';
import { critical } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type TestApp, buildApp } from '../helpers.js';
import { listen } from './edge-support.js';

const ROUTE = 'POST /payouts/:id/approve/';

for (const database of testDatabases()) {
  describe(`critical routes are audited exactly once (${database.label})`, () => {
    let fresh: FreshDatabase;
    let h: TestApp;
    let origin: string;
    let fin: Client;
    const approved: string[] = [];

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        routes: (app) => {
          app.post<{ Params: { id: string } }>(
            '/payouts/:id/approve/',
            { config: { access: critical('billing.approve_payout') }, bodyLimit: 4096 },
            async (request) => {
              approved.push(request.params.id);
              return { approved: true };
            },
          );
          // An app hook after the guard that answers first (a rate limiter, say).
          app.post(
            '/payouts/:id/hold/',
            { config: { access: critical('billing.approve_payout') }, onRequest: async (_request, reply) => reply.code(429).send({ error: 'slow down' }) },
            async () => ({ held: true }),
          );
        },
      });
      origin = await listen(h);
      fin = Client.http(origin);
      await fin.login('fin');
      await fin.request('/accounts/login/'); // a fresh token for this session
    });

    afterAll(async () => {
      await h?.close();
      await fresh?.drop();
    });

    /** The access entries written for the route while `run` ran. */
    async function decisionsDuring(run: () => Promise<number>): Promise<{ status: number; entries: AuditEntry[] }> {
      const before = (await h.t.gatehouse.audit.list({ limit: 1 }))[0]?.seq ?? 0;
      const status = await run();
      const entries = (await h.t.gatehouse.audit.list({ limit: 100 })).filter((e) => e.seq > before && e.action.startsWith('access.') && e.target === ROUTE);
      return { status, entries };
    }

    const post =
      (id: string, contentType: string, body: string, withToken = true) =>
      async (): Promise<number> =>
        (
          await fin.request(`/payouts/${id}/approve/`, {
            method: 'POST',
            payload: body,
            headers: { 'content-type': contentType, ...(withToken ? { 'x-csrftoken': fin.lastToken } : {}), origin },
          })
        ).status;

    test('malformed JSON body → 400 and one "denied" entry', async () => {
      const { status, entries } = await decisionsDuring(post('1', 'application/json', '{"amount": '));
      expect(status).toBe(400);
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['access.denied', 'fin']]);
      expect(entries[0]!.data.reason).toBe('request failed before the CSRF check (400)');
    });

    test('a refused content type (application/xml) → 415 and one "denied" entry', async () => {
      const { status, entries } = await decisionsDuring(post('2', 'application/xml', '<approve/>'));
      expect(status).toBe(415);
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['access.denied', 'fin']]);
      expect(entries[0]!.data.reason).toBe('request failed before the CSRF check (415)');
    });

    test('Content-Type: text/plain (Fastify parses it) → one entry either way: denied without a token, allowed with the header token', async () => {
      const refused = await decisionsDuring(post('6', 'text/plain', 'approve please', false));
      expect(refused.status).toBe(403);
      expect(refused.entries.map((e) => [e.action, e.data.reason])).toEqual([['access.denied', 'csrf token_missing']]);
      const passed = await decisionsDuring(post('7', 'text/plain', 'approve please'));
      expect(passed.status).toBe(200);
      expect(passed.entries.map((e) => e.action)).toEqual(['access.allowed']);
    });

    test('oversize body → 413 and one "denied" entry', async () => {
      const { status, entries } = await decisionsDuring(post('3', 'application/x-www-form-urlencoded', `note=${'x'.repeat(10_000)}`));
      expect(status).toBe(413);
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['access.denied', 'fin']]);
      expect(entries[0]!.data.reason).toBe('request failed before the CSRF check (413)');
    });

    test('CSRF failure → 403 and one "denied" entry naming the CSRF reason', async () => {
      const { status, entries } = await decisionsDuring(post('4', 'application/json', '{}', false));
      expect(status).toBe(403);
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['access.denied', 'fin']]);
      expect(entries[0]!.data.reason).toBe('csrf token_missing');
    });

    test('success → 200 and one "allowed" entry', async () => {
      const { status, entries } = await decisionsDuring(post('5', 'application/json', '{}'));
      expect(status).toBe(200);
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['access.allowed', 'fin']]);
    });

    test('an app hook answering before the CSRF check (429) → one "denied" entry', async () => {
      const before = (await h.t.gatehouse.audit.list({ limit: 1 }))[0]?.seq ?? 0;
      const res = await fin.request('/payouts/1/hold/', {
        method: 'POST',
        payload: '{}',
        headers: { 'content-type': 'application/json', 'x-csrftoken': fin.lastToken, origin },
      });
      expect(res.status).toBe(429);
      const entries = (await h.t.gatehouse.audit.list({ limit: 100 })).filter((e) => e.seq > before && e.action.startsWith('access.'));
      expect(entries.map((e) => [e.action, e.target, e.data.reason])).toEqual([
        ['access.denied', 'POST /payouts/:id/hold/', 'request failed before the CSRF check (429)'],
      ]);
    });

    test('a client that hangs up in the middle of its body → one "denied" entry', async () => {
      const before = (await h.t.gatehouse.audit.list({ limit: 1 }))[0]?.seq ?? 0;
      const url = new URL(origin);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            [
              'POST /payouts/11/approve/ HTTP/1.1',
              `Host: ${url.host}`,
              `Cookie: ${fin.cookieHeader()}`,
              'Content-Type: application/json',
              'Content-Length: 1000',
              '',
              '{"amount": 1',
            ].join('\r\n'),
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 200);
        });
        socket.on('error', reject);
      });
      let entries: AuditEntry[] = [];
      for (let i = 0; i < 50 && entries.length === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        entries = (await h.t.gatehouse.audit.list({ limit: 100 })).filter((e) => e.seq > before && e.action.startsWith('access.'));
      }
      await new Promise((r) => setTimeout(r, 100));
      entries = (await h.t.gatehouse.audit.list({ limit: 100 })).filter((e) => e.seq > before && e.action.startsWith('access.'));
      expect(entries.map((e) => [e.action, e.actor, e.data.url])).toEqual([['access.denied', 'fin', '/payouts/11/approve/']]);
      // Fastify answers the broken body with a 400 nobody reads (onSend); onRequestAbort is the backstop.
      expect(String(entries[0]!.data.reason)).toMatch(/before the CSRF check/);
    });

    test('nothing was approved but the one that passed, and the audit chain still verifies', async () => {
      expect(approved.sort()).toEqual(['5', '7']);
      expect((await h.t.gatehouse.audit.verify()).ok).toBe(true);
    });
  });
}
