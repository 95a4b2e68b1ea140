/**
 * Password change: the old password is required, the new one validated; on success this session
 * continues under a new id, every other session of the user ends, and the old password stops
 * working. Carol is this group's user.
 */
import { CONFORMANCE_NEW_PASSWORD, CONFORMANCE_PASSWORD } from '../app.js';
import { type ConformanceScenarioGroup, browser, loggedIn } from '../world.js';
import { INVALID_LOGIN, expectLogin } from './checks.js';

/** The password-change scenarios. */
export const passwordChangeScenarios: ConformanceScenarioGroup = {
  name: 'password change',
  scenarios: [
    {
      name: 'anonymous visitors are sent to log in',
      async run(world, expect) {
        const res = await browser(world).request('/accounts/password_change/');
        expectLogin(expect, res, '/accounts/password_change/', false, 'anonymous');
      },
    },
    {
      name: 'a wrong old password or a weak new one: the form again with the error, nothing changed; no token: 403',
      async run(world, expect) {
        const client = await loggedIn(world, 'carol', CONFORMANCE_PASSWORD);
        const page = await client.request('/accounts/password_change/');
        expect(page.status).toBe(200);
        expect(page.headers['cache-control']).toBe('no-store');
        const wrong = await client.submit('/accounts/password_change/', {
          old_password: 'not my password',
          new_password1: CONFORMANCE_NEW_PASSWORD,
          new_password2: CONFORMANCE_NEW_PASSWORD,
        });
        expect(wrong.status).toBe(200);
        expect(wrong.body).toContain('Your old password was entered incorrectly');
        const weak = await client.submit('/accounts/password_change/', {
          old_password: CONFORMANCE_PASSWORD,
          new_password1: 'password',
          new_password2: 'password',
        });
        expect(weak.status).toBe(200);
        expect(weak.body).toContain('This password is too common.');
        const forged = await client.request('/accounts/password_change/', {
          form: { old_password: CONFORMANCE_PASSWORD, new_password1: CONFORMANCE_NEW_PASSWORD, new_password2: CONFORMANCE_NEW_PASSWORD },
        });
        expect(forged.status).toBe(403);
        expect(await world.gatehouse.authenticate({ username: 'carol', password: CONFORMANCE_PASSWORD }), 'the old password still works').not.toBe(null);
      },
    },
    {
      name: 'success: this session continues under a new id, the others end, the old password stops working',
      async run(world, expect) {
        const elsewhere = await loggedIn(world, 'carol', CONFORMANCE_PASSWORD);
        const here = await loggedIn(world, 'carol', CONFORMANCE_PASSWORD);
        const old = here.clone();
        const res = await here.submit('/accounts/password_change/', {
          old_password: CONFORMANCE_PASSWORD,
          new_password1: CONFORMANCE_NEW_PASSWORD,
          new_password2: CONFORMANCE_NEW_PASSWORD,
        });
        expect(res.status).toBe(302);
        expect(res.location).toBe('/accounts/password_change/done/');
        expect(here.session()).toBeDefined();
        expect(here.session()).not.toBe(old.session());
        const done = await here.request('/accounts/password_change/done/');
        expect(done.status).toBe(200);
        expect(done.headers['cache-control']).toBe('no-store');
        expect(done.body).toContain('Password changed');
        expect((await here.request('/dashboard/')).status).toBe(200);
        expect((await old.request('/dashboard/')).status, 'the id before the change').toBe(302);
        expect((await elsewhere.request('/dashboard/')).status, 'another session').toBe(302);
        const oldPassword = await browser(world).submit('/accounts/login/', { username: 'carol', password: CONFORMANCE_PASSWORD });
        expect(oldPassword.status).toBe(200);
        expect(oldPassword.body).toContain(INVALID_LOGIN);
        await browser(world).login('carol', CONFORMANCE_NEW_PASSWORD);
      },
    },
  ],
};
