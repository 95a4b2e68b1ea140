/**
 * Runs the real, built `gatehouse` binary (`node dist/cli/main.js`) as a child process. The first
 * test file to need it rebuilds dist/ when any source file is newer than the binary (a lock keeps
 * parallel test files from building at once); so `npm test -- test/cli` needs no separate build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGatehouse, type Gatehouse } from '../../src/core/gatehouse.js';
import type { GatehouseConfigInput } from '../../src/core/config.js';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { fastHasherSettings } from '../../src/testing/index.js';
import { repoRoot } from '../support/databases.js';

/** The built command. */
export const CLI = join(repoRoot(), 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  return !existsSync(CLI) || newestMtime(join(repoRoot(), 'src')) > statSync(CLI).mtimeMs;
}

/** Builds dist/ once if any source is newer than the binary. */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  const lock = join(tmpdir(), `gatehouse-cli-build-${Buffer.from(repoRoot()).toString('hex').slice(-24)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building: wait for it, then look again (a lock older than 2 min is left over).
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
      if (!isStale()) return;
    }
  }
  try {
    if (!isStale()) return;
    const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot(), encoding: 'utf8' });
    // tsc still emits when other parts of the tree have type errors; the CLI is usable if it was written.
    if (build.status !== 0 && (!existsSync(CLI) || isStale())) {
      throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What a run of the command gave. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the command. */
export interface RunOptions {
  /** DATABASE_URL for the child (unset when null). */
  databaseUrl?: string | null;
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is never a terminal here). */
  input?: string;
  cwd?: string;
}

/** Runs `gatehouse ...args` and collects its output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string | undefined> = { ...process.env, GATEHOUSE_DEBUG: undefined, NO_COLOR: '1', ...options.env };
  if (options.databaseUrl === null) delete env.DATABASE_URL;
  else if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? repoRoot(), env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** True when the output shows a stack trace (it never should for input errors). */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+:\d+:\d+/.test(text) || /^\s+at /m.test(text);
}

/** The database and a gatehouse on it, in this process, for setting up and inspecting. */
export interface Direct {
  database: Database;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

/** Opens the database the command works on, to arrange or check what the command did. */
export async function openDirect(url: string, config: GatehouseConfigInput = {}): Promise<Direct> {
  const database = await openDatabase(url, { poolSize: 2 });
  const gatehouse = createGatehouse({ stores: database.stores, config: { passwordHasherSettings: fastHasherSettings, ...config } }) as unknown as Gatehouse;
  return { database, gatehouse, close: () => database.close() };
}

/** True when python3 (with its `pty` module) can stand in for a terminal. */
export function canFakeTerminal(): boolean {
  return spawnSync('python3', ['-c', 'import pty, termios'], { stdio: 'ignore' }).status === 0;
}

// Runs argv in a pseudo-terminal; for each step waits for `expect` in the output (escape codes
// stripped), then types `keys`. Prints a JSON line {code, output} at the end.
const TERMINAL_DRIVER = `
import os, pty, sys, json, re, time, select, struct, fcntl, termios
argv, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
raw = b''
def text():
    return re.sub(r'\\x1b\\[[0-9;?]*[A-Za-z]', '', raw.decode('utf8', 'replace'))
def pump(timeout):
    global raw
    r, _, _ = select.select([fd], [], [], timeout)
    if not r: return True
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    if not chunk: return False
    raw += chunk
    return True
cursor = 0
for step in steps:
    deadline = time.time() + 20
    while step['expect'] not in text()[cursor:] and time.time() < deadline:
        if not pump(0.1): break
    found = text().find(step['expect'], cursor)
    if found < 0: break
    cursor = found + len(step['expect'])
    time.sleep(0.15)
    os.write(fd, step['keys'].encode())
while pump(0.2): pass
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128, 'output': text()}))
`;

/** One prompt to wait for and the keys to type at it (`\r` is Enter, `\x7f` Backspace). */
export interface TerminalStep {
  expect: string;
  keys: string;
}

/** Runs `gatehouse ...args` in a pseudo-terminal, answering its prompts. */
export function runInTerminal(args: readonly string[], steps: readonly TerminalStep[], options: { databaseUrl: string }): { code: number; output: string } {
  const result = spawnSync('python3', ['-c', TERMINAL_DRIVER, JSON.stringify([process.execPath, CLI, ...args]), JSON.stringify(steps)], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: options.databaseUrl, GATEHOUSE_DEBUG: '' },
    timeout: 60_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as { code: number; output: string };
  } catch {
    throw new Error(`the terminal driver failed: ${result.stderr || result.stdout}`);
  }
}
