/**
 * Issue 9 item 17, over real HTTP on SQLite and PostgreSQL: malformed reset URLs (bad
 * percent-encoding, overlong or binary tokens) show the invalid-link page (200), never a 400,
 * 414 or 500; other malformed URLs keep Fastify's answer. A `next` holding encoded spaces or
 * other valid path characters is kept through the login, while the open-redirect corpus is
 * still refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uidToBase64 } from '../../../src/core/tokens.js';
import { testDatabases } from '../../support/databases.js';
import { PASSWORD } from '../helpers.js';
import { type ListeningApp, errorLines, listeningApp } from './reset-support.js';

/** What a browser makes of an HTML attribute value. */
function unescapeHtml(value: string): string {
  return value
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

for (const db of testDatabases()) {
  describe(`malformed reset URLs and next (${db.label})`, () => {
    let h: ListeningApp;

    beforeAll(async () => {
      h = await listeningApp(db.kind);
    });
    afterAll(async () => h.stop());

    test('the attack corpus of reset URLs: the invalid-link page, 200, no-store, no Referer', async () => {
      const uid = uidToBase64(h.users.alice!.id);
      const corpus = [
        '/accounts/reset/MQ/%E0%A4%A/',
        `/accounts/reset/${uid}/%E0%A4%A/`,
        `/accounts/reset/${uid}/%/`,
        `/accounts/reset/${uid}/%zz/`,
        `/accounts/reset/${uid}/%C0%AF/`,
        `/accounts/reset/${uid}/%ED%A0%80/`,
        `/accounts/reset/${uid}/%00/`,
        `/accounts/reset/${uid}/%FF%FE%00%01/`,
        `/accounts/reset/${uid}/${'a'.repeat(101)}/`,
        `/accounts/reset/${uid}/1-${'0'.repeat(500)}/`,
        `/accounts/reset/${uid}/${'%41'.repeat(300)}/`,
        `/accounts/reset/${'A'.repeat(300)}/x/`,
        '/accounts/reset/%E0%A4%A/set-password/',
        `/accounts/reset/${uid}/1-${'0'.repeat(64)}%2F/`,
      ];
      for (const path of corpus) {
        const res = await fetch(new URL(path, h.origin), { redirect: 'manual' });
        const body = await res.text();
        expect(res.status, path).toBe(200);
        expect(body, path).toContain('The password reset link was invalid');
        expect(res.headers.get('cache-control'), path).toBe('no-store');
        expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      }
      expect(errorLines(h)).toEqual([]);
    });

    test('a malformed URL elsewhere keeps Fastify’s 400', async () => {
      const res = await fetch(new URL('/dashboard/%E0%A4%A/', h.origin), { redirect: 'manual' });
      expect(res.status).toBeLessThan(500);
      expect(res.status).not.toBe(200);
    });

    /** Logs in with `next` given in the login URL's query (as typed or linked), following the form as a browser does. */
    async function loginWithQueryNext(query: string): Promise<string | undefined> {
      const client = h.client();
      const page = await client.request(`/accounts/login/?next=${query}`);
      const hidden = /name="next" value="([^"]*)"/.exec(page.body)?.[1];
      const value = hidden === undefined ? undefined : unescapeHtml(hidden);
      const res = await client.request(`/accounts/login/?next=${query}`, {
        form: { csrfmiddlewaretoken: client.lastToken, username: 'bob', password: PASSWORD, ...(value !== undefined ? { next: value } : {}) },
      });
      expect(res.status).toBe(302);
      return res.location;
    }

    test.each([
      ['/reports/export/?q=a%20b', '/reports/export/?q=a%20b'],
      ['/reports/export/%3Fq%3Da%2520b', '/reports/export/?q=a%20b'],
      ['/files/a%20b/', '/files/a%20b/'],
      ['/files/a b/', '/files/a%20b/'],
      ['/search/?q=a+b', '/search/?q=a%20b'],
      ['/files/%C3%A9t%C3%A9/', '/files/%C3%A9t%C3%A9/'],
      ["/files/a-b_c.d~e!$'()*,;:@/", "/files/a-b_c.d~e!$'()*,;:@/"],
    ])('next=%s is kept: %s', async (query, expected) => {
      expect(await loginWithQueryNext(query)).toBe(expected);
    });

    test('a next with spaces posted in the form body is kept too', async () => {
      const client = h.client();
      const res = await client.submit('/accounts/login/', { username: 'bob', password: PASSWORD, next: '/files/a b/?q=c d' });
      expect(res.location).toBe('/files/a%20b/?q=c%20d');
    });

    test.each([
      '//evil.com',
      '%20//evil.com',
      '//evil.com%20',
      '%09//evil.com',
      '/%5Cevil.com',
      'https://evil.com/',
      'https:evil.com',
      'javascript:alert(1)',
      '%20javascript:alert(1)',
      'http://evil.com%20/',
      '/x%0d%0aSet-Cookie:a=b',
    ])('next=%s is still refused (login goes to the default page)', async (query) => {
      expect(await loginWithQueryNext(query)).toBe('/dashboard/');
    });
  });
}
