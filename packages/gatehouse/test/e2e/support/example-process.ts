/**
 * The example app as a black box: started as a real child process (`node --import tsx
 * example/src/main.ts`), exactly as `npm start` runs it, on a port the OS picks. Its stdout is kept
 * (the start-up banner, the JSON log lines, console mail) so tests can read what it printed and
 * logged; `stop()` sends SIGTERM and waits for the exit code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, workspaceRoot } from '../../support/databases.js';

/** A line of the server's JSON log. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A running example server. */
export interface ExampleProcess {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Every stdout line so far. */
  stdout: string[];
  /** Every stderr line so far. */
  stderr: string[];
  /** The stdout lines that are JSON log entries. */
  logs(): LogLine[];
  /** SIGTERM, then the exit code (null if it had to be killed). */
  stop(): Promise<number | null>;
}

/** A fixed test key (the example refuses short or repetitive ones, as production would). */
export const TEST_SECRET_KEY = 'e2e-test-secret-key-0123456789-abcdefghijklmnop';

/** Every fixture user's password in these tests. */
export const DEMO_PASSWORD = 'demo horse battery 42';

/** Fails with a plain message when the library has not been built (the example imports dist/). */
export function requireBuild(): void {
  const missing = ['dist/core/index.js', 'dist/db/index.js', 'dist/fastify/index.js', 'dist/mail/index.js', 'dist/http/templates/layout.html'].filter(
    (file) => !existsSync(join(repoRoot(), file)),
  );
  if (missing.length > 0) {
    throw new Error(
      `The end-to-end tests run the example app against the built library, and dist/ is incomplete (missing ${missing.join(', ')}): run \`npm run build\` first.`,
    );
  }
}

/** Only what a process needs from ours; none of the example's own variables leak in. */
function baseEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SystemRoot'];
  const out: Record<string, string> = {};
  for (const name of keep) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The environment for a development-mode example on `databaseUrl`. */
export function exampleEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    SECRET_KEY: TEST_SECRET_KEY,
    DEMO_PASSWORD,
    EMAIL_URL: 'memory:',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function spawnExample(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join('example', 'src', 'main.ts')], {
    cwd: workspaceRoot(),
    env: { ...baseEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], onLine?: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      into.push(line);
      onLine?.(line);
    }
  });
  stream?.on('end', () => {
    if (rest !== '') into.push(rest);
  });
}

/** Starts the example and resolves once it prints where it listens. */
export function startExample(env: Record<string, string>, timeoutMs = 45_000): Promise<ExampleProcess> {
  requireBuild();
  const child = spawnExample(env);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<ExampleProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the example did not start within ${timeoutMs} ms.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
    }, timeoutMs);
    collectLines(child.stdout, stdout, (line) => {
      const match = /listening on (http:\/\/\S+?)\/?$/.exec(line);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: match[1],
        stdout,
        stderr,
        logs: () => stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine),
        stop: async () => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
    collectLines(child.stderr, stderr);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited with code ${code} before listening.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
    });
  });
}

/** Runs the example until it exits by itself (a start-up that must fail). */
export async function runExampleToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuild();
  const child = spawnExample(env);
  const stdout: string[] = [];
  const stderr: string[] = [];
  collectLines(child.stdout, stdout);
  collectLines(child.stderr, stderr);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
