/**
 * The package as a stranger gets it: `npm pack`, installed into brand-new projects with only what
 * the README says to install (one SQLite app, one PostgreSQL app), the README's snippets
 * type-checked under the strictest settings people use (NodeNext, `strict`, `skipLibCheck: false`,
 * `exactOptionalPropertyTypes`), compiled, run, and the `gatehouse` command run through the
 * project's own bin link.
 *
 * Installs come from the npm registry (the only network CI has) with `--prefer-offline`, and with
 * install scripts off: better-sqlite3 would otherwise compile itself for two minutes, which is not
 * what is under test. Its native addon is copied from this repository's own build of the same
 * major version instead.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/helpers.js';
import { freshDatabaseUrl, itWhen, postgresAdminUrl, repoRoot, workspaceRoot } from '../support/databases.js';

const root = repoRoot();
const workspace = workspaceRoot();
const work = mkdtempSync(join(tmpdir(), 'gh-adopt-'));
let tarball = '';

/** The README's TypeScript block under `heading`. */
function readmeSnippet(heading: string): string {
  const readme = readFileSync(join(workspace, 'README.md'), 'utf8');
  const start = readme.indexOf(heading);
  const open = readme.indexOf('```ts\n', start);
  const close = readme.indexOf('```', open + 6);
  if (start < 0 || open < 0 || close < 0) throw new Error(`README has no TypeScript block under "${heading}"`);
  return readme.slice(open + 6, close);
}

/** The packages the README's install line names for a database (`sqlite` or `postgres`). */
function documentedInstall(kind: 'sqlite' | 'postgres'): string[] {
  const readme = readFileSync(join(workspace, 'README.md'), 'utf8');
  const marker = kind === 'sqlite' ? '# SQLite' : '# PostgreSQL';
  const line = readme.split('\n').find((l) => l.startsWith('npm install gatehouse') && l.includes(marker));
  if (!line) throw new Error(`README has no "npm install gatehouse … ${marker}" line`);
  return line
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((word) => word !== 'gatehouse');
}

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', ...env },
    timeout: 240_000,
  });
}

function explain(result: SpawnSyncReturns<string>): string {
  return `exit ${String(result.status)}\n${result.stdout}\n${result.stderr}`;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    outDir: 'out',
    types: ['node'],
  },
  include: ['*.ts'],
};

/** A new project with the tarball and `packages` installed, as `npm install` would leave it. */
function newProject(name: string, packages: readonly string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', tarball, ...packages, '@types/node@20'], dir);
  expect(install.status, explain(install)).toBe(0);
  return dir;
}

/** Copies this repository's compiled better-sqlite3 addon into `dir`'s install (see the module comment). */
function provideSqliteAddon(dir: string): void {
  const relative = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
  copyFileSync(join(workspace, relative), join(dir, relative));
}

/** tsc of this repository, run on the project's own tsconfig and node_modules. */
function typecheckAndCompile(dir: string): SpawnSyncReturns<string> {
  return run(process.execPath, [join(workspace, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
}

beforeAll(async () => {
  await ensureBuilt();
  const pack = run('npm', ['pack', '--json', '--pack-destination', work], root);
  expect(pack.status, explain(pack)).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  tarball = join(work, info!.filename);
  process.stdout.write(
    `pack-and-adopt: ${info!.filename} ${(info!.size / 1024).toFixed(0)} KiB packed, ${(info!.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${info!.entryCount} files\n`,
  );
}, 240_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships what it links: a LICENSE, no test files, and every source a source map names', () => {
    const list = run('tar', ['-tzf', tarball], work);
    const files = list.stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/LICENSE');
    expect(files.some((f) => f.startsWith('package/test/'))).toBe(false);
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps.slice(0, 20)) {
      const source = map.replace(/^package\/dist\//, 'package/src/').replace(/\.js\.map$/, '.ts');
      expect(files, `${map} points at ${source}`).toContain(source);
    }
  });
});

