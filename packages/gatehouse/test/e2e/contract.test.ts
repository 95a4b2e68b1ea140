/**
 * CONTRACT.md's route table against the example app running as a real process, on SQLite and on
 * PostgreSQL: every route for every fixture user and for anonymous visitors, as a browser (HTML)
 * and as an API client (JSON); the object rule on lists and details; the critical payout route
 * with its CSRF check, its audit entries and its behaviour under concurrent approvals; and the
 * server-side denial log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { HTML, HttpClient, type HttpResponse, JSON_ACCEPT } from './support/client.js';
import { type ExampleDb, openExampleDb } from './support/db.js';
import { DEMO_PASSWORD, type ExampleProcess, exampleEnv, startExample } from './support/example-process.js';
import { ACTIVE_USERS, CANNOT_APPROVE, GET_ROWS, LEAKS, type Outcome, VISIBLE_ORDERS, type Visitor } from './support/fixture.js';

/** Checks one response against the contract's outcome for it. */
function expectOutcome(res: HttpResponse, outcome: Outcome, path: string, json: boolean, who: string): void {
  const label = `${who} ${json ? 'JSON' : 'HTML'} GET ${path}`;
  if (outcome === 'login') {
    if (json) {
      expect(res.status, label).toBe(401);
      expect(res.json().error, label).toBe('not_authenticated');
    } else {
      expect(res.status, label).toBe(302);
      expect(res.location, label).toBe(`/accounts/login/?next=${path}`);
    }
    return;
  }
  expect(res.status, `${label}: ${res.body.slice(0, 200)}`).toBe(outcome);
  const type = res.headers.get('content-type') ?? '';
  if (path === '/health/') {
    expect(res.json(), label).toEqual({ status: 'ok' });
    return;
  }
  if (json) {
    expect(type, label).toMatch(/^application\/json/);
    if (outcome === 403) expect(res.json(), label).toEqual({ error: 'forbidden', message: 'You do not have permission to do this.' });
    if (outcome === 404) expect(res.json().error, label).toBe('not_found');
  } else {
    expect(type, label).toMatch(/^text\/html/);
    if (outcome === 403) expect(res.body, label).toContain('Access denied');
    if (outcome === 404) expect(res.body, label).toContain('Not found');
  }
  if (outcome === 403) expect(res.body, `${label} leaks`).not.toMatch(LEAKS);
}

/** Order ids a list response shows. */
function orderIds(res: HttpResponse, json: boolean): number[] {
  if (json) return res.json<{ orders: { id: number }[] }>().orders.map((o) => o.id);
  return [...res.body.matchAll(/href="\/orders\/(\d+)\/"/g)].map((m) => Number(m[1]));
}

