#!/usr/bin/env node
// `npm test`: runs the vitest suites on SQLite and, when it can, on PostgreSQL.
//
// PostgreSQL comes from, in order:
//   1. GATEHOUSE_TEST_PG_URL or DATABASE_URL, when either is already a postgres:// URL (an admin URL:
//      the suites create and drop their own databases through it);
//   2. a throwaway server started here from the PostgreSQL binaries on the machine (in a temp folder,
//      on a free port on 127.0.0.1, fsync off), stopped and deleted when the run ends, whatever way;
//   3. nowhere: the PostgreSQL suites are skipped, and this says so.
// Extra arguments go to `vitest run` (e.g. `npm test -- test/core`). The exit code is vitest's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThrowawayPostgres, findPostgresBin, isPostgresUrl, redact } from './pg.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const env = { ...process.env };
  let server;
  let child;
  let signalled;
  let pgLine;

  // SIGINT (Ctrl-C), SIGTERM and SIGHUP are passed on to vitest; the server is stopped once vitest
  // has ended, and only then does this process exit. A signal before vitest started ends the run at
  // once (the 'exit' handler stops the server).
  const signalCodes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const signal of Object.keys(signalCodes)) {
    process.on(signal, () => {
      signalled ??= signal;
      if (child === undefined) process.exit(signalCodes[signal]);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }

  const given = [env.GATEHOUSE_TEST_PG_URL, env.DATABASE_URL].find(isPostgresUrl);
  if (given !== undefined) {
    env.GATEHOUSE_TEST_PG_URL = given;
    pgLine = `PostgreSQL: given server ${redact(given)}`;
  } else {
    delete env.GATEHOUSE_TEST_PG_URL;
    const bin = findPostgresBin();
    if (bin === undefined) {
      pgLine = 'PostgreSQL: skipped — no server binaries found (install postgresql-15 to run the PostgreSQL suites)';
    } else {
      server = new ThrowawayPostgres(bin);
      // Whatever ends this process, the server and its folder go with it.
      process.on('exit', () => server.stop());
      const started = Date.now();
      env.GATEHOUSE_TEST_PG_URL = await server.start();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      pgLine = `PostgreSQL: ${server.version()}, throwaway server at ${env.GATEHOUSE_TEST_PG_URL} (started in ${seconds}s)`;
    }
  }
  // The example, CLI and docs tests run the built package (dist/), as an app would: build it first,
  // so `npm install && npm test` on a fresh clone needs no other step (tsc takes seconds).
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('npm test: the build failed (see above); no test was run.\n');
    process.exit(build.status ?? 1);
  }
  const covered = env.GATEHOUSE_TEST_PG_URL ? 'SQLite + PostgreSQL' : 'SQLite only';
  process.stdout.write(`Test databases: ${covered}\n  SQLite: always (a temp file per suite)\n  ${pgLine}\n\n`);

  // vitest's own entry rather than `npx vitest`: npx does not pass SIGTERM on (vitest would outlive
  // this script and the server), and it can print an update notice after vitest's closing line.
  // Its own process group, so that once it ends, any worker it left behind can be ended with it.
  // npm workspaces hoist dependencies to the repository's root; a package installed alone keeps its own.
  const vitestBin =
    [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), join(repoRoot, '..', '..', 'node_modules', 'vitest', 'vitest.mjs')].find((path) =>
      existsSync(path),
    ) ?? '';
  if (!existsSync(vitestBin)) throw new Error(`vitest is not installed (${vitestBin}): run \`npm ci\` first`);
  child = spawn(process.execPath, [vitestBin, 'run', ...process.argv.slice(2)], {
    cwd: repoRoot,
    env,
    stdio: 'inherit',
    detached: true,
  });

  const code = await new Promise((resolveCode) => {
    child.on('error', (error) => {
      process.stderr.write(`could not run vitest: ${error.message}\n`);
      resolveCode(1);
    });
    child.on('exit', (exitCode, signal) => {
      resolveCode(exitCode ?? signalCodes[signal] ?? 1);
    });
  });
  try {
    process.kill(-child.pid, 'SIGKILL'); // workers of an interrupted run; none after a normal one
  } catch {
    // ESRCH: the group is already gone
  }
  server?.stop();
  process.exit(signalled !== undefined && code === 0 ? signalCodes[signalled] : code);
}

main().catch((error) => {
  process.stderr.write(`scripts/test.mjs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
