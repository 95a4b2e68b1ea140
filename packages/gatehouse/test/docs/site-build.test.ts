/**
 * `npm run docs:build` succeeds: the CLI reference is generated from the commands' own help and
 * VitePress builds every page, failing on a dead link. docs/cli.md is committed (so the reference
 * reads on the repository host too) and must equal what the build generates. Needs the built CLI
 * (`npm run build`), as the CLI tests do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The package (its built CLI) and the repository around it (docs/, the docs:build script).
const root = fileURLToPath(new URL('../..', import.meta.url));
const workspace = join(root, '..', '..');

describe('the documentation site', () => {
  it('builds, with the CLI reference generated from every command’s --help', { timeout: 180_000 }, () => {
    const committed = readFileSync(join(workspace, 'docs', 'cli.md'), 'utf8');
    const committedOpenApi = readFileSync(join(workspace, 'docs', 'public', 'openapi.json'), 'utf8');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['run', 'docs:build'], { cwd: workspace, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);

    const cli = readFileSync(join(workspace, 'docs', 'cli.md'), 'utf8');
    expect(cli, 'docs/cli.md is stale: run `npm run docs:build` and commit it').toBe(committed);
    const openApi = readFileSync(join(workspace, 'docs', 'public', 'openapi.json'), 'utf8');
    expect(openApi, 'docs/public/openapi.json is stale: run `npm run docs:build` and commit it').toBe(committedOpenApi);
    expect(Object.keys(JSON.parse(openApi).paths)).toContain('/api/auth/login');
    for (const command of ['gatehouse migrate', 'gatehouse roles plan', 'gatehouse audit verify', 'gatehouse import-django', 'gatehouse user create']) {
      expect(cli).toContain(`## ${command}\n`);
    }
    const help = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'roles', 'plan', '--help'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, COLUMNS: '80' },
    });
    expect(cli).toContain(help.stdout.trimEnd());

    const dist = join(workspace, 'docs', '.vitepress', 'dist');
    for (const page of [
      'index',
      'getting-started',
      'permissions-and-roles',
      'object-rules',
      'guards-and-routes',
      'account-views',
      'reauthentication',
      'audit-log',
      'testing',
      'cli',
      'migrating-from-django',
      'security-model',
      'api-clients',
    ]) {
      expect(existsSync(join(dist, `${page}.html`)), page).toBe(true);
    }
    // The runnable marker is a comment: nothing of it shows on the page.
    expect(readFileSync(join(dist, 'getting-started.html'), 'utf8')).not.toContain('runnable');
  });
});
