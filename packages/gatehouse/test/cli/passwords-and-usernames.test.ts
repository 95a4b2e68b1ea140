/**
 * Issue 9 items 16 and 19 through the built `gatehouse` command, on each database: a password
 * piped with --password-stdin meets the same validators as the forms (15 characters, strength,
 * the site's own words from the config module's apps, roles and siteName), the
 * --skip-password-validation escape hatch is audited, a password set from the shell is announced
 * by the config module's mailer, and `user create` refuses a confusable username.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { ensureBuilt, hasStackTrace, openDirect, runCli } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

const STRONG = 'Tundra-Quokka-5841-Velvet';

describe.concurrent.each(testDatabases())('gatehouse passwords and usernames on $label', ({ kind }) => {
  let fresh: FreshDatabase;
  let dir: string;
  let outbox: string;
  const cli = (args: string[], input?: string) => runCli(args, { databaseUrl: fresh.url, cwd: dir, ...(input !== undefined ? { input } : {}) });
  const mails = async (): Promise<{ to: string[]; subject: string; text: string }[]> =>
    (await readFile(outbox, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));

  beforeAll(async () => {
    fresh = await freshDatabaseUrl(kind);
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-pw-'));
    outbox = join(dir, 'outbox.jsonl');
    await writeFile(
      join(dir, 'gatehouse.config.mjs'),
      `import { appendFileSync } from 'node:fs';
export default {
  apps: { billing: { models: { invoice: {} } } },
  roles: { 'Finance Approver': ['billing.view_invoice'] },
  config: { siteName: 'Acme' },
};
// Records each message as a line of JSON, so the test can read what the command mailed.
export const mailer = { async send(message) { appendFileSync(${JSON.stringify(outbox)}, JSON.stringify(message) + '\\n'); } };
`,
    );
    expect((await cli(['migrate'])).code).toBe(0);
  });
  afterAll(async () => {
    await fresh?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.sequential('user create refuses a confusable username without naming the other account', async () => {
    expect((await cli(['user', 'create', 'paypal', '--unusable-password'])).code).toBe(0);
    const lookalike = await cli(['user', 'create', 'pаypal', '--unusable-password']); // Cyrillic а
    expect(lookalike.code).toBe(2);
    expect(lookalike.stderr).toContain('looks too much like an existing one');
    expect(lookalike.stderr).not.toContain('"paypal"');
    expect(hasStackTrace(lookalike.stderr)).toBe(false);
    expect((await cli(['user', 'create', 'm', '--unusable-password'])).code).toBe(0);
    expect((await cli(['user', 'create', 'rn', '--unusable-password'])).code).toBe(2);
    const listed = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as { username: string }[];
    expect(listed.map((u) => u.username).sort()).toEqual(['m', 'paypal']);
  }, 120_000);

  it.sequential('a piped password meets the validators, with the site words of the config module', async () => {
    const refused: [string, RegExp][] = [
      ['Velvet-Quokka1', /at least 15 characters/],
      ['passwordpassword123!', /too easy to guess/],
      ['Acme-Billing-2024!!', /account details or this site/], // siteName and an app label
      ['Finance-Approver-2024', /account details or this site/], // a role name
      ['Carol-Example-2024!!', /account details or this site|too similar/], // the email's parts
    ];
    const results = await Promise.all(
      refused.map(([password]) => cli(['user', 'create', 'carol', '--email', 'carol@example.com', '--password-stdin'], `${password}\n`)),
    );
    refused.forEach(([password, message], i) => {
      expect(results[i]!.code, password).toBe(2);
      expect(results[i]!.stderr, password).toMatch(message);
    });
    const created = await cli(['user', 'create', 'carol', '--email', 'carol@example.com', '--password-stdin'], `${STRONG}\n`);
    expect(created.code, created.stderr).toBe(0);

    const weak = await Promise.all(
      [
        ['changepassword', 'carol'],
        ['user', 'set-password', 'carol'],
      ].map((command) => cli([...command, '--password-stdin'], 'Acme-Acme-Acme-2024\n')),
    );
    for (const res of weak) {
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/account details or this site/);
    }
    expect(await mails()).toEqual([]);
  }, 120_000);

  it.sequential('a password set from the shell is mailed to the account (never the password); skipping validation is audited', async () => {
    const changed = await cli(['user', 'set-password', 'carol', '--password-stdin'], 'Marigold-Zephyr-2290-Anvil\n');
    expect(changed.code, changed.stderr).toBe(0);
    const skipped = await cli(['changepassword', 'carol', '--password-stdin', '--skip-password-validation'], 'short\n');
    expect(skipped.code, skipped.stderr).toBe(0);

    const sent = await mails();
    expect(sent).toHaveLength(2);
    for (const mail of sent) {
      expect(mail.to).toEqual(['carol@example.com']);
      expect(mail.subject).toBe('Your password on Acme was changed');
      expect(mail.text).toContain('by an administrator');
      expect(mail.text).not.toContain('Marigold-Zephyr-2290-Anvil');
      expect(mail.text).not.toMatch(/\bshort\b/);
    }

    const d = await openDirect(fresh.url);
    try {
      const entries = await d.gatehouse.stores.audit.list({ limit: 50, newestFirst: true, action: 'auth.password_validation_skipped' });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ target: 'carol', data: { command: 'changepassword' } });
    } finally {
      await d.close();
    }
  }, 120_000);
});
