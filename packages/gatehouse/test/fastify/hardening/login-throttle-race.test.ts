/**
 * Issue 9, item 1, from the attacker's side: bursts of concurrent wrong passwords against a
 * listening server with the SQL throttle, on SQLite and PostgreSQL. Before the fix every attempt
 * was checked against the throttle before any failure was counted, so a burst of 200 was admitted
 * nearly whole while the hashes queued. Now each attempt is reserved before its password is
 * verified: whatever the burst, at most the limit (5) is verified, the rest answer 429.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLoginThrottle } from '../../../src/db/throttle.js';
import { authenticated, checkCurrentPassword, publicAccess } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';
import {
  type BurstResult,
  type VerificationSpy,
  burst,
  formTicket,
  originOf,
  postForm,
  realisticHasherSettings,
  sleep,
  spyOnVerifications,
  statusCounts,
  waitFor,
} from './burst-helpers.js';

const LIMIT = 5;
const BURST = 200;
const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

/** Every answer of a burst: at most LIMIT verified (200 with the form again), the rest 429 with Retry-After. */
function expectThrottled(results: readonly BurstResult[], verified: number): void {
  expect(verified).toBeLessThanOrEqual(LIMIT);
  const counts = statusCounts(results);
  expect(counts[200] ?? 0).toBe(verified);
  expect(counts[429]).toBe(results.length - verified);
  for (const r of results.filter((x) => x.status === 429)) {
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
    expect(r.body).toContain('Too many failed attempts');
  }
}

