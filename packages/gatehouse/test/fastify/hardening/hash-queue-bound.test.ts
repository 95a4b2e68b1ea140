/**
 * Issue 9, item 1 (second half), from the attacker's side: queued password hashes are bounded.
 * A flood of logins for many accounts (the throttle's address cap raised so it is not what stops
 * them) fills the queue; past the bound the server answers 503 with Retry-After at once instead of
 * queueing without end, nothing hangs, nothing else fails, and other pages keep answering. A login
 * refused for a full queue gives its throttle reservation back, since no password was verified.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConcurrencyLimit } from '../../../src/core/hashers/concurrency.js';
import { createLoginThrottle } from '../../../src/db/throttle.js';
import { publicAccess } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';
import { type BurstResult, formTicket, originOf, postForm, realisticHasherSettings, sleep, statusCounts } from './burst-helpers.js';

const FLOOD = 100;
const QUEUE_LIMIT = 4;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function appWithSqlThrottle(kind: FreshDatabase, queueLimit: number): Promise<{ h: TestApp; origin: string; closeThrottle: () => Promise<void> }> {
  let closeThrottle: () => Promise<void> = async () => {};
  const h = await buildApp({
    databaseUrl: kind.url,
    config: {
      passwordHasherSettings: realisticHasherSettings,
      passwordHashConcurrency: 1,
      passwordHashQueueLimit: queueLimit,
      // The address cap raised: the hash queue, not the throttle, is what a flood meets here.
      throttle: { perAccountAndAddress: 5, perAddress: 100_000, window: 900 },
    },
    plugin: async (t) => {
      const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
      closeThrottle = () => throttle.close();
      return { throttle };
    },
    routes: (app) => {
      app.get('/health/', { config: { access: publicAccess() } }, async () => ({ ok: true }));
    },
  });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return { h, origin: originOf(h), closeThrottle };
}

for (const database of testDatabases()) {
  describe(`bounded password-hash queue under a login flood, over HTTP (${database.label})`, () => {
    let fresh: FreshDatabase;
    let app: Awaited<ReturnType<typeof appWithSqlThrottle>>;

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      app = await appWithSqlThrottle(fresh, QUEUE_LIMIT);
    });

    afterAll(async () => {
      await app?.h.close();
      await app?.closeThrottle();
      await fresh?.drop();
    });

    test(`${FLOOD} concurrent logins for distinct accounts: some 503 at once, none hangs, no other 5xx, health keeps answering`, async () => {
      const { h, origin } = app;
      const ticket = await formTicket(origin, '/accounts/login/');
      // Real accounts with wrong passwords, and unknown ones (dummy hashes go through the same bound).
      const usernames = Array.from({ length: FLOOD }, (_, i) => (i < 8 ? Object.keys(h.users)[i]! : `nobody-${i}`));
      let flooding = true;
      const health: { status: number; ms: number }[] = [];
      const probing = (async () => {
        while (flooding) {
          const started = performance.now();
          const res = await fetch(new URL('/health/', origin), { signal: AbortSignal.timeout(30_000) });
          await res.text();
          health.push({ status: res.status, ms: performance.now() - started });
          await sleep(20);
        }
      })();
      const started = performance.now();
      const results: BurstResult[] = await Promise.all(
        usernames.map((username) => postForm(origin, '/accounts/login/', ticket, { username, password: 'wrong guess' })),
      );
      const totalMs = performance.now() - started;
      flooding = false;
      await probing;

      const counts = statusCounts(results);
      const busy = results.filter((r) => r.status === 503);
      const served = results.filter((r) => r.status === 200);
      console.info(
        `[${database.label}] flood of ${FLOOD}, concurrency 1, queue ${QUEUE_LIMIT}: statuses ${JSON.stringify(counts)} in ${Math.round(totalMs)} ms; ` +
          `503 p50 ${Math.round(
            percentile(
              busy.map((r) => r.ms),
              50,
            ),
          )} ms, max ${Math.round(
            percentile(
              busy.map((r) => r.ms),
              100,
            ),
          )} ms; ` +
          `200 p50 ${Math.round(
            percentile(
              served.map((r) => r.ms),
              50,
            ),
          )} ms, max ${Math.round(
            percentile(
              served.map((r) => r.ms),
              100,
            ),
          )} ms; ` +
          `health ${health.length} GETs, max ${Math.round(
            percentile(
              health.map((r) => r.ms),
              100,
            ),
          )} ms`,
      );
      expect(Object.keys(counts).sort()).toEqual(['200', '503']);
      expect(busy.length).toBeGreaterThan(0);
      for (const r of busy) {
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(r.contentType).toContain('text/html');
        expect(r.body).toContain('busy');
        // "At once": refused without waiting for the queue (generous for a loaded test machine).
        expect(r.ms).toBeLessThan(5_000);
      }
      expect(health.length).toBeGreaterThan(0);
      expect(health.every((r) => r.status === 200)).toBe(true);
      // Busy is load shedding, not a fault: nothing was logged as a failed request.
      expect(h.logs.filter((l) => l.msg === 'request failed')).toEqual([]);
    });
  });

  describe(`a full hash queue answers 503 and gives the reservation back (${database.label})`, () => {
    let fresh: FreshDatabase;
    let app: Awaited<ReturnType<typeof appWithSqlThrottle>>;
    let release: () => void = () => {};
    let holding: Promise<unknown> = Promise.resolve();

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      // No room to wait: with the one slot held below, every hash is refused.
      app = await appWithSqlThrottle(fresh, 0);
    });

    afterAll(async () => {
      release();
      await holding;
      await app?.h.close();
      await app?.closeThrottle();
      await fresh?.drop();
    });

    test('HTML and JSON clients get a prompt 503 with Retry-After; once the queue drains the owner logs in', async () => {
      const { h, origin } = app;
      const ticket = await formTicket(origin, '/accounts/login/');
      const bob = Client.http(origin);
      await bob.login('bob');
      const reauthTicket = await formTicket(origin, '/accounts/reauth/', bob.cookieHeader());
      // Hold the only hashing slot, as a long hash would.
      const limit = (h.t.gatehouse.hashers as unknown as { limit: ConcurrencyLimit }).limit;
      holding = limit.run(() => new Promise<void>((resolve) => (release = resolve)));

      const html = await postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: 'wrong guess' });
      expect(html.status).toBe(503);
      expect(html.retryAfter).toBe('1');
      expect(html.contentType).toContain('text/html');
      expect(html.body).toContain('The server is busy right now');

      const json = await postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: 'wrong guess' }, 'application/json');
      expect(json.status).toBe(503);
      expect(json.retryAfter).toBe('1');
      expect(JSON.parse(json.body)).toEqual({ error: 'busy', message: 'The server is busy right now. Please try again in a moment.' });

      // Re-authentication meets the same bound, and answers the same way.
      const reauth = await postForm(origin, '/accounts/reauth/', reauthTicket, { password: PASSWORD });
      expect(reauth.status).toBe(503);
      expect(reauth.retryAfter).toBe('1');

      // Twelve refused attempts in a row, more than the limit of 5: none was verified, so none may
      // count. (One after another: attempts in flight at once count while in flight, by design.)
      const refused: number[] = [];
      for (let i = 0; i < 10; i += 1) refused.push((await postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: 'wrong guess' })).status);
      expect(refused).toEqual(Array.from({ length: 10 }, () => 503));
      expect(await h.t.gatehouse.audit.list({ action: 'auth.login_failed' })).toEqual([]);

      release();
      await holding;
      const owner = await postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: PASSWORD });
      expect(owner.status).toBe(302);
      expect(owner.setsSession).toBe(true);
    });
  });
}
