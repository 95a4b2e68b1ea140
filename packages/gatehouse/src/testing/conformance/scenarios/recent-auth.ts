/**
 * `recentAuth`: a stale password check sends browsers to the re-authentication page and API
 * clients a 401; the page checks the password, rotates the session and goes back; the permission
 * is checked before freshness. The scenario moves the gatehouse's clock past the 600 s window.
 */
import { CONFORMANCE_PASSWORD } from '../app.js';
import { ACCEPT_JSON } from '../client.js';
import { type ConformanceScenarioGroup, browser, loggedIn } from '../world.js';

/** Seconds the export route's password check counts for (the app declares 600). */
const WINDOW_SECONDS = 600;

/** The recent-authentication scenarios. */
export const recentAuthScenarios: ConformanceScenarioGroup = {
  name: 'recent authentication and the re-auth page',
  scenarios: [
    {
      name: 'fresh after login; stale → reauth redirect (HTML) or 401 JSON; a wrong password is refused; the right one rotates the session and goes back',
      async run(world, expect) {
        const fin = await loggedIn(world, 'fin', CONFORMANCE_PASSWORD);
        const alice = await loggedIn(world, 'alice', CONFORMANCE_PASSWORD);
        expect((await fin.request('/reports/export/')).status).toBe(200);
        world.clock.advance((WINDOW_SECONDS + 1) * 1000);

        const stale = await fin.request('/reports/export/');
        expect(stale.status).toBe(302);
        expect(stale.location).toBe('/accounts/reauth/?next=/reports/export/');
        expect(stale.headers['cache-control']).toBe('no-store');
        const api = await fin.request('/reports/export/', { headers: { accept: ACCEPT_JSON } });
        expect(api.status).toBe(401);
        expect(api.json()).toEqual({ error: 'reauthentication_required', message: 'Confirm your password to continue.', reauthUrl: '/accounts/reauth/' });
        // The permission comes first: without it, a 403, not a prompt to re-authenticate.
        expect((await alice.request('/reports/export/')).status).toBe(403);

        const form = await fin.request('/accounts/reauth/?next=/reports/export/');
        expect(form.status).toBe(200);
        expect(form.headers['cache-control']).toBe('no-store');
        expect(form.body).toContain('name="password"');
        expect(form.body).toContain('name="next" value="/reports/export/"');
        const wrong = await fin.request('/accounts/reauth/?next=/reports/export/', {
          form: { csrfmiddlewaretoken: fin.lastToken, password: 'not my password', next: '/reports/export/' },
        });
        expect(wrong.status).toBe(200);
        expect(wrong.body).toContain('Your password was entered incorrectly');
        expect((await fin.request('/reports/export/')).status).toBe(302);

        const before = fin.session();
        const stolen = fin.clone();
        const ok = await fin.submit('/accounts/reauth/?next=/reports/export/', { password: CONFORMANCE_PASSWORD, next: '/reports/export/' });
        expect(ok.status).toBe(302);
        expect(ok.location).toBe('/reports/export/');
        expect(fin.session()).toBeDefined();
        expect(fin.session()).not.toBe(before);
        expect((await fin.request('/reports/export/')).status).toBe(200);
        // The session id from before the re-check is dead.
        expect((await stolen.request('/dashboard/')).status).toBe(302);
      },
    },
    {
      name: 'the re-auth page needs a login first',
      async run(world, expect) {
        const res = await browser(world).request('/accounts/reauth/?next=/reports/export/');
        expect(res.status).toBe(302);
        expect(res.location).toBe('/accounts/login/?next=/accounts/reauth/%3Fnext%3D/reports/export/');
      },
    },
    {
      name: 'the re-auth page never follows an unsafe next',
      async run(world, expect) {
        const fin = await loggedIn(world, 'fin', CONFORMANCE_PASSWORD);
        for (const next of ['//evil.com/', 'https://evil.com/', '/\\evil.com']) {
          const res = await fin.submit('/accounts/reauth/', { password: CONFORMANCE_PASSWORD, next });
          expect(res.status, next).toBe(302);
          expect(res.location, next).toBe('/dashboard/');
        }
      },
    },
  ],
};
