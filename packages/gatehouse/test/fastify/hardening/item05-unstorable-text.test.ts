/**
 * Issue 9 item 5: text no store can hold (a NUL, which PostgreSQL refuses; a lone UTF-16
 * surrogate, which has no UTF-8 form) sent in a username, password, reset email or email change
 * gets the normal answer (failed-login page, reset "done" redirect, 4xx), never a 5xx; the
 * background job logs no error; the database is unchanged. Form bodies with too many fields are
 * refused before parsing. Over real HTTP, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testDatabases } from '../../support/databases.js';
import { PASSWORD } from '../helpers.js';
import { type ListeningApp, errorLines, listeningApp, requestReset } from './reset-support.js';

const INVALID_LOGIN = 'Please enter a correct username and password';

for (const db of testDatabases()) {
  describe(`unstorable text never reaches a store (${db.label})`, () => {
    let h: ListeningApp;

    beforeAll(async () => {
      h = await listeningApp(db.kind);
    });
    afterAll(async () => h.stop());

    /** Posts the login form with a raw urlencoded body (so the bytes are exactly what we choose). */
    async function rawLogin(body: string): Promise<{ status: number; body: string }> {
      const client = h.client();
      await client.request('/accounts/login/');
      const res = await client.request('/accounts/login/', {
        payload: `csrfmiddlewaretoken=${encodeURIComponent(client.lastToken)}&${body}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      return { status: res.status, body: res.body };
    }

    test.each([
      ['NUL in the username', 'username=ali%00ce&password=x'],
      ['NUL alone as the username', 'username=%00&password=x'],
      ['an encoded lone surrogate in the username', 'username=a%ED%A0%80&password=x'],
      ['NUL in the password', `username=alice&password=${encodeURIComponent(PASSWORD)}%00`],
      ['an encoded lone surrogate in the password', 'username=alice&password=%ED%A0%80'],
    ])('login with %s: the failed-login page, no 5xx', async (_label, body) => {
      const res = await rawLogin(body);
      expect(res.status).toBe(200);
      expect(res.body).toContain(INVALID_LOGIN);
    });

    test('what the body parser makes of %ED%A0%80: replacement characters, a normal failed login', async () => {
      const res = await rawLogin('username=%ED%A0%80&password=x');
      expect(res.status).toBe(200);
      // The form re-shows the username as parsed: invalid UTF-8 became U+FFFD.
      expect(res.body).toContain('value="\ufffd\ufffd\ufffd"');
    });

    test('a real lone surrogate (a JSON body can carry one) in username or password: no 5xx', async () => {
      for (const json of [
        '{"username":"al\\ud800ice","password":"x"}',
        '{"username":"alice","password":"\\udc00"}',
        '{"username":"\\u0000","password":"\\u0000"}',
      ]) {
        const client = h.client();
        await client.request('/accounts/login/');
        const res = await client.request('/accounts/login/', {
          payload: json,
          headers: { 'content-type': 'application/json', 'x-csrftoken': client.lastToken },
        });
        expect(res.status, json).toBeLessThan(500);
        expect(res.status, json).toBeGreaterThanOrEqual(200);
      }
    });

    test('the failed logins were audited, with the bad characters made safe, and the chain verifies', async () => {
      const failed = await h.t.gatehouse.audit.list({ action: 'auth.login_failed', limit: 100 });
      expect(failed.some((e) => e.target === 'ali\ufffdce')).toBe(true);
      expect(failed.some((e) => e.target === 'al\ufffdice')).toBe(true);
      expect(failed.every((e) => !(e.target ?? '').includes('\u0000'))).toBe(true);
      expect((await h.t.gatehouse.audit.verify()).ok).toBe(true);
      expect(errorLines(h)).toEqual([]);
    });

    test('reset with NUL, a lone surrogate or a control character in the email: the usual redirect, no mail, no error in the job', async () => {
      h.mailer.clear();
      for (const email of ['alice@example.com\u0000', '\u0000', 'alice\u0000@example.com', 'alice@example.com\u0007', 'ali\u0085ce@example.com']) {
        const res = await requestReset(h, email);
        expect(res, JSON.stringify(email)).toEqual({ status: 302, location: '/accounts/password_reset/done/' });
      }
      const client = h.client();
      await client.request('/accounts/password_reset/');
      const raw = await client.request('/accounts/password_reset/', {
        payload: `csrfmiddlewaretoken=${encodeURIComponent(client.lastToken)}&email=alice%ED%A0%80%40example.com`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(raw.status).toBe(302);
      const json = await client.request('/accounts/password_reset/', {
        payload: '{"email":"alice@example.com\\ud800"}',
        headers: { 'content-type': 'application/json', 'x-csrftoken': client.lastToken },
      });
      expect(json.status).toBeLessThan(500);
      await h.app.gatehouseTasks.settled();
      expect(h.mailer.outbox).toEqual([]);
      expect(h.logs.filter((l) => l.msg === 'gatehouse background task failed')).toEqual([]);
      expect(errorLines(h)).toEqual([]);
    });

    test('an email change to an address with NUL, a lone surrogate or a control character: 400, nothing changed', async () => {
      const client = h.client();
      await client.login('bob');
      await client.request('/accounts/password_change/'); // a page with the new CSRF token
      for (const email of ['bob\u0000@example.com', 'bob@example.com\ud800', 'bob@exa\rmple.com', 'bob@example.com\n', 'bob\u007f@example.com']) {
        const res = await client.request('/account/email/', {
          json: { email, password: PASSWORD },
          headers: { 'x-csrftoken': client.lastToken, accept: 'application/json' },
        });
        expect(res.status, JSON.stringify(email)).toBe(400);
        expect(res.body).toContain('control characters');
      }
      expect((await h.t.gatehouse.stores.users.getByUsername('bob'))?.email).toBe('bob@example.com');
      // The route works for a valid address.
      const ok = await client.request('/account/email/', {
        json: { email: 'bob.new@example.com', password: PASSWORD },
        headers: { 'x-csrftoken': client.lastToken, accept: 'application/json' },
      });
      expect(ok.status).toBe(200);
      expect(errorLines(h)).toEqual([]);
    });

    test('a login post with a thousand fields is refused (413) with a clear message, before any check', async () => {
      const client = h.client();
      await client.request('/accounts/login/');
      const fields = Array.from({ length: 1000 }, (_, i) => `f${i}=x`).join('&');
      const res = await client.request('/accounts/login/', {
        payload: `csrfmiddlewaretoken=${encodeURIComponent(client.lastToken)}&username=alice&password=x&${fields}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(413);
      expect(res.body).toContain('too many fields');
      // A normal form still goes through.
      const normal = await client.submit('/accounts/login/', { username: 'alice', password: PASSWORD });
      expect(normal.status).toBe(302);
    });
  });
}
