/**
 * The example app in a real browser (Debian's chromium through playwright-core; no browser is
 * ever downloaded): fin logs in and approves a payout from the dashboard, alice meets the 403
 * page, then resets her password through the mailed link (a real SMTP server on loopback) and
 * logs in with the new one. Screenshots go to test-artifacts/ for a person to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, workspaceRoot } from '../support/databases.js';
import { DEMO_PASSWORD, type ExampleProcess, exampleEnv, startExample } from './support/example-process.js';
import { type LoopbackSmtp, resetLink, startSmtp } from './support/smtp.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const title = hasChromium
  ? 'the example app in chromium'
  : `the example app in chromium — SKIPPED: ${CHROMIUM} is not installed (Debian: apt-get install chromium; .ci/run installs it)`;

describe.skipIf(!hasChromium)(title, () => {
  let fresh: FreshDatabase;
  let smtp: LoopbackSmtp;
  let server: ExampleProcess;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const artifacts = join(workspaceRoot(), 'test-artifacts');

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  async function logIn(username: string, password: string): Promise<void> {
    await page.goto(`${server.url}/accounts/login/`);
    await page.fill('#id_username', username);
    await page.fill('#id_password', password);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/accounts/login/')), page.click('button[type=submit]')]);
  }

  async function logOut(): Promise<void> {
    await Promise.all([page.waitForURL(`${server.url}/accounts/login/`), page.click('form.whoami button')]);
  }

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    smtp = await startSmtp();
    fresh = await freshDatabaseUrl('sqlite');
    server = await startExample(exampleEnv(fresh.url, { EMAIL_URL: smtp.url }));
    profile = await mkdtemp(join(tmpdir(), 'gh-e2e-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1100, height: 760 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await server?.stop();
    await smtp?.close();
    await fresh?.drop();
  });

  test('fin logs in, sees the dashboard, approves the pending payout, logs out', async () => {
    const first = await page.goto(`${server.url}/dashboard/`);
    expect(first?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard/');
    await shot('01-login');
    await page.fill('#id_username', 'fin');
    await page.fill('#id_password', DEMO_PASSWORD);
    await Promise.all([page.waitForURL(`${server.url}/dashboard/`), page.click('button[type=submit]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, fin');
    await expect(page.locator('.whoami .who').textContent()).resolves.toContain('fin');
    await expect(page.locator('nav.main a').allTextContents()).resolves.toEqual(['Dashboard', 'Orders', 'Invoices', 'Reports', 'Audit log', 'Account']);
    await shot('02-fin-dashboard');
    await Promise.all([page.waitForURL(`${server.url}/payouts/1/approve/`), page.click('form[action="/payouts/1/approve/"] button')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Payout approved');
    await shot('03-fin-payout-approved');
    await page.goto(`${server.url}/invoices/`);
    await expect(page.locator('tbody tr').count()).resolves.toBe(3);
    await shot('04-fin-invoices');
    await logOut();
  });

  test('alice gets the 403 page on /invoices/, which says nothing about permissions', async () => {
    await logIn('alice', DEMO_PASSWORD);
    const denied = await page.goto(`${server.url}/invoices/`);
    expect(denied?.status()).toBe(403);
    await expect(page.locator('h1').textContent()).resolves.toBe('Access denied');
    const text = await page.locator('body').textContent();
    expect(text).not.toMatch(/billing\.|view_invoice|permission [a-z_]+\./i);
    await shot('05-alice-403');
    await page.goto(`${server.url}/orders/`);
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    await shot('06-alice-orders');
    await logOut();
  });

  test('alice resets her password through the mailed link and logs in with the new one', async () => {
    await page.goto(`${server.url}/accounts/password_reset/`);
    await page.fill('input[name=email]', 'alice@example.com');
    await Promise.all([page.waitForURL(`${server.url}/accounts/password_reset/done/`), page.click('button[type=submit]')]);
    await shot('07-reset-sent');
    const mail = await smtp.waitFor((m) => m.to.includes('alice@example.com'));
    await page.goto(resetLink(mail));
    expect(new URL(page.url()).pathname).toMatch(/^\/accounts\/reset\/[A-Za-z0-9_-]+\/set-password\/$/);
    await page.fill('#id_new_password1', 'alice fresh passphrase 9');
    await page.fill('#id_new_password2', 'alice fresh passphrase 9');
    await shot('08-reset-form');
    await Promise.all([page.waitForURL(`${server.url}/accounts/reset/done/`), page.click('button[type=submit]')]);
    await logIn('alice', 'alice fresh passphrase 9');
    expect(new URL(page.url()).pathname).toBe('/dashboard/');
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, alice');
    await shot('09-alice-dashboard-after-reset');
    // The old password is gone.
    await logOut();
    await page.fill('#id_username', 'alice');
    await page.fill('#id_password', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await expect(page.locator('.errors').textContent()).resolves.toContain('Please enter a correct username and password');
    await shot('10-login-failed');
  });

  test('the single-page app signs in and out through the JSON API, with no form post and no CSP violation', async () => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await page.goto(`${server.url}/spa/`);
    await page.fill('#username', 'sam');
    await page.fill('#password', 'not the password');
    await page.click('button[type=submit]');
    await page.locator('#login-error:not(:empty)').waitFor();
    await expect(page.locator('#login-error').textContent()).resolves.toMatch(/correct username and password/);
    await page.fill('#password', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])');
    await expect(page.locator('#who').textContent()).resolves.toBe('sam');
    await expect(page.locator('#permissions').textContent()).resolves.toContain('shop.view_all_orders');
    await shot('11-spa-signed-in');
    // The cookie session the API set is the browser's session: the server-rendered pages see it too.
    const orders = await page.goto(`${server.url}/orders/`);
    expect(orders?.status()).toBe(200);
    await page.goto(`${server.url}/spa/`);
    await page.waitForSelector('#signed-in:not([hidden])');
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    const after = await page.goto(`${server.url}/orders/`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');
    expect(after?.status()).toBe(200);
    expect(violations.filter((v) => /Content Security Policy|Refused/i.test(v))).toEqual([]);
  });
});
