/**
 * The access matrix: every kind of visitor on every GET route of the app, as a browser (HTML) and
 * as an API client (JSON). One scenario per visitor, each logging in through the login form.
 */
import { CONFORMANCE_PASSWORD, type ConformanceUsername } from '../app.js';
import { ACCEPT_HTML, ACCEPT_JSON, type ConformanceClient } from '../client.js';
import { type ConformanceScenario, type ConformanceScenarioGroup, type ConformanceWorld, type Expect, browser, loggedIn } from '../world.js';
import { INVALID_LOGIN, type Outcome, expectOutcome, stablePage } from './checks.js';

/** The visitors of the matrix. `inactive` tries to log in, is refused, and browses anonymously. */
type Visitor = 'anonymous' | 'inactive' | 'alice' | 'ops' | 'fin' | 'fin_nostaff' | 'sam' | 'root';

const VISITORS: readonly [Visitor, string][] = [
  ['anonymous', 'not logged in'],
  ['inactive', 'an inactive account'],
  ['alice', 'a plain user'],
  ['ops', 'staff without permissions'],
  ['fin', 'staff with the finance permissions'],
  ['fin_nostaff', 'the finance permissions without staff'],
  ['sam', 'a user who sees every order'],
  ['root', 'a superuser'],
];

const LOGGED_IN: readonly Visitor[] = ['alice', 'ops', 'fin', 'fin_nostaff', 'sam', 'root'];

/** A row: who gets 200 (everyone else logged in gets `otherwise`, anonymous visitors the login). */
interface Row {
  readonly path: string;
  readonly allowed: readonly Visitor[] | 'everyone';
  readonly otherwise?: Outcome;
  /** Outcome for the allowed when not 200 (a missing object: 404 for those who see all). */
  readonly allowedOutcome?: Outcome;
}

const ROWS: readonly Row[] = [
  { path: '/health/', allowed: 'everyone' },
  { path: '/whoami/', allowed: 'everyone' },
  { path: '/dashboard/', allowed: LOGGED_IN },
  { path: '/internal/', allowed: ['ops', 'fin', 'root'] },
  { path: '/invoices/', allowed: ['fin', 'fin_nostaff', 'root'] },
  { path: '/team/f/', allowed: ['fin', 'fin_nostaff'] },
  { path: '/reports/export/', allowed: ['fin', 'fin_nostaff', 'root'] },
  { path: '/orders/1/', allowed: ['alice', 'sam', 'root'] },
  { path: '/orders/2/', allowed: ['sam', 'root'] },
  // Missing: 404 only for those who could see it; everyone else the 403 of someone else's order.
  { path: '/orders/999/', allowed: ['sam', 'root'], allowedOutcome: 404 },
];

function outcomeFor(row: Row, visitor: Visitor): Outcome {
  if (row.allowed === 'everyone') return 200;
  if (visitor === 'anonymous' || visitor === 'inactive') return 'login';
  if (row.allowed.includes(visitor)) return row.allowedOutcome ?? 200;
  return row.otherwise ?? 403;
}

/** The visitor's browser: logged in through the form, or anonymous (inactive: refused first). */
async function visit(world: ConformanceWorld, visitor: Visitor, expect: Expect): Promise<ConformanceClient> {
  if (visitor === 'anonymous') return browser(world);
  if (visitor === 'inactive') {
    const client = browser(world);
    const refused = await client.submit('/accounts/login/', { username: 'inactive', password: CONFORMANCE_PASSWORD });
    expect(refused.status, 'inactive login').toBe(200);
    expect(refused.body).toContain(INVALID_LOGIN);
    expect(client.session(), 'inactive gets no session').toBeUndefined();
    return client;
  }
  return loggedIn(world, visitor as ConformanceUsername, CONFORMANCE_PASSWORD);
}

function visitorScenario(visitor: Visitor, description: string): ConformanceScenario {
  return {
    name: `${visitor} (${description}): every route, as HTML and as JSON`,
    async run(world, expect) {
      const html = await visit(world, visitor, expect);
      const json = html.clone(ACCEPT_JSON);
      for (const row of ROWS) {
        const outcome = outcomeFor(row, visitor);
        const [page, api] = await Promise.all([html.request(row.path, { headers: { accept: ACCEPT_HTML } }), json.request(row.path)]);
        const privateAnswer = LOGGED_IN.includes(visitor) && row.path !== '/health/';
        expectOutcome(expect, page, outcome, row.path, false, visitor, privateAnswer);
        expectOutcome(expect, api, outcome, row.path, true, visitor, privateAnswer);
      }
      // Who the app sees: the user on session routes; nobody where the session is not read.
      const loggedInAs = LOGGED_IN.includes(visitor) ? visitor : '';
      expect((await json.request('/whoami/')).json(), `${visitor} whoami`).toEqual({ user: loggedInAs, anonymous: loggedInAs === '' });
      expect((await json.request('/health/')).json(), `${visitor} health`).toEqual({ status: 'ok', user: '' });
    },
  };
}

/** The matrix, one scenario per visitor. */
export const accessMatrixScenarios: ConformanceScenarioGroup = {
  name: 'access matrix',
  scenarios: [
    ...VISITORS.map(([visitor, description]) => visitorScenario(visitor, description)),
    {
      name: 'HEAD is guarded like GET: the login for anonymous visitors, 403 without the permission, 200 with it',
      async run(world, expect) {
        const anonymous = await browser(world).request('/invoices/', { method: 'HEAD' });
        expect(anonymous.status).toBe(302);
        expect(anonymous.location).toBe('/accounts/login/?next=/invoices/');
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        expect((await alice.request('/invoices/', { method: 'HEAD' })).status).toBe(403);
        const fin = await loggedIn(world, 'fin', CONFORMANCE_PASSWORD);
        const allowed = await fin.request('/invoices/', { method: 'HEAD' });
        expect(allowed.status).toBe(200);
        expect(allowed.body).toBe('');
      },
    },
    {
      name: 'a missing object looks the same as someone else’s to users who cannot see all',
      async run(world, expect) {
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        const others = await alice.request('/orders/2/');
        const missing = await alice.request('/orders/999/');
        const odd = await alice.request('/orders/abc/');
        expect([others.status, missing.status, odd.status]).toEqual([403, 403, 403]);
        expect(stablePage(missing.body)).toBe(stablePage(others.body));
        expect(stablePage(odd.body)).toBe(stablePage(others.body));
        const sam = await loggedIn(world, 'sam', CONFORMANCE_PASSWORD, ACCEPT_JSON);
        expect((await sam.request('/orders/1/')).json()).toEqual({ order: { id: 1, ownerId: world.users.alice.id } });
      },
    },
  ],
};
