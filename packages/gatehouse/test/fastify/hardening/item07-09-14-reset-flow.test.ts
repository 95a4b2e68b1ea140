/**
 * Issue 9 items 7, 9 and 14 (reset pages), over real HTTP on SQLite and PostgreSQL:
 * - 7: a deactivated user cannot complete a reset, whether deactivated before the link is opened
 *   or between opening it and choosing the password;
 * - 9: the session table holds nothing that works as a reset token: not the token, and no value
 *   that works in a fresh browser or in another session; the flow still completes;
 * - 14: every confirm and set-password response, valid or invalid, carries
 *   `Cache-Control: no-store`, and `Referrer-Policy: no-referrer` except the set-password form
 *   (a form under no-referrer posts `Origin: null`, refused by the CSRF check; no token in its URL).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashSessionId } from '../../../src/core/sessions.js';
import { uidToBase64 } from '../../../src/core/tokens.js';
import { testDatabases } from '../../support/databases.js';
import { PASSWORD } from '../helpers.js';
import { type ListeningApp, NEW_PASSWORD, errorLines, linkPath, listeningApp, requestReset } from './reset-support.js';

for (const db of testDatabases()) {
  describe(`reset flow hardening (${db.label})`, () => {
    let h: ListeningApp;

    beforeAll(async () => {
      h = await listeningApp(db.kind);
    });
    afterAll(async () => h.stop());

    async function mailedLink(username: string): Promise<string> {
      h.mailer.clear();
      await requestReset(h, `${username}@example.com`);
      const mail = h.mailer.outbox[0];
      if (!mail) throw new Error(`no mail for ${username}`);
      return linkPath(mail.text);
    }

    /** The stored data of the session whose raw id is `id`, read straight from gh_session. */
    async function storedSessionData(id: string): Promise<string> {
      const rows = await sql<{ data: unknown }>`select data from gh_session where id_hash = ${hashSessionId(id)}`.execute(h.t.database.db);
      const data = rows.rows[0]?.data;
      return typeof data === 'string' ? data : JSON.stringify(data);
    }

    describe('item 7: deactivated users', () => {
      test('mail sent, user deactivated, then the link: the invalid page', async () => {
        const path = await mailedLink('sam');
        await h.t.gatehouse.accounts.setActive(h.users.sam!, false);
        const res = await h.client().request(path);
        expect(res.status).toBe(200);
        expect(res.body).toContain('The password reset link was invalid');
        // Reactivating does not bring the old link back: the auth epoch moved on.
        await h.t.gatehouse.accounts.setActive((await h.t.gatehouse.stores.users.getByUsername('sam'))!, true);
        expect((await h.client().request(path)).body).toContain('The password reset link was invalid');
      });

      test('deactivated between opening the link and choosing the password: invalid, password unchanged', async () => {
        const path = await mailedLink('fin');
        const browser = h.client();
        const opened = await browser.request(path);
        expect(opened.status).toBe(302);
        const form = await browser.request(opened.location!);
        expect(form.body).toContain('name="new_password1"');
        await h.t.gatehouse.accounts.setActive((await h.t.gatehouse.stores.users.getByUsername('fin'))!, false);
        expect((await browser.request(opened.location!)).body).toContain('The password reset link was invalid');
        const post = await browser.request(opened.location!, {
          form: { csrfmiddlewaretoken: browser.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
        });
        expect(post.status).toBe(200);
        expect(post.body).toContain('The password reset link was invalid');
        const fin = (await h.t.gatehouse.stores.users.getByUsername('fin'))!;
        expect(await h.t.gatehouse.accounts.checkPassword(fin, PASSWORD)).toBe(true);
        expect(await h.t.gatehouse.accounts.checkPassword(fin, NEW_PASSWORD)).toBe(false);
      });
    });

    describe('item 9: no replayable token in the session table', () => {
      test('after opening the link the stored session holds neither the token nor anything that works elsewhere; the flow completes', async () => {
        const path = await mailedLink('alice');
        const token = path.split('/')[4]!;
        const uid = uidToBase64(h.users.alice!.id);
        const browser = h.client();
        const opened = await browser.request(path);
        expect(opened.status).toBe(302);
        const stored = await storedSessionData(browser.session()!);
        expect(stored).not.toContain(token);
        expect(stored).not.toContain(token.split('-')[1]!); // not even the MAC part
        const bound = (JSON.parse(stored) as Record<string, unknown>).passwordResetToken;
        expect(typeof bound).toBe('string');

        // What is stored does not work as a token in a fresh browser...
        const asLink = await h.client().request(`/accounts/reset/${uid}/${String(bound)}/`);
        expect(asLink.body).toContain('The password reset link was invalid');
        // ...nor copied into another session (same user id, same value, another session id).
        const thief = h.client();
        await thief.request('/accounts/password_reset/');
        const thiefOpened = await thief.request(`/accounts/reset/${uid}/1-${'0'.repeat(64)}/`);
        expect(thiefOpened.status).toBe(200);
        const thiefSession = await h.t.gatehouse.sessions.start(null, {}, { passwordResetUid: h.users.alice!.id, passwordResetToken: bound });
        thief.cookies.set('sessionid', thiefSession.id);
        const stolen = await thief.request(`/accounts/reset/${uid}/set-password/`);
        expect(stolen.body).toContain('The password reset link was invalid');

        // The holder completes the reset.
        const form = await browser.request(opened.location!);
        expect(form.body).toContain('name="new_password1"');
        const done = await browser.request(opened.location!, {
          form: { csrfmiddlewaretoken: browser.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
        });
        expect(done.status).toBe(302);
        expect(done.location).toBe('/accounts/reset/done/');
        expect(await h.t.gatehouse.authenticate({ username: 'alice', password: NEW_PASSWORD })).not.toBeNull();
      });
    });

    describe('item 14: reset pages are never cached and send no Referer', () => {
      test('every confirm and set-password response, valid or not', async () => {
        const path = await mailedLink('bob');
        const uid = uidToBase64(h.users.bob!.id);
        const browser = h.client();
        const responses = [
          await h.client().request(`/accounts/reset/${uid}/1-${'0'.repeat(64)}/`), // invalid link
          await h.client().request(`/accounts/reset/${uid}/set-password/`), // no pending reset
          await h.client().request(`/accounts/reset/%E0%A4%A/x/`), // malformed URL
          await browser.request(path), // valid link: the redirect
        ];
        const setPassword = browser.cookies.size > 0 ? await browser.request(responses[3]!.location!) : null;
        responses.push(setPassword!); // the form
        responses.push(
          await browser.request(responses[3]!.location!, { form: { csrfmiddlewaretoken: browser.lastToken, new_password1: 'x', new_password2: 'y' } }),
        ); // form errors
        responses.push(
          await browser.request(responses[3]!.location!, {
            form: { csrfmiddlewaretoken: browser.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
          }),
        ); // done
        responses.push(
          await h.client().request(`/accounts/reset/${uid}/set-password/`, { form: { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD } }),
        ); // no CSRF
        expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 302, 200, 200, 302, 403]);
        responses.forEach((res, i) => {
          expect(res.headers['cache-control'], `response ${i}`).toBe('no-store');
          // The set-password form (4, and 5 with its errors) posts back: under no-referrer browsers
          // would send Origin: null, which the CSRF check refuses. Its URL holds no token.
          const form = i === 4 || i === 5;
          expect(res.headers['referrer-policy'], `response ${i}`).toBe(form ? 'same-origin' : 'no-referrer');
        });
        expect(errorLines(h)).toEqual([]);
      });
    });
  });
}
