/**
 * Issue 9, item 2: a login must not outlive a revocation that happened during it. The attacker
 * knows the old password and starts logging in; while the server is still verifying it, the owner
 * changes the password, resets it from a mailed link, or an admin deactivates the account. The
 * login must then fail exactly like a wrong password: no session cookie, no session row.
 *
 * The race is made deterministic by a gate on the password check: the login's hash is verified
 * for real, then waits until the revocation has committed. Over real HTTP against a listening
 * server, on SQLite and PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { User } from '../../../src/core/user.js';
import { authenticated } from '../../../src/fastify/index.js';
import { INVALID_LOGIN } from '../../../src/fastify/views/login.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../../support/databases.js';
import { Client, type ClientResponse, PASSWORD, type TestApp, buildApp } from '../helpers.js';

/** A new password as a person would choose it through a form (long, as the validators want). */
const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

/** Holds the next password check after it has verified, until `open()`. */
interface Gate {
  /** Resolves once the held check has computed its result. */
  verified: Promise<void>;
  open(): void;
  /** Puts the real method back (also done by the first check itself). */
  restore(): void;
}

/** Gates the next `hashers.checkPassword` call of the app's gatehouse (the login's). */
function gateNextPasswordCheck(h: TestApp): Gate {
  const hashers = h.t.gatehouse.hashers;
  const original = Object.getPrototypeOf(hashers).checkPassword as typeof hashers.checkPassword;
  let signal!: () => void;
  let release!: () => void;
  const verified = new Promise<void>((resolve) => (signal = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  const restore = (): void => {
    delete (hashers as { checkPassword?: unknown }).checkPassword;
  };
  hashers.checkPassword = async (password, encoded) => {
    restore(); // only this one check is held; the reset flow's own work runs freely
    const result = await original.call(hashers, password, encoded);
    signal();
    await opened;
    return result;
  };
  return { verified, open: release, restore };
}

/** The reset link's path from a mail body. */
function resetLinkPath(text: string): string {
  const match = /https?:\/\/[^/\s]+(\/accounts\/reset\/[^\s]+\/)/.exec(text);
  if (!match?.[1]) throw new Error(`no reset link in:\n${text}`);
  return match[1];
}

function setCookieNames(res: ClientResponse): string[] {
  const header = res.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => line.slice(0, line.indexOf('=')).trim());
}

describe.each(testDatabases())('a login racing a revocation, over HTTP on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let h: TestApp;
  let origin: string;
  let gate: Gate | null = null;
  let counter = 0;

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    h = await buildApp({
      databaseUrl: fresh.url,
      routes: (app) => {
        app.get('/dashboard/', { config: { access: authenticated() } }, async (request) => ({ user: request.user.username }));
      },
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    gate?.open();
    gate?.restore();
    gate = null;
  });
  afterAll(async () => {
    await h?.close();
    await fresh?.drop();
  });

  async function victim(): Promise<User> {
    counter += 1;
    const username = `victim${counter}`;
    return h.t.gatehouse.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com` });
  }

  async function sessionRows(user: User): Promise<number> {
    return (await h.t.gatehouse.stores.sessions.list({ userId: user.id })).length;
  }

  /** Starts a login as `user`, waits until its password is verified, runs `revoke`, then lets it finish. */
  async function loginAcross(user: User, revoke: () => Promise<unknown>): Promise<{ attacker: Client; res: ClientResponse }> {
    const attacker = Client.http(origin);
    await attacker.request('/accounts/login/');
    gate = gateNextPasswordCheck(h);
    const pending = attacker.request('/accounts/login/', { form: { csrfmiddlewaretoken: attacker.lastToken, username: user.username, password: PASSWORD } });
    await gate.verified;
    await revoke();
    gate.open();
    return { attacker, res: await pending };
  }

  async function expectFailedLogin(user: User, attacker: Client, res: ClientResponse): Promise<void> {
    expect(res.status).toBe(200);
    expect(res.body).toContain(INVALID_LOGIN);
    expect(setCookieNames(res)).not.toContain('sessionid');
    expect(attacker.session()).toBeUndefined();
    expect(await sessionRows(user)).toBe(0);
    // And the attacker is not logged in on the next request either.
    const next = await attacker.request('/dashboard/', { headers: { accept: 'application/json' } });
    expect(next.status).toBe(401);
    // The refusal is audited as a failed login, with the reason for the operator.
    const [entry] = await h.t.gatehouse.audit.list({ action: 'auth.login_failed', actor: undefined, limit: 1 });
    expect(entry).toMatchObject({ target: user.username, data: { reason: 'credentials_changed' } });
  }

  test('control: with nothing revoked, the gated login succeeds (the gate itself breaks nothing)', async () => {
    const user = await victim();
    const { attacker, res } = await loginAcross(user, async () => undefined);
    expect(res.status).toBe(302);
    expect(setCookieNames(res)).toContain('sessionid');
    expect(await sessionRows(user)).toBe(1);
    expect((await attacker.request('/dashboard/', { headers: { accept: 'application/json' } })).json()).toEqual({ user: user.username });
  });

  test('a password change committed during the password check: failed-login page, no cookie, no session row', async () => {
    const user = await victim();
    const { attacker, res } = await loginAcross(user, () => h.t.gatehouse.accounts.setPassword(user, NEW_PASSWORD, { reason: 'auth.password_change' }));
    await expectFailedLogin(user, attacker, res);
  });

  test('a password reset completed from the mailed link during the password check: the login fails', async () => {
    const user = await victim();
    const { attacker, res } = await loginAcross(user, async () => {
      const owner = Client.http(origin);
      h.mailer.clear();
      await owner.submit('/accounts/password_reset/', { email: user.email });
      await h.app.gatehouseTasks.settled();
      const mail = h.mailer.outbox.find((m) => m.to.includes(user.email));
      const opened = await owner.request(resetLinkPath(mail!.text));
      expect(opened.status).toBe(302);
      await owner.request(opened.location!);
      const done = await owner.request(opened.location!, {
        form: { csrfmiddlewaretoken: owner.lastToken, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
      });
      expect(done.status).toBe(302);
      expect(done.location).toBe('/accounts/reset/done/');
    });
    await expectFailedLogin(user, attacker, res);
    expect(await h.t.gatehouse.authenticate({ username: user.username, password: NEW_PASSWORD })).not.toBeNull();
  });

  test('a deactivation committed during the password check: the login fails', async () => {
    const user = await victim();
    const { attacker, res } = await loginAcross(user, () => h.t.gatehouse.accounts.setActive(user, false));
    await expectFailedLogin(user, attacker, res);
  });
});
