/**
 * The critical route (`critical('billing.approve_payout')`: staff AND the permission): who gets
 * through, that every decision is audited once (allow and deny, a CSRF refusal included), and that
 * a refused request approves nothing.
 */
import { CONFORMANCE_PASSWORD, type ConformanceUsername } from '../app.js';
import { ACCEPT_JSON, type ConformanceClient } from '../client.js';
import { type ConformanceScenarioGroup, type ConformanceWorld, apiClient, auditSince, browser, lastAuditSeq, loggedIn } from '../world.js';
import { FORBIDDEN_JSON, LEAKS, expectLogin } from './checks.js';

const ROUTE = 'POST /payouts/:id/approve/';

/** A logged-in browser holding a form's token (from the login page, as any page would give). */
async function withToken(world: ConformanceWorld, username: ConformanceUsername): Promise<ConformanceClient> {
  const client = await loggedIn(world, username, CONFORMANCE_PASSWORD);
  await client.request('/accounts/password_change/');
  return client;
}

/** The critical route's scenarios. */
export const criticalScenarios: ConformanceScenarioGroup = {
  name: 'critical route',
  scenarios: [
    {
      name: 'anonymous: the login (302 or 401), even without a token; the denial is audited; nothing approved',
      async run(world, expect) {
        const before = await lastAuditSeq(world);
        const page = await browser(world).request('/payouts/1/approve/', { form: {} });
        expectLogin(expect, page, '/payouts/1/approve/', false, 'anonymous browser');
        const api = await apiClient(world).request('/payouts/1/approve/', { json: {} });
        expectLogin(expect, api, '/payouts/1/approve/', true, 'anonymous API');
        const entries = (await auditSince(world, before)).filter((e) => e.action.startsWith('access.'));
        expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
          ['access.denied', null, ROUTE],
          ['access.denied', null, ROUTE],
        ]);
        expect(world.state.approvals).toEqual([]);
      },
    },
    {
      name: 'without staff AND the permission (plain, staff only, permission only, sees-all): 403 naming nothing, each audited as denied',
      async run(world, expect) {
        const before = await lastAuditSeq(world);
        for (const username of ['alice', 'ops', 'fin_nostaff', 'sam'] as const) {
          const client = await withToken(world, username);
          const page = await client.request('/payouts/2/approve/', { form: { csrfmiddlewaretoken: client.lastToken } });
          expect(page.status, username).toBe(403);
          expect(page.body, username).toContain('Access denied');
          expect(page.body, username).not.toMatch(LEAKS);
          const api = await client.request('/payouts/2/approve/', { json: {}, headers: { accept: ACCEPT_JSON, 'x-csrftoken': client.lastToken } });
          expect(api.status, `${username} JSON`).toBe(403);
          expect(api.json(), `${username} JSON`).toEqual(FORBIDDEN_JSON);
        }
        const denied = (await auditSince(world, before)).filter((e) => e.action.startsWith('access.'));
        expect(denied.every((e) => e.action === 'access.denied' && e.target === ROUTE)).toBe(true);
        expect(denied.map((e) => e.actor)).toEqual(['alice', 'alice', 'ops', 'ops', 'fin_nostaff', 'fin_nostaff', 'sam', 'sam']);
        // The reason is for the audit log, never for the client.
        expect(String(denied.find((e) => e.actor === 'ops')?.data.reason)).toMatch(/billing\.approve_payout/);
        expect(String(denied.find((e) => e.actor === 'fin_nostaff')?.data.reason)).toMatch(/staff/);
        expect(world.state.approvals).toEqual([]);
      },
    },
    {
      name: 'staff with the permission, and a superuser: 200, each audited once as allowed with the path',
      async run(world, expect) {
        const before = await lastAuditSeq(world);
        for (const username of ['fin', 'root'] as const) {
          const client = await withToken(world, username);
          const res = await client.request('/payouts/7/approve/', { form: { csrfmiddlewaretoken: client.lastToken } });
          expect(res.status, username).toBe(200);
          expect(res.json(), username).toEqual({ approved: '7', by: username });
        }
        const entries = (await auditSince(world, before)).filter((e) => e.action.startsWith('access.'));
        expect(entries.map((e) => [e.action, e.actor, e.target, e.data.url])).toEqual([
          ['access.allowed', 'fin', ROUTE, '/payouts/7/approve/'],
          ['access.allowed', 'root', ROUTE, '/payouts/7/approve/'],
        ]);
        expect(world.state.approvals).toEqual(['7', '7']);
      },
    },
    {
      name: 'a permitted user whose POST fails the CSRF check: 403, audited exactly once, as denied, nothing approved',
      async run(world, expect) {
        const fin = await withToken(world, 'fin');
        const approvals = world.state.approvals.length;
        const attempts: { what: string; form: Record<string, string>; headers: Record<string, string> }[] = [
          { what: 'no token', form: {}, headers: {} },
          { what: 'a wrong token', form: { csrfmiddlewaretoken: 'x'.repeat(86) }, headers: {} },
          { what: 'a cross-origin post', form: { csrfmiddlewaretoken: fin.lastToken }, headers: { origin: 'https://evil.example' } },
        ];
        for (const attempt of attempts) {
          const before = await lastAuditSeq(world);
          const res = await fin.request('/payouts/8/approve/', { form: attempt.form, headers: attempt.headers });
          expect(res.status, attempt.what).toBe(403);
          expect(res.body, attempt.what).toContain('This form has expired');
          const entries = (await auditSince(world, before)).filter((e) => e.action.startsWith('access.'));
          expect(
            entries.map((e) => [e.action, e.actor]),
            attempt.what,
          ).toEqual([['access.denied', 'fin']]);
          expect(String(entries[0]?.data.reason), attempt.what).toMatch(/csrf/i);
        }
        expect(world.state.approvals.length).toBe(approvals);
        expect((await world.gatehouse.audit.verify()).ok).toBe(true);
      },
    },
    {
      name: 'GET on the POST-only route: 405 with Allow: POST',
      async run(world, expect) {
        for (const client of [browser(world), await loggedIn(world, 'fin', CONFORMANCE_PASSWORD)]) {
          const res = await client.request('/payouts/1/approve/');
          expect(res.status).toBe(405);
          expect(res.headers.allow).toBe('POST');
        }
      },
    },
  ],
};
