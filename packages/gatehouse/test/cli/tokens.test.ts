/**
 * `gatehouse tokens create | list | revoke` through the built command on each database: the secret
 * alone on stdout (pipeable), service tokens without expiry, subsets the user must hold, list
 * never showing secrets, revocation by id and per user, and clean errors for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type Direct, ensureBuilt, hasStackTrace, openDirect, runCli } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

describe.each(testDatabases())('gatehouse tokens on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let direct: Direct;
  const cli = (args: string[]) => runCli(['tokens', ...args], { databaseUrl: fresh.url });

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    const migrated = await runCli(['migrate'], { databaseUrl: fresh.url });
    expect(migrated.code, migrated.stderr).toBe(0);
    direct = await openDirect(fresh.url);
    const svc = await direct.gatehouse.accounts.createUser({ username: 'svc', isActive: true });
    await direct.gatehouse.accounts.grantPermission(svc, 'auth.view_user');
  });
  afterAll(async () => {
    await direct?.close();
    await fresh?.drop();
  });

  it('creates a service token printed alone on stdout, which authenticates, limited as asked', async () => {
    const made = await cli(['create', 'svc', '--name', 'exporter', '--no-expiry', '--perm', 'auth.view_user']);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toContain('shown once');
    const auth = await direct.gatehouse.apiTokens.authenticate(token);
    expect(auth.ok).toBe(true);
    if (auth.ok) {
      expect(auth.token.expiresAt).toBeNull();
      expect(await direct.gatehouse.hasPerm(auth.user, 'auth.view_user')).toBe(true);
      expect(await direct.gatehouse.hasPerm(auth.user, 'auth.change_user')).toBe(false);
    }
    const listed = await cli(['list', 'svc']);
    expect(listed.stdout).toContain('exporter');
    expect(listed.stdout).toContain(token.slice(0, 10));
    expect(listed.stdout).not.toContain(token.slice(10));
  });

  it('refuses permissions the user lacks, bad lifetimes, unknown users and ids, without a stack trace', async () => {
    for (const args of [
      ['create', 'svc', '--name', 'x', '--perm', 'auth.delete_user'],
      ['create', 'svc', '--name', 'x', '--expires-days', '400'],
      ['create', 'svc', '--name', 'x', '--expires-days', 'soon'],
      ['create', 'nobody', '--name', 'x'],
      ['revoke', '999999'],
      ['revoke', 'abc'],
      ['revoke'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.length).toBeGreaterThan(0);
      expect(hasStackTrace(result.stderr)).toBe(false);
    }
  });

  it('revokes by id and every token of a user, each audited', async () => {
    const one = (await cli(['create', 'svc', '--name', 'one', '--json'])).stdout;
    const { id, token } = JSON.parse(one) as { id: number; token: string };
    const two = (await cli(['create', 'svc', '--name', 'two'])).stdout.trim();
    expect((await cli(['revoke', String(id)])).code).toBe(0);
    expect((await direct.gatehouse.apiTokens.authenticate(token)).ok).toBe(false);
    expect((await direct.gatehouse.apiTokens.authenticate(two)).ok).toBe(true);
    const all = await cli(['revoke', '--user', 'svc']);
    expect(all.stdout).toMatch(/Revoked \d+ API tokens? of "svc"/);
    expect((await direct.gatehouse.apiTokens.authenticate(two)).ok).toBe(false);
    const log = await direct.gatehouse.stores.audit.list({ limit: 10, newestFirst: true });
    expect(log.map((e) => e.action)).toEqual(expect.arrayContaining(['token.revoked', 'token.revoked_all', 'token.created']));
  });
});
