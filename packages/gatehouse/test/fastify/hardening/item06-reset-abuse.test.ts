/**
 * Issue 9 item 6: password reset cannot bomb a mailbox, be sprayed from one client, or have its
 * links guessed at speed; the mail queue is bounded. Counters in the database (SQLite and
 * PostgreSQL), requests fired concurrently over real HTTP. Every reset request gets the same
 * answer whether or not it was throttled (the decision is made after the response).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { uidToBase64 } from '../../../src/core/tokens.js';
import type { MailMessage } from '../../../src/mail/index.js';
import { testDatabases } from '../../support/databases.js';
import { type ListeningApp, errorLines, linkPath, listeningApp, postReset, resetFormClient } from './reset-support.js';

const LIMITS = { perEmail: 3, perAddress: 10, invalidLinksPerAddress: 20, window: 3600, maxQueuedMails: 1000 };
const DONE = '/accounts/password_reset/done/';

for (const db of testDatabases()) {
  describe(`password reset abuse (${db.label}, SQL counters)`, () => {
    let h: ListeningApp;

    beforeAll(async () => {
      h = await listeningApp(db.kind, { config: { passwordReset: LIMITS }, fastify: { trustProxy: true } });
      for (let i = 0; i < 30; i += 1)
        await h.t.gatehouse.accounts.createUser({ username: `spray${i}`, email: `spray${i}@example.com`, password: 'correct horse battery staple' });
    });
    afterAll(async () => h.stop());

    test('40 concurrent reset requests for one address (from 40 clients): all answered alike, at most perEmail mails', async () => {
      h.mailer.clear();
      const clients = await Promise.all(Array.from({ length: 40 }, () => resetFormClient(h)));
      const answers = await Promise.all(
        clients.map((client, i) => postReset(client, i % 4 === 0 ? 'ALICE@example.com' : 'alice@example.com', `203.0.113.${i + 1}`)),
      );
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toMatchObject({ status: 302, location: DONE });
      await h.app.gatehouseTasks.settled();
      const toAlice = h.mailer.outbox.filter((m) => m.to.includes('alice@example.com'));
      expect(toAlice.length).toBe(LIMITS.perEmail);
      expect(h.logs.filter((l) => (l.gatehouse as { event?: string } | undefined)?.event === 'password_reset.throttled').length).toBe(40 - LIMITS.perEmail);
    });

    test('many addresses from one client: capped at perAddress mails, every answer the same', async () => {
      h.mailer.clear();
      const clients = await Promise.all(Array.from({ length: 30 }, () => resetFormClient(h)));
      const answers = await Promise.all(clients.map((client, i) => postReset(client, `spray${i}@example.com`, '198.51.100.7')));
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toMatchObject({ status: 302, location: DONE });
      await h.app.gatehouseTasks.settled();
      expect(h.mailer.outbox.length).toBe(LIMITS.perAddress);
      // Another client is not affected.
      const other = await resetFormClient(h);
      await postReset(other, 'spray29@example.com', '198.51.100.8');
      await h.app.gatehouseTasks.settled();
      expect(h.mailer.outbox.length).toBe(LIMITS.perAddress + 1);
    });

    test('50 concurrent invalid reset links from one client: the first invalidLinksPerAddress get the invalid page, the rest 429 with Retry-After; then even a valid link waits', async () => {
      const uid = uidToBase64(h.users.bob!.id);
      const guesses = Array.from({ length: 50 }, (_, i) => `/accounts/reset/${uid}/${(1000 + i).toString(36)}-${'0'.repeat(64)}/`);
      const answers = await Promise.all(
        guesses.map((path) => fetch(new URL(path, h.origin), { headers: { 'x-forwarded-for': '192.0.2.50' }, redirect: 'manual' })),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBe(LIMITS.invalidLinksPerAddress);
      expect(statuses.filter((s) => s === 429).length).toBe(50 - LIMITS.invalidLinksPerAddress);
      const throttled = answers.find((r) => r.status === 429)!;
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await throttled.text()).toContain('The password reset link was invalid');
      expect(throttled.headers.get('cache-control')).toBe('no-store');

      // A real link from the throttled client waits too (nothing is checked while blocked)...
      h.mailer.clear();
      const client = await resetFormClient(h);
      await postReset(client, 'bob@example.com', '192.0.2.99');
      await h.app.gatehouseTasks.settled();
      const path = linkPath(h.mailer.outbox[0]!.text);
      expect((await fetch(new URL(path, h.origin), { headers: { 'x-forwarded-for': '192.0.2.50' }, redirect: 'manual' })).status).toBe(429);
      // ...while from another client it works, and valid links are not counted as guesses.
      for (let i = 0; i < LIMITS.invalidLinksPerAddress + 2; i += 1) {
        expect((await fetch(new URL(path, h.origin), { headers: { 'x-forwarded-for': '192.0.2.51' }, redirect: 'manual' })).status).toBe(302);
      }
      expect(errorLines(h)).toEqual([]);
    });
  });
}

describe('the mail queue is bounded', () => {
  let h: ListeningApp;
  let release: () => void = () => {};
  const sent: MailMessage[] = [];

  beforeAll(async () => {
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    h = await listeningApp('sqlite', {
      config: { passwordReset: { ...LIMITS, perAddress: 1000, maxQueuedMails: 5 } },
      plugin: {
        mailer: {
          send: async (message: MailMessage) => {
            await gate;
            sent.push(message);
          },
        },
      },
    });
    for (let i = 0; i < 20; i += 1)
      await h.t.gatehouse.accounts.createUser({ username: `queue${i}`, email: `queue${i}@example.com`, password: 'correct horse battery staple' });
  });
  afterAll(async () => {
    release();
    await h.stop();
  });

  test('with a stuck mailer, 20 concurrent requests leave at most maxQueuedMails jobs; the rest are dropped with a log line, all answered alike', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => resetFormClient(h)));
    const answers = await Promise.all(clients.map((client, i) => postReset(client, `queue${i}@example.com`)));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 302, location: DONE });
    expect(h.app.gatehouseTasks.size).toBeLessThanOrEqual(5);
    expect(h.logs.filter((l) => l.msg === 'gatehouse background task dropped: the queue is full').length).toBe(15);
    release();
    await h.app.gatehouseTasks.settled();
    expect(sent.length).toBe(5);
  });
});
