#!/usr/bin/env node
// Where a request's CPU goes, route against route: the anatomy of a missed ratio under load.
//
//   node bench/profile-routes.mjs [--db /tmp/…/bench.sqlite3] [--seconds 6] [--connections 50]
//        [--routes /health/,/invoices/:fin,/orders/:alice]
//
// Starts the example (built package, as `npm run bench` does) on `--db` (a database kept by
// `npm run bench -- --keep`) or on a fresh one, logs each `route:user` in through the HTML form,
// warms the route up, then profiles one window of autocannon load per route with V8's sampling
// profiler (bench/profile-preload.mjs, 100 µs between samples). Each sample's time is put in one
// bucket by the function it landed in; the table gives microseconds per request per bucket, and
// each route's difference from the first. Samples are wall time while the thread runs, so on a
// shared machine the totals run a little above the CPU time `npm run bench` reports; compare rows
// within one run. Prints Markdown.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cookieHeader, loginGatehouse } from './http-client.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..');
const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    seconds: { type: 'string', default: '6' },
    connections: { type: 'string', default: '50' },
    routes: { type: 'string', default: '/health/,/invoices/:fin' },
  },
});
// The bench's demo password (scripts/bench.mjs), so a database kept by `npm run bench -- --keep` logs in too.
const PASSWORD = 'bench-Demo-password-2026!';

/** The bucket a sample's function belongs to. */
function bucket(frame) {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return null;
  if (name === '(garbage collector)') return 'garbage collection';
  if (url === '' && ['all', 'get', 'run', 'iterate', 'exec'].includes(name)) return 'SQLite (statements run natively)';
  if (url === '' && ['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String'].includes(name)) return 'socket writes (kernel)';
  if (url === '' && ['Hash', 'digest', 'update', 'Hmac', 'timingSafeEqual'].includes(name)) return 'crypto (SHA-256, HMAC)';
  if (url.includes('/node_modules/kysely/')) return 'Kysely';
  if (url.includes('/gatehouse/dist/') || url.includes('/gatehouse/src/')) return 'gatehouse';
  if (url.includes('/example/src/')) return "the example's own code";
  if (
    /\/node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|pino|abstract-logging|process-warning|rfdc|toad-cache)/.test(url)
  ) {
    return 'Fastify and its plugins';
  }
  if (url.startsWith('node:') || name === 'runMicrotasks' || name === '(program)') return 'Node (HTTP, streams, event loop)';
  if (url === '') return 'Node (HTTP, streams, event loop)';
  return 'other modules';
}

/** Microseconds per request by bucket, from one profile of `requests` requests. */
function breakdown(file, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const key = bucket(nodes.get(profile.samples[i]).callFrame);
    if (key === null) continue;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return new Map([...totals].map(([key, micros]) => [key, micros / requests]));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const workDir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(
  process.execPath,
  ['--import', join(here, 'profile-preload.mjs'), '--import', 'tsx', join(repoRoot, '..', '..', 'example', 'src', 'main.ts')],
  {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${args.db ?? join(workDir, 'db.sqlite3')}`,
      SECRET_KEY: 'profile-secret-key-0123456789-abcdefghijklmnop',
      DEMO_PASSWORD: PASSWORD,
      EMAIL_URL: `file:${join(workDir, 'mail')}`,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      PROFILE_DIR: workDir,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${base}/health/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (tries > 300 || server.exitCode !== null) throw new Error('the example did not start');
    await pause(200);
  }
  const results = [];
  for (const spec of args.routes.split(',')) {
    const [route, user] = spec.split(':');
    const headers = { accept: 'application/json' };
    if (user) headers.cookie = cookieHeader(await loginGatehouse(base, user, PASSWORD));
    const options = { url: `${base}${route}`, connections: Number(args.connections), headers };
    const warm = await autocannon({ ...options, amount: 5000 });
    if (warm.non2xx > 0) throw new Error(`${spec} answered ${warm.non2xx} non-2xx responses`);
    const before = readdirSync(workDir).filter((f) => f.endsWith('.cpuprofile')).length;
    server.kill('SIGUSR2');
    await pause(300);
    const load = await autocannon({ ...options, duration: Number(args.seconds) });
    server.kill('SIGUSR2');
    for (let tries = 0; readdirSync(workDir).filter((f) => f.endsWith('.cpuprofile')).length === before; tries++) {
      if (tries > 100) throw new Error('no profile was written');
      await pause(100);
    }
    results.push({ spec, requests: load.requests.total, perBucket: breakdown(join(workDir, `${before + 1}.cpuprofile`), load.requests.total) });
  }
  const buckets = [...new Set(results.flatMap((r) => [...r.perBucket.keys()]))];
  const total = (r) => [...r.perBucket.values()].reduce((a, b) => a + b, 0);
  buckets.sort((a, b) => (results.at(-1).perBucket.get(b) ?? 0) - (results.at(-1).perBucket.get(a) ?? 0));
  const fmt = (n) => (n ?? 0).toFixed(1);
  const label = (spec) => {
    const [route, user] = spec.split(':');
    return user ? `\`GET ${route}\` as ${user}` : `\`GET ${route}\``;
  };
  const head = ['bucket (µs per request)', ...results.map((r) => label(r.spec))];
  const lines = [`| ${head.join(' | ')} |`, `|---|${results.map(() => '--:').join('|')}|`];
  for (const key of buckets) {
    const first = results[0].perBucket.get(key) ?? 0;
    lines.push(
      `| ${key} | ${results.map((r, i) => (i === 0 ? fmt(r.perBucket.get(key)) : `${fmt(r.perBucket.get(key))} (${(r.perBucket.get(key) ?? 0) - first >= 0 ? '+' : ''}${fmt((r.perBucket.get(key) ?? 0) - first)})`)).join(' | ')} |`,
    );
  }
  lines.push(
    `| **total** | ${results.map((r, i) => (i === 0 ? `**${fmt(total(r))}**` : `**${fmt(total(r))}** (+${fmt(total(r) - total(results[0]))})`)).join(' | ')} |`,
  );
  lines.push(`| requests profiled | ${results.map((r) => r.requests).join(' | ')} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  server.kill('SIGTERM');
  await pause(500);
  rmSync(workDir, { recursive: true, force: true });
}
