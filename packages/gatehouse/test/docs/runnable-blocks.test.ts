/**
 * Every code block the documentation marks runnable (`<!-- runnable -->` before the fence) is run
 * as written — imports pointed at the sources, a throwaway SQLite file and secret key in the
 * environment — and must exit 0 with nothing on stderr; together they are also type-checked
 * under strict settings. A guide whose main example stops working fails here, not in a reader's
 * terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runnableBlocks, withSourceImports, withoutListening } from './blocks.js';

// The package (sources, scratch folders) and the repository around it (docs, node_modules).
const root = fileURLToPath(new URL('../..', import.meta.url));
const workspace = join(root, '..', '..');
const blocks = runnableBlocks(join(workspace, 'docs'));
const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  // Inside the repository, so the blocks resolve fastify, kysely... from its node_modules.
  const dir = mkdtempSync(join(root, 'test', '.docs-'));
  made.push(dir);
  return dir;
}

/** The error messages (with their continuation lines) reported for files under `dir`. */
function errorsIn(output: string, dir: string): string[] {
  const errors: string[] = [];
  let keep = false;
  for (const line of output.split('\n')) {
    if (/^\S.*\(\d+,\d+\): error /.test(line)) {
      keep = line.startsWith(dir);
      if (keep) errors.push(line);
    } else if (keep && line.trim() !== '') {
      errors[errors.length - 1] += `\n${line}`;
    }
  }
  return errors;
}

function run(file: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: `sqlite:${join(cwd, 'app.sqlite3')}`,
      SECRET_KEY: randomBytes(48).toString('base64url'),
      EMAIL_URL: 'memory:',
    };
    delete env.GATEHOUSE_TEST_PG_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the documentation', () => {
  it('marks a runnable main example in every guide', () => {
    const pages = new Set(blocks.map((b) => b.label.split(':')[0]));
    for (const page of [
      'getting-started.md',
      'permissions-and-roles.md',
      'object-rules.md',
      'guards-and-routes.md',
      'account-views.md',
      'reauthentication.md',
      'audit-log.md',
      'testing.md',
      'migrating-from-django.md',
    ]) {
      expect(pages, page).toContain(page);
    }
  });

  describe.concurrent('runs each runnable block', () => {
    for (const block of blocks) {
      it(block.label, { timeout: 120_000 }, async () => {
        const dir = scratch();
        const file = join(dir, 'block.mts');
        writeFileSync(file, withoutListening(withSourceImports(block.code, root)));
        const result = await run(file, dir);
        expect(result.stderr, `${block.label} wrote to stderr`).toBe('');
        expect(result.code, `${block.label} exited with ${result.code}:\n${result.stdout}`).toBe(0);
      });
    }
  });

  it('type-checks every runnable block under strict settings', { timeout: 180_000 }, () => {
    const dir = scratch();
    for (const [index, block] of blocks.entries()) writeFileSync(join(dir, `block-${index}.mts`), `// ${block.label}\n${withSourceImports(block.code, root)}`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(workspace, 'node_modules', '@types')],
        },
        include: ['*.mts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(workspace, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: root, encoding: 'utf8' });
    expect(tsc.error).toBeUndefined();
    // The library's own sources are compiled with the project's settings, not these: only the
    // blocks' errors count here (the packed .d.ts files are checked by test/adopt).
    expect(errorsIn(`${tsc.stdout}${tsc.stderr}`, relative(root, dir))).toEqual([]);
  });
});
