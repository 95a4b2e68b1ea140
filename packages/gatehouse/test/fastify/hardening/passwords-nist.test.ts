/**
 * Issue 9 item 16, from the attacker's side over real HTTP on SQLite and PostgreSQL: the password
 * forms refuse what NIST SP 800-63B-4 says to refuse (under 15 characters, breached and
 * guessable passwords, keyboard walks, the user's and the site's own words), a password typed in
 * another Unicode form still logs in, a Django hash of a non-NFKC password logs in and is
 * upgraded, and every change or reset is announced by mail to the account (never the password).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Pbkdf2Sha256Hasher } from '../../../src/core/hashers/pbkdf2.js';
import { authenticated } from '../../../src/fastify/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, PASSWORD, type TestApp, buildApp } from '../helpers.js';

const STRONG = 'Tundra-Quokka-5841-Velvet';
const STRONG_2 = 'Marigold-Zephyr-2290-Anvil';

/** The reset link's path from a mail body. */
function linkPath(text: string): string {
  const match = /https?:\/\/[^/\s]+(\/accounts\/reset\/[^\s]+\/)/.exec(text);
  if (!match?.[1]) throw new Error(`no reset link in:\n${text}`);
  return match[1];
}

describe.each(testDatabases())('password policy over HTTP on $label', ({ kind }) => {
  let h: TestApp;
  let database: FreshDatabase;
  let origin: string;

  beforeAll(async () => {
    database = await freshDatabaseUrl(kind);
    h = await buildApp({
      databaseUrl: database.url,
      config: { throttle: { perAccountAndAddress: 50, perAddress: 500, window: 900 } },
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await h.close();
    await database.drop();
  });

  /** A login attempt that may fail (Client.login throws on failure). */
  const tryLogin = (username: string, password: string) => Client.http(origin).submit('/accounts/login/', { username, password });

  const change = (client: Client, next: string, old = PASSWORD) =>
    client.submit('/accounts/password_change/', { old_password: old, new_password1: next, new_password2: next });

  test('the change form refuses short, breached, guessable and context-specific passwords, and changes nothing', async () => {
    const client = Client.http(origin);
    expect((await client.login('alice')).status).toBe(302);
    const refused: [string, RegExp][] = [
      ['Velvet-Quokka1', /at least 15 characters/], // 14 characters: Django's 8 would let it through
      ['passwordpassword123!', /too easy to guess/], // a repeat of a breached password
      ['1qaz2wsx3edc4rfv5tgb', /too easy to guess/], // a keyboard walk
      ['abcdefghijklmnopqrst', /too easy to guess/], // a sequence
      ['P@ssw0rdP@ssw0rd2024', /too easy to guess/], // l33t, repeated, with a year
      ['Billing-Billing-2024!', /account details or this site/], // the site's name (the plugin's siteName)
      ['Finance-Approver-2024', /account details or this site/], // a role name
      ['Alice-Example-Alice-1', /account details or this site|too similar/], // the username and email
    ];
    for (const [password, message] of refused) {
      const res = await change(client, password);
      expect(res.status, password).toBe(200);
      expect(res.body, password).toMatch(message);
    }
    expect(h.mailer.outbox.filter((m) => m.subject.includes('password'))).toEqual([]);
    expect(await h.t.gatehouse.authenticate({ username: 'alice', password: PASSWORD })).not.toBeNull();
  });

  test('a password typed full-width or decomposed logs in: both sides are NFKC', async () => {
    // The fixture password typed on a full-width (CJK) keyboard: NFKC folds it to ASCII.
    const fullWidth = [...PASSWORD].map((c) => (c === ' ' ? '\u3000' : String.fromCodePoint(c.codePointAt(0)! + 0xfee0))).join('');
    expect(fullWidth).not.toBe(PASSWORD);
    expect((await Client.http(origin).login('sam', fullWidth)).status).toBe(302);

    // A password chosen with a precomposed é, typed later with e + combining accent.
    const client = Client.http(origin);
    await client.login('ops');
    const composed = 'Crème-Brûlée-Tundra-5841'.normalize('NFC');
    expect((await change(client, composed)).status).toBe(302);
    expect((await Client.http(origin).login('ops', composed.normalize('NFD'))).status).toBe(302);
    expect((await tryLogin('ops', 'Creme-Brulee-Tundra-5841')).status).toBe(200);
  });

  test('a Django hash of a non-NFKC password logs in over HTTP and is re-hashed as NFKC', async () => {
    const raw = 'ﬁnance-Ｔｕｎｄｒａ-5841'; // a ligature and full-width letters: NFKC changes it
    expect(raw.normalize('NFKC')).not.toBe(raw);
    // What Django stored: pbkdf2_sha256 of the raw string, as typed.
    const djangoHash = await new Pbkdf2Sha256Hasher({ iterations: 1000 }).encode(raw, 'saltsaltsaltsaltsalt12');
    await h.t.gatehouse.accounts.createUser({ username: 'imported', email: 'imported@example.com' });
    const user = (await h.t.gatehouse.stores.users.getByUsername('imported'))!;
    await h.t.gatehouse.stores.users.update(user.id, { password: djangoHash });

    expect((await Client.http(origin).login('imported', raw)).status).toBe(302);
    const upgraded = (await h.t.gatehouse.stores.users.getByUsername('imported'))!.password;
    expect(upgraded).toMatch(/^argon2\$/);
    // The new hash holds the NFKC form: the raw form still matches through normalisation, no second try needed.
    expect(await h.t.gatehouse.hashers.checkPassword(raw.normalize('NFKC'), upgraded)).toEqual({ valid: true, needsUpgrade: false });
    expect(await h.t.gatehouse.hashers.checkPassword(raw, upgraded)).toEqual({ valid: true, needsUpgrade: false });
    expect((await tryLogin('imported', 'finance-Tundra-5840')).status).toBe(200);
  });

  test('a change through the form mails one notice to the account, without the password', async () => {
    h.mailer.clear();
    const client = Client.http(origin);
    await client.login('bob');
    const res = await change(client, STRONG);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/accounts/password_change/done/');
    expect(h.mailer.outbox).toHaveLength(1);
    const [notice] = h.mailer.outbox;
    expect(notice!.to).toEqual(['bob@example.com']);
    expect(notice!.subject).toBe('Your password on Billing was changed');
    expect(notice!.text).toContain('"bob" on Billing was changed with the password change form');
    expect(notice!.text).toMatch(/If this was not you, reset your password/);
    expect(notice!.text).not.toContain(STRONG);
    expect(notice!.text).not.toContain(PASSWORD);
    expect((await Client.http(origin).login('bob', STRONG)).status).toBe(302);
  });

  test('a reset mails one notice after the reset mail, without the password', async () => {
    h.mailer.clear();
    const requester = Client.http(origin);
    await requester.submit('/accounts/password_reset/', { email: 'fin@example.com' });
    await h.app.gatehouseTasks.settled();
    expect(h.mailer.outbox).toHaveLength(1);
    const browser = Client.http(origin);
    const opened = await browser.request(linkPath(h.mailer.outbox[0]!.text));
    await browser.request(opened.location!);
    const done = await browser.request(opened.location!, {
      form: { csrfmiddlewaretoken: browser.lastToken, new_password1: STRONG_2, new_password2: STRONG_2 },
    });
    expect(done.location).toBe('/accounts/reset/done/');
    expect(h.mailer.outbox).toHaveLength(2);
    const notice = h.mailer.outbox[1]!;
    expect(notice.to).toEqual(['fin@example.com']);
    expect(notice.text).toContain('through a password reset link');
    expect(notice.text).not.toContain(STRONG_2);
  });

  test('nothing is mailed for a user without an email address', async () => {
    await h.t.gatehouse.accounts.createUser({ username: 'nomail', password: PASSWORD });
    h.mailer.clear();
    const client = Client.http(origin);
    expect((await client.login('nomail')).status).toBe(302);
    expect((await change(client, STRONG)).status).toBe(302);
    expect(h.mailer.outbox).toEqual([]);
    expect((await Client.http(origin).login('nomail', STRONG)).status).toBe(302);
  });
});
