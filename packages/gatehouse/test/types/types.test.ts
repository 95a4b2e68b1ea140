/**
 * Runs the type tests in this folder through `tsc`: each holds `@ts-expect-error` lines that
 * must fail to compile (a misspelt permission, say). If one of them compiles, tsc reports the
 * unused directive and this test fails.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/helpers.js';
import { workspaceRoot } from '../support/databases.js';

const tsc = join(workspaceRoot(), 'node_modules', 'typescript', 'bin', 'tsc');

describe('type tests', () => {
  it('misspelt permissions and other forbidden uses do not compile, and the allowed ones do', () => {
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the example app type-checks against the built package, as an app would', async () => {
    await ensureBuilt();
    const result = spawnSync(process.execPath, [tsc, '-p', join(workspaceRoot(), 'example', 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 180_000);

  it('the sources, tests and benchmarks type-check under strict settings', () => {
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.test.json', '--noEmit'], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
