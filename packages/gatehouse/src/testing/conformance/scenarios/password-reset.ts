/**
 * Password reset with real mail: the same answer for every address, the mail delivered over SMTP
 * with a link built from `siteUrl`, the token moved out of the URL, the link working once, the
 * old password and every session ended. Dave is this group's user.
 */
import { CONFORMANCE_NEW_PASSWORD, CONFORMANCE_PASSWORD } from '../app.js';
import { type ConformanceScenarioGroup, browser, loggedIn } from '../world.js';
import { INVALID_LOGIN, setCookie } from './checks.js';

/** The reset link in a mail's text. */
function resetLink(text: string): string {
  const link = /(https?:\/\/[^\s/]+\/accounts\/reset\/[A-Za-z0-9_-]+\/[0-9a-z]+-[0-9a-f]+\/)/.exec(text)?.[1];
  if (link === undefined) throw new Error(`no reset link in the mail:\n${text}`);
  return link;
}

/** The password-reset scenarios. */
export const passwordResetScenarios: ConformanceScenarioGroup = {
  name: 'password reset',
  scenarios: [
    {
      name: 'the form renders, never cached',
      async run(world, expect) {
        const res = await browser(world).request('/accounts/password_reset/');
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toContain('name="email"');
      },
    },
    {
      name: 'the whole flow over SMTP: one answer for every address, the link works once, the old password and other sessions end',
      async run(world, expect) {
        const elsewhere = await loggedIn(world, 'dave', CONFORMANCE_PASSWORD);
        const answers: string[] = [];
        for (const email of ['nobody@example.com', 'inactive@example.com', 'dave@example.com']) {
          const res = await browser(world).submit('/accounts/password_reset/', { email });
          const cookies = res.setCookies.map((line) => line.split('=', 1)[0]);
          answers.push(JSON.stringify([res.status, res.location, cookies, res.body]));
        }
        expect(new Set(answers).size, 'the same answer for every address').toBe(1);
        expect(JSON.parse(answers[0] ?? '[]').slice(0, 2)).toEqual([302, '/accounts/password_reset/done/']);
        const done = await browser(world).request('/accounts/password_reset/done/');
        expect(done.status).toBe(200);
        expect(done.headers['cache-control']).toBe('no-store');

        const mail = await world.smtp.waitFor((m) => m.to.includes('dave@example.com') && /\/accounts\/reset\//.test(m.text));
        const link = resetLink(mail.text);
        // Links come from siteUrl, never from the request's Host.
        expect(link.startsWith(`${world.siteUrl}/accounts/reset/`)).toBe(true);
        // Only the eligible address got mail (the others were answered the same, silently).
        expect(world.smtp.messages.some((m) => m.to.includes('nobody@example.com') || m.to.includes('inactive@example.com'))).toBe(false);

        const path = new URL(link).pathname;
        const token = path.split('/')[4] ?? '';
        const client = browser(world);
        const opened = await client.request(path);
        expect(opened.status).toBe(302);
        expect(opened.headers['referrer-policy']).toBe('no-referrer');
        expect(opened.location).toMatch(/^\/accounts\/reset\/[A-Za-z0-9_-]+\/set-password\/$/);
        expect(opened.location).not.toContain(token);
        const formPath = opened.location ?? '';
        const form = await client.request(formPath);
        expect(form.status).toBe(200);
        expect(form.headers['cache-control']).toBe('no-store');
        expect(form.body).toContain('name="new_password1"');
        expect(form.body).not.toContain(token);

        const mismatch = await client.request(formPath, {
          form: { csrfmiddlewaretoken: client.lastToken, new_password1: CONFORMANCE_NEW_PASSWORD, new_password2: 'something else' },
        });
        expect(mismatch.status).toBe(200);
        expect(mismatch.body).toContain('didn’t match');
        const set = await client.request(formPath, {
          form: { csrfmiddlewaretoken: client.lastToken, new_password1: CONFORMANCE_NEW_PASSWORD, new_password2: CONFORMANCE_NEW_PASSWORD },
        });
        expect(set.status).toBe(302);
        expect(set.location).toBe('/accounts/reset/done/');
        expect((await client.request('/accounts/reset/done/')).body).toContain('Password reset complete');

        const oldPassword = await browser(world).submit('/accounts/login/', { username: 'dave', password: CONFORMANCE_PASSWORD });
        expect(oldPassword.body).toContain(INVALID_LOGIN);
        expect((await elsewhere.request('/dashboard/')).status, 'the session from before the reset').toBe(302);
        await browser(world).login('dave', CONFORMANCE_NEW_PASSWORD);

        // Used once: the link is now the invalid-link page, and sets no session.
        const again = await browser(world).request(path);
        expect(again.status).toBe(200);
        expect(again.body).toContain('The password reset link was invalid');
        expect(setCookie(again, 'sessionid') ?? '').not.toMatch(/^sessionid=[^;]+/);
      },
    },
    {
      name: 'a forged or malformed link is the invalid-link page: 200, never cached, no Referer',
      async run(world, expect) {
        for (const path of [
          '/accounts/reset/MQ/1-0000000000000000000000000000000000000000000000000000000000000000/',
          '/accounts/reset/MQ/%E0%A4%A/',
          `/accounts/reset/${'A'.repeat(300)}/x/`,
        ]) {
          const res = await browser(world).request(path);
          expect(res.status, path).toBe(200);
          expect(res.body, path).toContain('The password reset link was invalid');
          expect(res.headers['cache-control'], path).toBe('no-store');
          expect(res.headers['referrer-policy'], path).toBe('no-referrer');
        }
      },
    },
  ],
};