for (const database of testDatabases()) {
  describe(`login throttle against a burst, over HTTP (${database.label})`, () => {
    let h: TestApp;
    let fresh: FreshDatabase;
    let origin: string;
    let spy: VerificationSpy;
    let closeThrottle: () => Promise<void> = async () => {};

    beforeAll(async () => {
      fresh = await freshDatabaseUrl(database.kind);
      h = await buildApp({
        databaseUrl: fresh.url,
        // Real argon2 costs: the race is about hashes queueing while more attempts arrive.
        // A high address cap: each burst here is judged by the per-account-and-address limit alone,
        // and the bursts of one test do not spend the address tries of the next.
        config: { passwordHasherSettings: realisticHasherSettings, throttle: { perAccountAndAddress: LIMIT, perAddress: 1000, window: 900 } },
        plugin: async (t) => {
          const throttle = await createLoginThrottle(t.database, t.gatehouse.config.throttle);
          closeThrottle = () => throttle.close();
          return { throttle };
        },
        routes: (app) => {
          app.get('/health/', { config: { access: publicAccess() } }, async () => ({ ok: true }));
          // An app's own sensitive change behind a password re-check, as the example's email change.
          app.post('/account/email/', { config: { access: authenticated() } }, async (request, reply) => {
            const check = await checkCurrentPassword(request, String((request.body as Record<string, unknown>).password ?? ''));
            if (check.ok) return { changed: true };
            if (check.blocked) return reply.code(429).header('Retry-After', String(check.retryAfterSeconds)).send('Too many failed attempts');
            return { changed: false };
          });
        },
      });
      expect(h.t.gatehouse.config.throttle.perAccountAndAddress).toBe(LIMIT);
      spy = spyOnVerifications(h.t.gatehouse.hashers);
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      origin = originOf(h);
    });

    afterAll(async () => {
      spy?.open();
      await h?.close();
      await closeThrottle();
      await fresh?.drop();
    });

    test(`${BURST} concurrent wrong passwords for one account from one client verify at most ${LIMIT}`, async () => {
      const ticket = await formTicket(origin, '/accounts/login/');
      spy.reset();
      const results = await burst(BURST, () => postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: 'wrong guess' }));
      const verified = spy.checks;
      console.info(`[${database.label}] login burst of ${BURST}: ${verified} passwords verified, statuses ${JSON.stringify(statusCounts(results))}`);
      expectThrottled(results, verified);
      const failures = await h.t.gatehouse.audit.list({ action: 'auth.login_failed', limit: 1000 });
      expect(failures.filter((e) => e.target === 'alice')).toHaveLength(verified);
      // And the account is still blocked for this client afterwards, even with the right password.
      const after = await postForm(origin, '/accounts/login/', ticket, { username: 'alice', password: PASSWORD });
      expect(after.status).toBe(429);
      expect(after.setsSession).toBe(false);
    });

    test('the right password inside a burst of 30 wrong ones does not log in once the limit is used', async () => {
      const ticket = await formTicket(origin, '/accounts/login/');
      spy.reset();
      // Hold every verification, as a slow hash would: the attempts admitted so far stay in flight.
      spy.close();
      const wrong = burst(30, () => postForm(origin, '/accounts/login/', ticket, { username: 'sam', password: 'wrong guess' }));
      await waitFor(() => spy.checks >= LIMIT);
      await sleep(200);
      const right = postForm(origin, '/accounts/login/', ticket, { username: 'sam', password: PASSWORD });
      await sleep(300);
      spy.open();
      const [wrongResults, rightResult] = await Promise.all([wrong, right]);
      console.info(`[${database.label}] right password after 30 wrong: ${rightResult.status}, ${spy.checks} verified`);
      expect(rightResult.status).toBe(429);
      expect(rightResult.setsSession).toBe(false);
      expect(rightResult.location).toBeNull();
      expect(spy.checks).toBeLessThanOrEqual(LIMIT);
      expect(statusCounts(wrongResults)[429]).toBe(30 - spy.checks);
    });

    test(`${BURST} concurrent wrong passwords on the re-authentication form verify at most ${LIMIT}`, async () => {
      const client = Client.http(origin);
      await client.login('bob');
      const ticket = await formTicket(origin, '/accounts/reauth/', client.cookieHeader());
      spy.reset();
      const results = await burst(BURST, () => postForm(origin, '/accounts/reauth/', ticket, { password: 'wrong guess' }));
      const verified = spy.checks;
      console.info(`[${database.label}] reauth burst of ${BURST}: ${verified} passwords verified, statuses ${JSON.stringify(statusCounts(results))}`);
      expectThrottled(results, verified);
    });

    test(`${BURST} concurrent wrong old passwords on the password-change form verify at most ${LIMIT}`, async () => {
      const client = Client.http(origin);
      await client.login('fin');
      const ticket = await formTicket(origin, '/accounts/password_change/', client.cookieHeader());
      spy.reset();
      const results = await burst(BURST, () =>
        postForm(origin, '/accounts/password_change/', ticket, { old_password: 'wrong guess', new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD }),
      );
      const verified = spy.checks;
      console.info(`[${database.label}] password-change burst of ${BURST}: ${verified} passwords verified, statuses ${JSON.stringify(statusCounts(results))}`);
      expectThrottled(results, verified);
      // The password did not change.
      const fin = await h.t.gatehouse.stores.users.getByUsername('fin');
      expect(fin !== null && (await h.t.gatehouse.accounts.checkPassword(fin, PASSWORD))).toBe(true);
    });

    test(`${BURST} concurrent wrong passwords through checkCurrentPassword (an app's email change) verify at most ${LIMIT}`, async () => {
      const client = Client.http(origin);
      await client.login('ops');
      // Any of gatehouse's forms hands out a token for the session's CSRF secret.
      const ticket = await formTicket(origin, '/accounts/reauth/', client.cookieHeader());
      spy.reset();
      const results = await burst(BURST, () => postForm(origin, '/account/email/', ticket, { password: 'wrong guess' }));
      const verified = spy.checks;
      console.info(
        `[${database.label}] checkCurrentPassword burst of ${BURST}: ${verified} passwords verified, statuses ${JSON.stringify(statusCounts(results))}`,
      );
      expectThrottled(results, verified);
    });

    test('the server kept answering other requests through the bursts', async () => {
      const res = await fetch(new URL('/health/', origin));
      expect(res.status).toBe(200);
    });
  });
}
