/**
 * The admin of the example app in a real browser (Debian's chromium through playwright-core):
 * root gives the support lead a "Support Leads" group through the permission picker; the lead
 * creates a user, adds them to Support, reads their effective permissions and where each comes
 * from, and ends the session the new user just opened in another browser. Then every screen is
 * checked with axe (no serious or critical violation), at desktop and phone widths, and with
 * the keyboard (a visible focus ring). Screenshots go to $GATEHOUSE_ARTIFACTS_DIR (default:
 * test-artifacts/admin/), and with GATEHOUSE_UPDATE_DOCS_SCREENSHOTS=1 the ones the docs show
 * are copied to docs/public/admin/.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FreshDatabase, freshDatabaseUrl, workspaceRoot } from '../support/databases.js';
import { DEMO_PASSWORD, type ExampleProcess, exampleEnv, requireBuild, startExample } from '../e2e/support/example-process.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';
/** Screenshots the docs page shows (docs/admin.md). */
const FOR_DOCS = ['admin-index', 'users-list', 'user-detail', 'group-permissions', 'audit-log', 'access-matrix', 'user-detail-phone'];

describe.skipIf(!hasChromium)('the admin in chromium', () => {
  let fresh: FreshDatabase;
  let server: ExampleProcess;
  let profile: string;
  let browser: BrowserContext;
  let other: Browser;
  let page: Page;
  let artifacts: string;
  const shots: string[] = [];

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    shots.push(name);
  }

  async function logIn(target: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
    await target.goto(`${server.url}/accounts/login/`);
    await target.fill('#id_username', username);
    await target.fill('#id_password', password);
    await Promise.all([target.waitForURL((url) => !url.pathname.startsWith('/accounts/login/')), target.click('button[type=submit]')]);
  }

  async function logOut(): Promise<void> {
    await page.goto(`${server.url}/admin/`);
    await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/accounts/login/')), page.click('.who button')]);
  }

  /** Submits the form holding `button` and waits for the page it leads to. */
  async function submit(button: string): Promise<void> {
    await Promise.all([page.waitForLoadState('load'), page.waitForURL(() => true), page.click(button)]);
  }

  beforeAll(async () => {
    requireBuild();
    // Beside the example's browser screenshots (test-artifacts/, git-ignored), for a person to look at.
    artifacts = process.env.GATEHOUSE_ARTIFACTS_DIR || join(workspaceRoot(), 'test-artifacts', 'admin');
    await mkdir(artifacts, { recursive: true });
    fresh = await freshDatabaseUrl('sqlite');
    server = await startExample(exampleEnv(fresh.url));
    profile = await mkdtemp(join(tmpdir(), 'gh-admin-chromium-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ];
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args, viewport: { width: 1180, height: 800 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    other = await chromium.launch({ executablePath: CHROMIUM, args });
  }, 90_000);

  afterAll(async () => {
    await other?.close();
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await server?.stop();
    await fresh?.drop();
    // The docs' copies change only when asked (GATEHOUSE_UPDATE_DOCS_SCREENSHOTS=1): a test run must
    // not leave committed files modified.
    if (shots.length > 0 && process.env.GATEHOUSE_UPDATE_DOCS_SCREENSHOTS === '1') {
      const docs = join(workspaceRoot(), 'docs', 'public', 'admin');
      await mkdir(docs, { recursive: true });
      for (const name of FOR_DOCS.filter((n) => shots.includes(n))) await copyFile(join(artifacts, `${name}.png`), join(docs, `${name}.png`));
    }
  });

  test('root gives the support lead a group that may create and change users and end sessions', async () => {
    await logIn(page, 'root');
    await page.goto(`${server.url}/admin/`);
    await shot('admin-index');
    await page.click('text=Groups');
    await page.click('a.button:has-text("Add group")');
    await page.fill('#id_name', 'Support Leads');
    await submit('button:has-text("Create group")');
    expect(await page.textContent('.notice')).toContain('The group was created');
    await page.click('a.button:has-text("Change permissions")');
    for (const perm of ['auth.view_user', 'auth.add_user', 'auth.change_user', 'auth.view_group', 'auth.view_session', 'auth.delete_session']) {
      await page.check(`input[name="perms"][value="${perm}"]`);
    }
    await shot('group-permissions');
    await submit('button:has-text("Save")');
    expect(await page.textContent('.notice')).toContain('permissions were saved');
    // Lead joins the new group, from lead's page.
    await page.goto(`${server.url}/admin/users/?q=lead`);
    await page.click('a:text-is("lead")');
    await page.click('text=Edit details, groups and permissions');
    await page.check('label:has-text("Support Leads") >> xpath=preceding-sibling::input');
    await submit('button:has-text("Save")');
    expect(await page.textContent('.notice')).toContain('changes were saved');
    await logOut();
  }, 60_000);

  test('the lead creates a user, adds them to Support, sees their effective permissions, and ends their session', async () => {
    await logIn(page, 'lead');
    await page.goto(`${server.url}/admin/`);
    await page.click('.cards >> text=Users');
    await shot('users-list');
    await page.click('a.button:has-text("Add user")');
    await page.fill('#id_username', 'kim');
    await page.fill('#id_email', 'kim@example.com');
    await page.fill('#id_first_name', 'Kim');
    await page.fill('#id_last_name', 'Ito');
    await page.fill('#id_password1', 'short');
    await page.fill('#id_password2', 'short');
    await submit('button:has-text("Create user")');
    // Refused with the message beside the field, and the field marked.
    expect(await page.getAttribute('#id_password1', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#id_password1-error')).toBeTruthy();
    await shot('add-user-errors');
    await page.fill('#id_password1', NEW_PASSWORD);
    await page.fill('#id_password2', NEW_PASSWORD);
    await submit('button:has-text("Create user")');
    expect(await page.textContent('.notice')).toContain('The user was created');
    await page.click('text=Edit details, groups and permissions');
    await page.check('label:text-is("Support") >> xpath=preceding-sibling::input');
    await submit('button:has-text("Save")');
    const permissions = await page.$$eval('#h-perms + div table tbody tr', (rows) =>
      rows.map((row) => [...row.children].map((cell) => cell.textContent?.trim()).join(' | ')),
    );
    expect(permissions).toContain('auth.view_user | group Support');

    // Kim logs in elsewhere; the lead sees the session and ends it.
    const kimContext = await other.newContext();
    const kim = await kimContext.newPage();
    await logIn(kim, 'kim', NEW_PASSWORD);
    await page.reload();
    await shot('user-detail');
    const rows = page.locator('#h-sessions + div table tbody tr');
    expect(await rows.count()).toBe(1);
    await submit('#h-sessions + div button:has-text("End")');
    expect(await page.textContent('.notice')).toContain('The session was ended');
    const after = await kim.goto(`${server.url}/accounts/password_change/`);
    expect(new URL(kim.url()).pathname).toBe('/accounts/login/');
    expect(after?.status()).toBe(200);
    await kimContext.close();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('user-detail-phone');
    // Nothing overflows the phone's width but the tables, which scroll inside their own box.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1180, height: 800 });
    await logOut();
  }, 60_000);

  test('every screen passes axe with no serious or critical violation, with a visible focus ring', async () => {
    await logIn(page, 'root');
    await page.goto(`${server.url}/admin/users/?q=kim`);
    const kimUrl = await page.getAttribute('a:text-is("kim")', 'href');
    await page.goto(`${server.url}/admin/groups/`);
    const groupUrl = await page.getAttribute('a:text-is("Support")', 'href');
    const urls = [
      '/admin/',
      '/admin/users/',
      '/admin/users/?active=maybe',
      '/admin/users/add/',
      kimUrl!,
      `${kimUrl}change/`,
      `${kimUrl}flags/`,
      `${kimUrl}password/`,
      `${kimUrl}delete/`,
      '/admin/groups/',
      '/admin/groups/add/',
      groupUrl!,
      `${groupUrl}change/`,
      `${groupUrl}delete/`,
      '/admin/permissions/',
      '/admin/permissions/auth.view_user/',
      '/admin/audit/',
      '/admin/audit/?from=nope',
      '/admin/audit/verify/',
      '/admin/matrix/',
    ];
    const problems: string[] = [];
    for (const url of urls) {
      await page.goto(`${server.url}${url}`);
      const result = await new AxeBuilder({ page }).analyze();
      for (const v of result.violations) {
        if (v.impact === 'serious' || v.impact === 'critical')
          problems.push(`${url}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    await page.goto(`${server.url}/admin/audit/`);
    await shot('audit-log');
    await page.goto(`${server.url}/admin/matrix/`);
    await shot('access-matrix');
    // Keyboard: the first Tab lands on the skip link, which shows; focus is outlined.
    await page.goto(`${server.url}/admin/users/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    // The CSP holds: no inline script or style would run (none is there), and the page still works.
    const csp = (await page.goto(`${server.url}/admin/users/`))!.headers()['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
  }, 240_000);
});
