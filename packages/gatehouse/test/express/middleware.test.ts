/**
 * gatehouse/express from the attacker's side, over real HTTP on SQLite and PostgreSQL: what the
 * middleware, the guards and the handlers do that is Express's own (the Fastify-shared behaviour
 * is the conformance suite's): the route check failing closed, CSRF on routes and middleware no
 * guard covers, exempt routes, body limits, the Host check, headers, the object-rule safety net,
 * router-level guards, errors and malformed URLs, proxy trust, and answers the app writes itself.
 */
import { request } from 'node:http';
import express, { type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusyError, PermissionDenied } from '../../src/core/errors.js';
import {
  access,
  authorizeObject,
  authenticated,
  defineRule,
  loggedInUser,
  loginRequired,
  objectRule,
  permission,
  publicAccess,
  staffMemberRequired,
  trustedProxies,
} from '../../src/express/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { Browser, type ExpressTestApp, PASSWORD, startExpressApp } from './helpers.js';

interface Order {
  id: number;
  ownerId: number;
}

for (const database of testDatabases()) {
  describe(`gatehouse/express over HTTP (${database.label})`, () => {
    let fresh: FreshDatabase;
    let t: ExpressTestApp;
    const orders = new Map<string, Order>();
    const orderRule = defineRule<Order>({
      name: 'shop.order.view',
      grantedBy: ['shop.view_all_orders'],
      check: (user, order) => order.ownerId === user.id,
      where: () => {
        throw new Error('not used');
      },
    });
    const hits = { echo: 0, hook: 0, plain: 0 };

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      t = await startExpressApp({
        databaseUrl: fresh.url,
        options: { allowUndeclaredRoutes: ['POST /legacy/echo/'] },
        routes: (app) => {
          // Well-known pass-through middleware before the routes keeps the guard-first order.
          app.use(express.json());
          // Unknown middleware on a path before its guarded route might answer a POST itself.
          app.use('/gated/', (req: Request, res: Response, next: () => void) => {
            if (req.query.answer === '1') {
              hits.plain += 1;
              res.json({ answeredByMiddleware: true });
            } else next();
          });
          app.post('/gated/', access(authenticated()), (_req: Request, res: Response) => {
            res.json({ route: true });
          });
          app.get('/whoami/', access(publicAccess()), (req: Request, res: Response) => {
            // req.user is typed: a username string for everyone (empty for visitors).
            const name: string = req.user.username;
            res.json({ user: name, anonymous: !req.user.isAuthenticated });
          });
          app.get('/health/', access(publicAccess({ session: false })), (req: Request, res: Response) => {
            res.json({ user: req.user.username });
          });
          app.get('/dashboard/', loginRequired(), (req: Request, res: Response) => {
            res.json({ user: loggedInUser(req).username });
          });
          app.post('/legacy/echo/', (req: Request, res: Response) => {
            hits.echo += 1;
            res.json({ body: req.body });
          });
          app.post('/hooks/signed/', access(publicAccess({ session: false }), { csrf: false }), (req: Request, res: Response) => {
            // Exempt routes leave the body to the app (a signature is checked over the raw bytes).
            let raw = '';
            req.setEncoding('utf8');
            req.on('data', (chunk: string) => {
              raw += chunk;
            });
            req.on('end', () => {
              hits.hook += 1;
              res.json({ raw });
            });
          });
          app.post('/forms/', access(authenticated()), (req: Request, res: Response) => {
            res.json({ fields: Object.keys((req.body as object | undefined) ?? {}).length });
          });
          app.get('/orders/:id/', access(objectRule(orderRule)), async (req: Request, res: Response) => {
            res.json({ order: await authorizeObject(req, orderRule, orders.get(String(req.params.id))) });
          });
          app.get('/orders/:id/forgot/', access(objectRule(orderRule)), (_req: Request, res: Response) => {
            res.json({ secret: 'the whole order, unchecked' });
          });
          app.get('/invoices/', access(permission('billing.view_invoice')), (_req: Request, res: Response) => {
            res.json({ invoices: [] });
          });
          app.get('/throws/denied/', access(publicAccess()), () => {
            throw new PermissionDenied('handler refused');
          });
          app.get('/throws/busy/', access(publicAccess()), () => {
            throw new BusyError('gatehouse.hashers.busy', 'queue full', 2);
          });
          app.get('/throws/bug/', access(publicAccess()), () => {
            throw new Error('internal detail: db password is hunter2');
          });
          app.get('/own-headers/', access(authenticated()), (_req: Request, res: Response) => {
            res.cookie('theme', 'dark', { httpOnly: true });
            res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'max-age=60', Vary: 'Accept' });
            res.write('one,');
            res.end('two');
          });
          const staff = express.Router();
          staff.use(staffMemberRequired());
          staff.get('/reports/', (_req: Request, res: Response) => {
            res.json({ reports: true });
          });
          app.use('/staff', staff);
          // A plain middleware that answers (not a route): no guard sees it first.
          app.use('/plain/hook/', (_req: Request, res: Response) => {
            hits.plain += 1;
            res.json({ answered: true });
          });
        },
      });
      const { alice, bob } = t.users;
      if (!alice || !bob) throw new Error('fixture users missing');
      orders.set('1', { id: 1, ownerId: alice.id });
      orders.set('2', { id: 2, ownerId: bob.id });
    });
    afterAll(async () => {
      await t?.close();
      await fresh?.drop();
    });

    it('req.user is the logged-in user on every route, and the anonymous user for visitors', async () => {
      const visitor = new Browser(t.origin);
      expect((await visitor.request('/whoami/')).json()).toEqual({ user: '', anonymous: true });
      const alice = new Browser(t.origin);
      expect((await alice.login('alice')).status).toBe(302);
      expect((await alice.request('/whoami/')).json()).toEqual({ user: 'alice', anonymous: false });
      expect((await alice.request('/dashboard/')).json()).toEqual({ user: 'alice' });
    });

    it('publicAccess({ session: false }) reads no session: the user is anonymous there even when logged in', async () => {
      const alice = new Browser(t.origin);
      await alice.login('alice');
      const res = await alice.request('/health/');
      expect(res.json()).toEqual({ user: '' });
      expect(res.headers.get('vary') ?? '').not.toContain('Cookie');
    });

    it('a POST no guard sees first (an allowed undeclared route, a plain middleware) is CSRF-checked by the middleware', async () => {
      const before = { ...hits };
      const visitor = new Browser(t.origin);
      expect((await visitor.request('/legacy/echo/', { form: { a: '1' } })).status).toBe(403);
      expect((await visitor.request('/plain/hook/', { form: { a: '1' } })).status).toBe(403);
      expect(hits).toEqual(before);
      const token = await visitor.freshToken();
      const ok = await visitor.request('/legacy/echo/', { form: { a: '1', csrfmiddlewaretoken: token } });
      expect(ok.status).toBe(200);
      expect(ok.json()).toEqual({ body: { a: '1', csrfmiddlewaretoken: token } });
      expect((await visitor.request('/plain/hook/', { json: { a: 1 }, headers: { 'x-csrftoken': token } })).status).toBe(200);
      expect(hits).toEqual({ ...before, echo: before.echo + 1, plain: before.plain + 1 });
    });

    it('plain middleware before a guarded route could answer first: the middleware checks CSRF before it', async () => {
      const before = hits.plain;
      const visitor = new Browser(t.origin);
      expect((await visitor.request('/gated/?answer=1', { form: { a: '1' } })).status).toBe(403);
      // The order differs from a route without such middleware: no token is refused before access.
      expect((await visitor.request('/gated/', { form: { a: '1' } })).status).toBe(403);
      expect(hits.plain).toBe(before);
      const token = await visitor.freshToken();
      const answered = await visitor.request('/gated/?answer=1', { form: { csrfmiddlewaretoken: token } });
      expect(answered.json()).toEqual({ answeredByMiddleware: true });
      const login = await visitor.request('/gated/', { form: { csrfmiddlewaretoken: token } });
      expect(login.status).toBe(302);
    });

    it('a CSRF-exempt route needs no token and gets its raw body untouched', async () => {
      // (A JSON body would be read by the app's own express.json() above, as the app asked.)
      const res = await new Browser(t.origin).request('/hooks/signed/', {
        body: '{"event":"paid"}',
        headers: { 'content-type': 'application/x-signed+event' },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ raw: '{"event":"paid"}' });
    });

    it('an unknown URL is 404 and a known one with another method 405 with Allow, with or without a token', async () => {
      const visitor = new Browser(t.origin);
      expect((await visitor.request('/nothing/here/', { form: { a: '1' } })).status).toBe(404);
      const wrong = await visitor.request('/dashboard/', { form: { a: '1' } });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    });

    it('an anonymous POST to a protected route is sent to log in, not told its form expired; its body is not read', async () => {
      const res = await new Browser(t.origin).request('/forms/', {
        body: 'x'.repeat(3 * 1024 * 1024),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/accounts/login/?next=/forms/');
    });

    it('bodies: over 1 MiB 413, over 200 fields 413, malformed JSON 400; never a 5xx, nothing run', async () => {
      const alice = new Browser(t.origin);
      await alice.login('alice');
      const token = await alice.freshToken();
      const big = await alice.request('/forms/', {
        body: `a=${'x'.repeat(1024 * 1024)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrftoken': token },
      });
      expect(big.status).toBe(413);
      const many = await alice.request('/forms/', {
        body: Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&'),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrftoken': token },
      });
      expect(many.status).toBe(413);
      const bad = await alice.request('/forms/', {
        body: '{"a":',
        headers: { 'content-type': 'application/json', 'x-csrftoken': token, accept: 'application/json' },
      });
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'bad_request' });
      const fine = await alice.request('/forms/', { form: { a: '1', b: '2', csrfmiddlewaretoken: token } });
      expect(fine.json()).toEqual({ fields: 3 });
      // The account forms take 64 KiB at most.
      const login = await new Browser(t.origin).request('/accounts/login/', {
        body: `username=${'u'.repeat(70 * 1024)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(login.status).toBe(413);
    });

    it('a Host the site does not answer gets 400 before any session is read, with the security headers', async () => {
      // fetch cannot set Host; node:http can.
      const res = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`${t.origin}/whoami/`, { headers: { host: 'evil.example' } }, (answer) => {
          answer.resume();
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(res.status).toBe(400);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(t.logs.some((l) => (l.object.gatehouse as { kind?: string } | undefined)?.kind === 'host')).toBe(true);
    });

    it('every answer carries the security headers and no X-Powered-By; logged-in pages are private and vary on Cookie', async () => {
      const alice = new Browser(t.origin);
      await alice.login('alice');
      for (const path of ['/whoami/', '/nothing/', '/accounts/login/']) {
        const res = await alice.request(path);
        expect(res.headers.get('x-powered-by')).toBeNull();
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(res.headers.get('referrer-policy')).toBe('same-origin');
      }
      const page = await alice.request('/dashboard/');
      expect(page.headers.get('cache-control')).toBe('private, no-store');
      expect(page.headers.get('vary')).toContain('Cookie');
    });

    it("the app's own answer keeps its cookies, headers and streamed body; gatehouse's merge in", async () => {
      const alice = new Browser(t.origin);
      await alice.login('alice');
      const res = await alice.request('/own-headers/');
      expect(res.status).toBe(200);
      expect(res.body).toBe('one,two');
      expect(res.headers.get('cache-control')).toBe('max-age=60');
      expect(res.headers.get('vary')).toBe('Accept, Cookie');
      expect(res.cookies.some((c) => c.startsWith('theme=dark'))).toBe(true);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });

    it('object rules: own order 200, someone else’s 403, a missing one 403 (404 for who sees all); answering without the check is a 500', async () => {
      const alice = new Browser(t.origin);
      await alice.login('alice');
      const api = { accept: 'application/json' };
      expect((await alice.request('/orders/1/', { headers: api })).status).toBe(200);
      expect((await alice.request('/orders/2/', { headers: api })).status).toBe(403);
      expect((await alice.request('/orders/99/', { headers: api })).status).toBe(403);
      const sam = new Browser(t.origin);
      await sam.login('sam');
      expect((await sam.request('/orders/99/', { headers: api })).status).toBe(404);
      const forgot = await alice.request('/orders/1/forgot/', { headers: api });
      expect(forgot.status).toBe(500);
      expect(forgot.body).not.toContain('unchecked');
      expect(t.logs.some((l) => l.message.includes('without authorizeObject'))).toBe(true);
    });

    it('spellings Express also routes to a guarded route (case, no trailing slash, HEAD) meet its guard; others find nothing', async () => {
      const visitor = new Browser(t.origin);
      for (const path of ['/dashboard/', '/DASHBOARD/', '/Dashboard', '/dashboard', '/staff/REPORTS', '/dashboard/?x=1']) {
        const res = await visitor.request(path);
        expect(res.status, path).toBe(302);
        expect(res.headers.get('location') ?? '', path).toContain('/accounts/login/');
      }
      expect((await visitor.request('/dashboard/', { method: 'HEAD' })).status).toBe(302);
      for (const path of ['//dashboard/', '/dash%62oard/', '/dashboard%2F', '/./dashboard/', '/dashboard/x/']) {
        const res = await visitor.request(path, { headers: { accept: 'application/json' } });
        expect([302, 400, 401, 404], path).toContain(res.status);
        expect(res.body, path).not.toContain('"user"');
      }
    });

    it('a guard mounted with router.use protects the routes of that router', async () => {
      const visitor = new Browser(t.origin);
      const res = await visitor.request('/staff/reports/');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/accounts/login/?next=/staff/reports/');
      const alice = new Browser(t.origin);
      await alice.login('alice');
      expect((await alice.request('/staff/reports/')).status).toBe(403);
      const fin = new Browser(t.origin);
      await fin.login('fin');
      expect((await fin.request('/staff/reports/')).json()).toEqual({ reports: true });
    });

    it('errors thrown by handlers: PermissionDenied is the denial, BusyError 503 with Retry-After, anything else a generic 500', async () => {
      const visitor = new Browser(t.origin);
      const denied = await visitor.request('/throws/denied/');
      expect(denied.status).toBe(302);
      expect(denied.headers.get('location')).toContain('/accounts/login/');
      const busy = await visitor.request('/throws/busy/', { headers: { accept: 'application/json' } });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('2');
      const bug = await visitor.request('/throws/bug/');
      expect(bug.status).toBe(500);
      expect(bug.body).not.toContain('hunter2');
      expect(bug.body).not.toMatch(/at .*\.ts:\d+/);
    });

    it('a URL the router cannot decode: 400 (the invalid-link page under the reset prefix)', async () => {
      const visitor = new Browser(t.origin);
      const bad = await visitor.request('/orders/%E0%A4%A/');
      expect(bad.status).toBe(400);
      expect(bad.body).not.toContain('%E0');
      const reset = await visitor.request('/accounts/reset/%E0%A4%A/set-password/');
      expect(reset.status).toBe(200);
      expect(reset.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });
}

describe('gatehouse/express: failing closed and proxy trust (SQLite)', () => {
  it('an app that forgot gh.check(app) answers every request 500 while a route is undeclared, logged once', async () => {
    const fresh = await freshDatabaseUrl('sqlite');
    const t = await startExpressApp({
      databaseUrl: fresh.url,
      check: false,
      routes: (app) => {
        app.get('/declared/', access(publicAccess()), (_req: Request, res: Response) => {
          res.json({ ok: true });
        });
        app.get('/forgotten/', (_req: Request, res: Response) => {
          res.json({ open: true });
        });
      },
    });
    try {
      for (const path of ['/declared/', '/forgotten/', '/accounts/login/']) {
        const res = await fetch(`${t.origin}${path}`);
        expect(res.status).toBe(500);
        const body = await res.text();
        expect(body).toBe('Server error.');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
      }
      expect(t.logs.filter((l) => l.level === 'error' && l.message.includes('route check'))).toHaveLength(1);
    } finally {
      await t.close();
      await fresh.drop();
    }
  });

  it('a route added after the check is checked on the next request', async () => {
    const fresh = await freshDatabaseUrl('sqlite');
    const t = await startExpressApp({ databaseUrl: fresh.url });
    try {
      expect((await fetch(`${t.origin}/accounts/login/`)).status).toBe(200);
      t.app.get('/late/', (_req: Request, res: Response) => {
        res.json({ open: true });
      });
      expect((await fetch(`${t.origin}/late/`)).status).toBe(500);
    } finally {
      await t.close();
      await fresh.drop();
    }
  });

  it("trust proxy: X-Forwarded-For counts only through trustedProxies(n); 'trust proxy' true is warned about", async () => {
    const fresh = await freshDatabaseUrl('sqlite');
    const trusting = await startExpressApp({ databaseUrl: fresh.url, settings: (app) => app.set('trust proxy', trustedProxies(1)) });
    try {
      const browser = new Browser(trusting.origin);
      await browser.request('/accounts/login/');
      await browser.request('/accounts/login/', {
        form: { username: 'alice', password: PASSWORD, csrfmiddlewaretoken: browser.token },
        headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' },
      });
      const [entry] = await trusting.t.gatehouse.audit.list({ action: 'auth.login', limit: 1 });
      expect(entry?.ip).toBe('203.0.113.9');
    } finally {
      await trusting.close();
    }
    const fresh2 = await freshDatabaseUrl('sqlite');
    const naive = await startExpressApp({ databaseUrl: fresh2.url, settings: (app) => app.set('trust proxy', true) });
    try {
      expect(naive.logs.some((l) => l.level === 'warn' && l.object.code === 'gatehouse.express.trust_proxy_all')).toBe(true);
      const browser = new Browser(naive.origin);
      await browser.login('bob');
      const plain = new Browser(naive.origin);
      await plain.request('/accounts/login/');
      await plain.request('/accounts/login/', { form: { username: 'alice', password: PASSWORD, csrfmiddlewaretoken: plain.token } });
      const [entry] = await naive.t.gatehouse.audit.list({ action: 'auth.login', limit: 1 });
      expect(entry?.ip).toBe('127.0.0.1');
    } finally {
      await naive.close();
      await fresh.drop();
      await fresh2.drop();
    }
  });
});
