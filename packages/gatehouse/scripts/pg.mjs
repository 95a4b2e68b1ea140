// A throwaway PostgreSQL server for scripts that need one (`npm test`, `npm run bench`): started
// from the PostgreSQL binaries on the machine, in a temp folder, on a free port on 127.0.0.1,
// with fsync off, and stopped and deleted with every trace when asked (also from an 'exit'
// handler: `stop()` is synchronous).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True for a postgres:// or postgresql:// URL. */
export const isPostgresUrl = (url) => typeof url === 'string' && /^postgres(ql)?:\/\//.test(url);

/** The URL with its password hidden, for printing. */
export function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The bin folder of the newest PostgreSQL server on the machine, or undefined. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  // pg_config may come from libpq-dev alone, so its bindir counts only if the server tools are there.
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const bindir = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  if (bindir && existsSync(join(bindir, 'initdb')) && existsSync(join(bindir, 'pg_ctl'))) return bindir;
  return undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A throwaway PostgreSQL server: `start()` returns its admin URL, `stop()` removes every trace.
 * `settings`: extra `name=value` server settings (e.g. `shared_buffers=512MB`).
 */
export class ThrowawayPostgres {
  constructor(bin, settings = []) {
    this.bin = bin;
    this.settings = settings;
    this.asRoot = process.getuid?.() === 0;
    this.dir = undefined;
    this.started = false;
  }

  /** Runs a PostgreSQL tool; as root through `runuser -u postgres`, since the server refuses root. */
  run(tool, args) {
    const command = this.asRoot ? 'runuser' : join(this.bin, tool);
    const fullArgs = this.asRoot ? ['-u', 'postgres', '--', join(this.bin, tool), ...args] : args;
    // cwd: a folder the postgres user can enter (the repo may sit in a root-only temp folder).
    return spawnSync(command, fullArgs, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  version() {
    const out = spawnSync(join(this.bin, 'postgres'), ['--version'], { encoding: 'utf8' });
    return out.status === 0 ? out.stdout.trim().replace(/^postgres \(PostgreSQL\) /, '') : 'unknown version';
  }

  async start() {
    this.dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
    chmodSync(this.dir, 0o755);
    const data = join(this.dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (this.asRoot) {
      const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      if (uid.status !== 0 || gid.status !== 0) {
        throw new Error('running as root, but there is no `postgres` user to run the server as (install postgresql-15)');
      }
      chownSync(data, Number(uid.stdout), Number(gid.stdout));
    }
    const init = this.run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);

    // A free port can be taken between the check and the start: try a few.
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await freePort();
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${data}`,
        // Durability is worthless for a server deleted after the run; these make it much faster.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        ...this.settings.map((setting) => `-c ${setting}`),
      ].join(' ');
      const start = this.run('pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
      if (start.status === 0) {
        this.started = true;
        return `postgres://postgres@127.0.0.1:${port}/postgres`;
      }
      lastError = `${start.stdout}${start.stderr}`;
      const log = spawnSync('tail', ['-n', '20', join(data, 'server.log')], { encoding: 'utf8' });
      lastError += log.stdout ?? '';
    }
    throw new Error(`pg_ctl start failed:\n${lastError}`);
  }

  /** Synchronous, so it also runs from an 'exit' handler. Safe to call more than once. */
  stop() {
    if (this.dir === undefined) return;
    const data = join(this.dir, 'data');
    // postmaster.pid: also a server whose start timed out but which came up after all.
    if (this.started || existsSync(join(data, 'postmaster.pid'))) {
      this.started = false;
      const stop = this.run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      if (stop.status !== 0) process.stderr.write(`warning: pg_ctl stop failed:\n${stop.stdout}${stop.stderr}`);
    }
    const dir = this.dir;
    this.dir = undefined;
    rmSync(dir, { recursive: true, force: true });
  }
}