describe('a new SQLite app, with only what the README says to install', () => {
  let dir = '';
  beforeAll(() => {
    const started = Date.now();
    dir = newProject('sqlite-app', documentedInstall('sqlite'));
    provideSqliteAddon(dir);
    process.stdout.write(`pack-and-adopt: SQLite app installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    writeFileSync(join(dir, 'core.ts'), readmeSnippet('## The core in one snippet'));
    writeFileSync(join(dir, 'server.ts'), readmeSnippet('## A small Fastify app protected by gatehouse'));
  }, 240_000);

  it('needs neither pg nor its types', () => {
    expect(existsSync(join(dir, 'node_modules', 'pg'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', '@types', 'pg'))).toBe(false);
  });

  it("type-checks the README's snippets under strict NodeNext, skipLibCheck off, exactOptionalPropertyTypes on", () => {
    const result = typecheckAndCompile(dir);
    expect(result.status, explain(result)).toBe(0);
  });

  it('runs the core snippet as compiled', () => {
    const result = run(process.execPath, [join(dir, 'out', 'core.js')], dir, {
      DATABASE_URL: 'sqlite::memory:',
      SECRET_KEY: 'adopt-test-secret-key-0123456789abcdefXYZ',
    });
    expect(result.status, explain(result)).toBe(0);
  });

  it('runs the Fastify app: anonymous visitors are sent to log in', async () => {
    const child = spawn(process.execPath, [join(dir, 'out', 'server.js')], {
      cwd: dir,
      env: { ...process.env, PORT: '0', DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'adopt-test-secret-key-0123456789abcdefXYZ' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no "listening" line in 30 s:\n${out}`)), 30_000);
        const onData = (chunk: Buffer): void => {
          out += chunk.toString();
          const found = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (found?.[1]) {
            clearTimeout(timer);
            resolve(found[1]);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`the app exited with ${String(code)}:\n${out}`)));
      });
      const response = await fetch(`${address}/`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/accounts/login/?next=/');
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('runs `npx gatehouse --help` through the bin link', () => {
    const result = run('npx', ['--no-install', 'gatehouse', '--help'], dir);
    expect(result.status, explain(result)).toBe(0);
    expect(result.stdout).toMatch(/Usage: gatehouse/);
  });
});

describe('a new PostgreSQL app, with only what the README says to install', () => {
  let dir = '';
  beforeAll(() => {
    dir = newProject('postgres-app', documentedInstall('postgres'));
    writeFileSync(
      join(dir, 'app.ts'),
      [
        "import { createGatehouse } from 'gatehouse';",
        "import { openDatabase } from 'gatehouse/db';",
        "const database = await openDatabase(process.env.DATABASE_URL ?? 'postgres://localhost/app');",
        'await database.migrate();',
        "const gatehouse = createGatehouse({ stores: database.stores, config: { secretKey: process.env.SECRET_KEY ?? 'adopt-test-secret-key-0123456789abcdefXYZ' } });",
        'await gatehouse.setup();',
        'console.log(JSON.stringify({ users: await gatehouse.stores.users.count() }));',
        'await database.close();',
        '',
      ].join('\n'),
    );
  }, 240_000);

  it('needs neither better-sqlite3 nor its types', () => {
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', '@types', 'better-sqlite3'))).toBe(false);
  });

  it('type-checks and compiles under the strict settings', () => {
    const result = typecheckAndCompile(dir);
    expect(result.status, explain(result)).toBe(0);
  });

  itWhen(postgresAdminUrl() !== undefined)('migrates and counts users on a real PostgreSQL', async () => {
    const database = await freshDatabaseUrl('postgres');
    try {
      const result = run(process.execPath, [join(dir, 'out', 'app.js')], dir, { DATABASE_URL: database.url });
      expect(result.status, explain(result)).toBe(0);
      expect(JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ users: 0 });
    } finally {
      await database.drop();
    }
  });

  it('keeps the tarball small', () => {
    expect(statSync(tarball).size).toBeLessThan(2 * 1024 * 1024);
  });
});