for (const database of testDatabases()) {
  describe(`the example app's contract over HTTP (${database.label})`, () => {
    let fresh: FreshDatabase;
    let server: ExampleProcess;
    let db: ExampleDb;
    /** One browser and one API client per user, each logged in with its own session. */
    const browsers = {} as Record<Visitor, HttpClient>;
    const apis = {} as Record<Visitor, HttpClient>;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      server = await startExample(exampleEnv(fresh.url));
      db = await openExampleDb(fresh.url);
      browsers.anonymous = new HttpClient(server.url, HTML);
      apis.anonymous = new HttpClient(server.url, JSON_ACCEPT);
      // The inactive user's login is refused (same page as a wrong password): it stays anonymous.
      browsers.inactive = new HttpClient(server.url, HTML);
      apis.inactive = new HttpClient(server.url, JSON_ACCEPT);
      for (const client of [browsers.inactive, apis.inactive]) {
        const refused = await client.submit('/accounts/login/', { username: 'inactive', password: DEMO_PASSWORD });
        expect(refused.status).toBe(200);
      }
      await Promise.all(
        ACTIVE_USERS.map(async (user) => {
          browsers[user] = new HttpClient(server.url, HTML);
          apis[user] = new HttpClient(server.url, JSON_ACCEPT);
          await browsers[user].login(user, DEMO_PASSWORD);
          await apis[user].login(user, DEMO_PASSWORD);
        }),
      );
    });

    afterAll(async () => {
      await db?.close();
      const code = await server?.stop();
      await fresh?.drop();
      // Graceful shutdown on SIGTERM: the process ends by itself, with 0.
      expect(code).toBe(0);
    });

    test('the start-up banner gives the URL and the demo logins', () => {
      const banner = server.stdout.join('\n');
      expect(banner).toContain(`listening on ${server.url}/`);
      expect(banner).toContain(`password ${DEMO_PASSWORD}`);
      for (const user of [...ACTIVE_USERS, 'inactive']) expect(banner).toMatch(new RegExp(`^  ${user} `, 'm'));
    });

    test('every GET route for every visitor, as HTML and as JSON', async () => {
      const checks: Promise<void>[] = [];
      for (const row of GET_ROWS) {
        for (const [who, outcome] of Object.entries(row.outcomes) as [Visitor, Outcome][]) {
          checks.push(browsers[who].request(row.path).then((res) => expectOutcome(res, outcome, row.path, false, who)));
          checks.push(apis[who].request(row.path).then((res) => expectOutcome(res, outcome, row.path, true, who)));
        }
      }
      await Promise.all(checks);
    });

    test('/orders/ lists exactly the orders the object rule allows, filtered in the database', async () => {
      for (const user of ACTIVE_USERS) {
        expect(orderIds(await browsers[user].request('/orders/'), false), `${user} HTML`).toEqual(VISIBLE_ORDERS[user]);
        const api = await apis[user].request('/orders/');
        expect(orderIds(api, true), `${user} JSON`).toEqual(VISIBLE_ORDERS[user]);
        expect(api.json().scope).toBe(['sam', 'root', 'lead'].includes(user) ? 'all' : 'own');
        // The detail page agrees with the list for every order.
        for (const id of [1, 2]) {
          const detail = await apis[user].request(`/orders/${id}/`);
          expect(detail.status, `${user} /orders/${id}/`).toBe(VISIBLE_ORDERS[user].includes(id) ? 200 : 403);
        }
      }
    });

    test('pages show who is logged in and a logout button that posts with a CSRF token', async () => {
      const page = await browsers.fin.request('/dashboard/');
      expect(page.body).toContain('Signed in as <strong>fin</strong>');
      expect(page.body).toMatch(/<form class="whoami" method="post" action="\/accounts\/logout\/">[\s\S]*name="csrfmiddlewaretoken" value="[A-Za-z0-9_-]{86}"/);
      expect(page.body).toContain('href="/static/app.css"');
      const css = await browsers.anonymous.request('/static/app.css');
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      // No external assets anywhere.
      expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
      const dashboard = (await apis.fin.request('/dashboard/')).json<{ user: { username: string; groups: string[] } }>();
      expect(dashboard.user).toMatchObject({ username: 'fin', groups: ['Finance Approver'] });
    });

    test('the payout route answers GET with 405 and anonymous POSTs with the login', async () => {
      for (const client of [browsers.anonymous, browsers.fin]) {
        const res = await client.request('/payouts/1/approve/');
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toContain('POST');
      }
      const page = await browsers.anonymous.request('/payouts/1/approve/', { method: 'POST', form: {} });
      expect(page.status).toBe(302);
      expect(page.location).toBe('/accounts/login/?next=/payouts/1/approve/');
      const api = await apis.anonymous.request('/payouts/1/approve/', { method: 'POST', json: {} });
      expect(api.status).toBe(401);
      expect((await db.payout(1))?.status).toBe('pending');
    });

    test('everyone without staff AND billing.approve_payout gets 403 and nothing changes; the permission is checked before the lookup', async () => {
      for (const user of CANNOT_APPROVE) {
        await browsers[user].request('/dashboard/');
        const res = await browsers[user].post('/payouts/1/approve/');
        expect(res.status, user).toBe(403);
        expect(res.body, user).not.toMatch(LEAKS);
        // A payout that does not exist: the same 403, so existence cannot be probed.
        expect((await browsers[user].post('/payouts/999/approve/')).status, `${user} 999`).toBe(403);
        expect((await browsers[user].post('/payouts/abc/approve/')).status, `${user} abc`).toBe(403);
      }
      expect((await db.payout(1))?.status).toBe('pending');
      await browsers.fin.request('/dashboard/');
      expect((await browsers.fin.post('/payouts/999/approve/')).status).toBe(404);
      expect((await browsers.fin.post('/payouts/99999999999999/approve/')).status).toBe(404);
    });

    test('a POST without a valid CSRF token is refused with 403 and changes nothing', async () => {
      const fin = browsers.fin;
      await fin.request('/dashboard/');
      const noToken = await fin.request('/payouts/1/approve/', { form: {} });
      expect(noToken.status).toBe(403);
      const wrong = await fin.request('/payouts/1/approve/', { form: { csrfmiddlewaretoken: 'x'.repeat(86) } });
      expect(wrong.status).toBe(403);
      const crossSite = await fin.request('/payouts/1/approve/', { form: { csrfmiddlewaretoken: fin.csrf }, headers: { origin: 'https://evil.example' } });
      expect(crossSite.status).toBe(403);
      // A script with the session cookie but no token header fares no better.
      const api = await apis.fin.request('/payouts/1/approve/', { method: 'POST', json: {} });
      expect(api.status).toBe(403);
      expect(api.json().error).toBe('csrf_failed');
      expect((await db.payout(1))?.status).toBe('pending');
    });

    test('fin approves payout 1 once (200); again, and for root, 409', async () => {
      const fin = browsers.fin;
      const dashboard = await fin.request('/dashboard/');
      expect(dashboard.body).toContain('action="/payouts/1/approve/"');
      const approved = await fin.post('/payouts/1/approve/');
      expect(approved.status).toBe(200);
      expect(approved.body).toContain('Payout approved');
      const row = await db.payout(1);
      expect(row?.status).toBe('approved');
      expect(row?.approved_by).toBe(await db.userId('fin'));

      const again = await fin.post('/payouts/1/approve/');
      expect(again.status).toBe(409);
      await browsers.root.request('/dashboard/');
      expect((await browsers.root.post('/payouts/1/approve/')).status).toBe(409);
      // An API client sends the token in the header.
      await apis.root.request('/dashboard/', { headers: { accept: HTML } });
      const api = await apis.root.request('/payouts/1/approve/', { method: 'POST', json: {}, headers: { 'x-csrftoken': apis.root.csrf } });
      expect(api.status).toBe(409);
      expect(api.json()).toMatchObject({ error: 'conflict', payout: { id: 1, status: 'approved', approvedBy: 'fin' } });
      expect((await db.payout(1))?.approved_by).toBe(await db.userId('fin'));
    });

    test('10 concurrent approvals of one pending payout: exactly one 200', async () => {
      const id = await db.addPendingPayout('ops');
      const fin = browsers.fin;
      await fin.request('/dashboard/');
      const token = fin.csrf;
      const results = await Promise.all(Array.from({ length: 10 }, () => fin.request(`/payouts/${id}/approve/`, { form: { csrfmiddlewaretoken: token } })));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(409)]);
      expect((await db.payout(id))?.status).toBe('approved');
      // Root too, racing fin on another payout: still one winner.
      const other = await db.addPendingPayout('ops');
      await browsers.root.request('/dashboard/');
      const raced = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? browsers.root : fin).request(`/payouts/${other}/approve/`, { form: { csrfmiddlewaretoken: (i % 2 ? browsers.root : fin).csrf } }),
        ),
      );
      expect(raced.filter((r) => r.status === 200)).toHaveLength(1);
      expect(raced.filter((r) => r.status === 409)).toHaveLength(9);
    });

    test('the audit log shows the critical route decisions, allow and deny, newest first', async () => {
      const res = await apis.root.request('/audit/');
      expect(res.status).toBe(200);
      type Entry = { seq: number; actor: string | null; action: string; target: string | null; data: Record<string, unknown> };
      let entries = res.json<{ entries: Entry[] }>().entries;
      // Page back to the start: 50 a page.
      for (let before = entries.at(-1)?.seq; before !== undefined && before > 1; ) {
        const older = (await apis.root.request(`/audit/?before=${before}`)).json<{ entries: Entry[] }>().entries;
        if (older.length === 0) break;
        entries = [...entries, ...older];
        before = older.at(-1)?.seq;
      }
      const seqs = entries.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(new Set(seqs).size).toBe(seqs.length);

      const onRoute = entries.filter((e) => e.target === 'POST /payouts/:id/approve/');
      for (const user of CANNOT_APPROVE) {
        expect(
          onRoute.some((e) => e.actor === user && e.action === 'access.denied'),
          `${user} denied`,
        ).toBe(true);
      }
      expect(onRoute.some((e) => e.actor === null && e.action === 'access.denied')).toBe(true);
      expect(onRoute.some((e) => e.actor === 'fin' && e.action === 'access.allowed')).toBe(true);
      expect(onRoute.some((e) => e.actor === 'root' && e.action === 'access.allowed')).toBe(true);
      // The denial reason is for the log, never the client: it is recorded here.
      expect(onRoute.find((e) => e.actor === 'ops' && e.action === 'access.denied')?.data.reason).toMatch(/billing\.approve_payout/);
      expect(entries.filter((e) => e.action === 'payout.approved' && e.target === 'payout:1').map((e) => e.actor)).toEqual(['fin']);

      const page = await browsers.fin.request('/audit/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('payout.approved');
      expect(page.body).toContain('access.allowed');
    });

    test('denials are logged server-side with who, what and why', () => {
      type Denial = { user: string | null; route: string; reason: string; kind: string };
      const denials = server
        .logs()
        .filter((l) => l.msg === 'access denied')
        .map((l) => l.gatehouse as Denial);
      const find = (user: string | null, route: string): Denial | undefined => denials.find((d) => d.user === user && d.route === route);
      expect(find('alice', 'GET /invoices/')?.reason).toBe('missing permission billing.view_invoice');
      expect(find('alice', 'GET /orders/:id/')?.reason).toMatch(/shop\.order\.view/);
      expect(find('ops', 'POST /payouts/:id/approve/')?.reason).toMatch(/billing\.approve_payout/);
      expect(find('fin_nostaff', 'POST /payouts/:id/approve/')?.reason).toMatch(/staff/);
      expect(find(null, 'GET /dashboard/')?.kind).toBe('login');
      expect(server.logs().some((l) => l.msg === 'CSRF check failed')).toBe(true);
      // Nothing failed on the server's side along the way.
      expect(server.logs().filter((l) => l.level >= 50)).toEqual([]);
    });

    test('the report export as CSV, and unknown paths', async () => {
      const csv = await browsers.fin.request('/reports/export/?format=csv');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.body.split('\r\n')[0]).toBe('number,customer,amount_cents,status');
      expect(csv.body).toContain('INV-2026-001,Acme Ltd,120000,paid');
      const missing = await browsers.anonymous.request('/no/such/page/');
      expect(missing.status).toBe(404);
      expect((await browsers.root.request('/')).location).toBe('/dashboard/');
    });
  });
}
