/**
 * Login throttling under a real burst: concurrent wrong passwords for one account from one client
 * verify at most the limit (5); the rest get 429 with Retry-After, and afterwards even the right
 * password is refused from there. Erin is this group's user.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { type ConformanceScenarioGroup, auditSince, browser, lastAuditSeq } from '../world.js';
import { setsSession } from './checks.js';

/** `throttle.perAccountAndAddress` of the suite's gatehouse. */
const LIMIT = 5;
const BURST = 30;

/** The throttling scenarios. */
export const throttlingScenarios: ConformanceScenarioGroup = {
  name: 'login throttling',
  scenarios: [
    {
      name: `${BURST} concurrent wrong passwords for one account: at most ${LIMIT} verified, the rest 429 with Retry-After; then the right one is refused too`,
      async run(world, expect) {
        const client = browser(world);
        await client.request('/accounts/login/');
        const token = client.lastToken;
        const before = await lastAuditSeq(world);
        const results = await Promise.all(
          Array.from({ length: BURST }, () =>
            client.clone().request('/accounts/login/', { form: { csrfmiddlewaretoken: token, username: 'erin', password: 'wrong guess' } }),
          ),
        );
        const answered = results.filter((r) => r.status === 200).length;
        const refused = results.filter((r) => r.status === 429);
        expect(answered).toBeLessThanOrEqual(LIMIT);
        expect(answered + refused.length, `statuses ${results.map((r) => r.status).join(',')}`).toBe(BURST);
        for (const r of refused) {
          expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
          expect(r.body).toContain('Too many failed attempts');
          expect(setsSession(r)).toBe(false);
        }
        // Every verified password is one failure in the audit log: the count proves how many ran.
        const failures = (await auditSince(world, before)).filter((e) => e.action === 'auth.login_failed' && e.target === 'erin');
        expect(failures.length).toBe(answered);
        expect(failures.length).toBeLessThanOrEqual(LIMIT);

        const right = await client.request('/accounts/login/', { form: { csrfmiddlewaretoken: token, username: 'erin', password: CONFORMANCE_PASSWORD } });
        expect(right.status).toBe(429);
        expect(setsSession(right)).toBe(false);
        expect(client.session()).toBeUndefined();
      },
    },
  ],
};
