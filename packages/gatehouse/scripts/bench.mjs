#!/usr/bin/env node
// `npm run bench`: one run, on loopback, measuring
//   1. the example app (gatehouse on Fastify): a bare public route, a session-authenticated route,
//      a permission-checked route, an object-rule route and the rule-filtered orders list over 100k
//      orders — requests/s, p50/p99, ratio to the bare route;
//   2. a peer app with the same routes on Express 5 + passport-local + express-session (SQLite
//      store) + a hand-written permission check (bench/peer/), over the same database file; and
//      the same routes on gatehouse/express (bench/express/), the example's services on Express;
//   3. logins per second, and the p99 of authenticated GETs while a login storm runs;
//   4. session lookup and hasPerm at 10k, 100k and 1M users and sessions, on SQLite and PostgreSQL
//      (bench/scale.ts; PostgreSQL is a throwaway server, see scripts/pg.mjs);
// and writes bench/results/<date>-bench.md and bench/results/latest.md: the machine, a table per
// section, the ratios, and each target with met/missed.
//
//   npm run bench                      the full run (several minutes)
//   npm run bench -- --smoke           a tiny run for CI (also BENCH_SMOKE=1): well under a minute,
//                                      SQLite only; writes *-bench-smoke.md and latest-smoke.md
//   options: --no-build (never build; by default it builds when dist/ is older than src/),
//            --no-pg, --keep (keep the temp folder), --only=routes,storm,scale (sections to run),
//            --seconds=N --rounds=N --connections=N, --sizes=10000,100000 (scale steps)
//
// Exits non-zero when something breaks (an app does not start, a measured route answers anything
// but 2xx, a login fails), never because a target is missed. All load stays on 127.0.0.1 and every
// load is bounded in connections and time.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Sqlite from 'better-sqlite3';
import { cookieHeader, loginGatehouse, loginPeer } from '../bench/http-client.mjs';
import { ThrowawayPostgres, findPostgresBin, freePort } from './pg.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
// The example app lives beside the package, at the repository's root.
const exampleMain = join(repoRoot, '..', '..', 'example', 'src', 'main.ts');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const smoke = flag('smoke') || process.env.BENCH_SMOKE === '1';
const only = new Set((argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? 'routes,storm,scale').split(','));

/**
 * Everything that sizes the run. The smoke run exercises every code path, briefly. autocannon
 * runs in whole seconds (it rounds a fraction up), so durations here are whole.
 */
const plan = smoke
  ? {
      connections: 20,
      warmupRequests: 0,
      seconds: 1,
      rounds: 1,
      orders: 1_000,
      benchUsers: 50,
      aliceOrders: 10,
      stormSeconds: 1,
      stormClients: 8,
      stormGetConnections: 5,
      stormGetRate: 200,
      scaleSizes: [10_000],
      scaleSamples: 300,
      scaleRounds: 2,
      postgres: false,
    }
  : {
      connections: 50,
      warmupRequests: 3_000,
      seconds: 5,
      rounds: 3,
      orders: 100_000,
      benchUsers: 1_000,
      aliceOrders: 25,
      stormSeconds: 10,
      stormClients: 16,
      stormGetConnections: 10,
      stormGetRate: 500,
      scaleSizes: [10_000, 100_000, 1_000_000],
      scaleSamples: 3_000,
      scaleRounds: 5,
      postgres: !flag('no-pg'),
    };

// Overrides for trying things out: --seconds=N --rounds=N --connections=N.
for (const key of ['seconds', 'rounds', 'connections']) {
  const given = argv.find((a) => a.startsWith(`--${key}=`));
  if (given) plan[key] = Number(given.slice(key.length + 3));
}
const givenSizes = argv.find((a) => a.startsWith('--sizes='));
if (givenSizes) plan.scaleSizes = givenSizes.slice('--sizes='.length).split(',').map(Number);

const DEMO_PASSWORD = 'bench-Demo-password-2026!';
const SECRET_KEY = 'bench-secret-key-0123456789-abcdefghijklmnop';
/** How many orders a list page shows; the peer is told the same number (the example's page size). */
const ORDER_LIST_LIMIT = 200;

/** Problems that make the run fail (exit 1); the report lists them too. */
const failures = [];
const children = new Set();
let workDir;
let postgres;

const startedAt = Date.now();
function log(message) {
  process.stdout.write(`[bench +${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Starts `node <args>` from the repository root. Output goes to `<name>.log` in the work folder,
 * or is passed through (`output: 'inherit'`) or collected (`output: 'capture'`, in `handle.stdout`).
 */
function startProcess(name, args, env = {}, { output = 'log' } = {}) {
  const logFile = join(workDir, `${name}.log`);
  let stdio;
  let fd = null;
  if (output === 'log') {
    fd = openSync(logFile, 'a');
    stdio = ['ignore', fd, fd];
  } else if (output === 'inherit') {
    stdio = ['ignore', 'inherit', 'inherit'];
  } else {
    stdio = ['ignore', 'pipe', 'pipe'];
  }
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio });
  if (fd !== null) closeSync(fd);
  const handle = { name, child, logFile, exitCode: null, stdout: '', stderr: '' };
  if (output === 'capture') {
    child.stdout.on('data', (chunk) => {
      handle.stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      handle.stderr += chunk;
    });
  }
  handle.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      handle.exitCode = code ?? signal;
      children.delete(handle);
      resolve(handle.exitCode);
    });
  });
  children.add(handle);
  return handle;
}

/** A TypeScript entry point run through tsx. */
const tsx = (script, ...rest) => ['--import', 'tsx', script, ...rest];

function logTail(handle, lines = 30) {
  try {
    return readFileSync(handle.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until `url` answers 200, or fails when the process ends first or `seconds` pass. */
async function waitUntilHealthy(handle, url, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (handle.exitCode !== null) throw new Error(`${handle.name} exited (${handle.exitCode}) before answering:\n${logTail(handle)}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${handle.name} did not answer ${url} within ${seconds} s:\n${logTail(handle)}`);
}

/** SIGTERM, then SIGKILL after a grace period. */
async function stopProcess(handle) {
  if (handle.exitCode !== null) return;
  handle.child.kill('SIGTERM');
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), 5000);
  await handle.exited;
  clearTimeout(timer);
}

function stopEverythingNow() {
  for (const handle of children) {
    try {
      handle.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  postgres?.stop();
}

// ---------------------------------------------------------------------------------------------
// The shared database

function exampleEnv(port, databaseFile) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${databaseFile}`,
    SECRET_KEY,
    DEMO_PASSWORD,
    EMAIL_URL: `file:${join(workDir, 'mail')}`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  };
}

/**
 * Starts the example once on a fresh file (it migrates and loads the fixture users), then adds
 * the bench's bulk: extra users with alice's password hash (for the login storm) and the orders,
 * alice owning `aliceOrders` of them, straight through better-sqlite3 in one transaction.
 */
async function prepareDatabase(databaseFile) {
  const port = await freePort();
  const first = startProcess('example-setup', tsx(exampleMain), exampleEnv(port, databaseFile));
  await waitUntilHealthy(first, `http://127.0.0.1:${port}/health/`);
  await stopProcess(first);

  const db = new Sqlite(databaseFile);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const alice = db.prepare('select id, password from auth_user where username = ?').get('alice');
  if (!alice) throw new Error('the example did not create the fixture user alice');
  const regular = db.prepare('select id from auth_group where name = ?').get('Regular User');
  const now = Date.now();
  const usernames = [];
  db.transaction(() => {
    const insertUser = db.prepare(
      `insert into auth_user (username, email, password, first_name, last_name, is_active, is_staff, is_superuser, last_login, date_joined, auth_epoch)
       values (?, ?, ?, '', '', 1, 0, 0, null, ?, 0)`,
    );
    const insertMember = db.prepare('insert into auth_user_groups (user_id, group_id) values (?, ?)');
    const ownerIds = [];
    for (let i = 1; i <= plan.benchUsers; i++) {
      const username = `bench${String(i).padStart(5, '0')}`;
      const { lastInsertRowid } = insertUser.run(username, `${username}@example.com`, alice.password, now);
      if (regular) insertMember.run(lastInsertRowid, regular.id);
      ownerIds.push(Number(lastInsertRowid));
      usernames.push(username);
    }
    const insertOrder = db.prepare('insert into shop_order (owner_id, item, amount_cents, created_at) values (?, ?, ?, ?)');
    const aliceEvery = Math.floor(plan.orders / plan.aliceOrders);
    for (let n = 1; n <= plan.orders; n++) {
      const owner = n % aliceEvery === 0 ? alice.id : ownerIds[n % ownerIds.length];
      insertOrder.run(owner, `Item #${n}`, 100 + ((n * 7919) % 100_000), now - n * 60_000);
    }
  })();
  // A personal API token for fin, as `gatehouse tokens create fin` would store it (only its
  // SHA-256): the bearer route is fin's /invoices/ without a cookie.
  const finToken = `gh_${randomBytes(32).toString('base64url')}`;
  const fin = db.prepare('select id from auth_user where username = ?').get('fin');
  db.prepare('insert into gh_api_token (user_id, name, token_hash, prefix, permissions, created_at, expires_at) values (?, ?, ?, ?, null, ?, null)').run(
    fin.id,
    'bench',
    createHash('sha256').update(finToken).digest('hex'),
    finToken.slice(0, 10),
    now,
  );
  db.exec('analyze');
  const counts = {
    users: db.prepare('select count(*) as n from auth_user').get().n,
    orders: db.prepare('select count(*) as n from shop_order').get().n,
    aliceOrders: db.prepare('select count(*) as n from shop_order where owner_id = ?').get(alice.id).n,
  };
  db.close();
  return { usernames, counts, finToken };
}

// ---------------------------------------------------------------------------------------------
// Load

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); null elsewhere.
 * Per request, it is a steadier figure than requests/s on a shared machine: it does not count
 * the time the server waited for a core.
 */
function cpuMillis(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * One autocannon run; returns its summary, with the server's CPU time per request when `pid` is
 * given. Any non-2xx answer or socket error is a failure.
 */
async function load(label, options, pid) {
  const cpuBefore = pid ? cpuMillis(pid) : null;
  const result = await autocannon({ connections: plan.connections, ...options });
  const cpuAfter = pid ? cpuMillis(pid) : null;
  const summary = {
    cpuMicrosPerRequest: cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1000) / result.requests.total : null,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  if (summary.non2xx > 0 || summary.errors > 0 || summary.total === 0) {
    failures.push(
      `${label}: ${summary.non2xx} non-2xx answers, ${summary.errors} errors/timeouts out of ${summary.total} (status codes: ${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  return summary;
}

/** Checks one request by hand before loading a route, so a wrong setup fails loudly and early. */
async function checkRoute(label, url, headers) {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${label}: GET ${url} gave ${response.status} (${body.slice(0, 200)})`);
  return body;
}

const routes = [
  { key: 'bare', path: '/health/', user: null, what: 'public, constant body' },
  // The same public route with a logged-in browser's cookie: it costs a session query only if
  // the route reads the session (issue 14: public routes load it lazily).
  { key: 'bareCookie', path: '/health/', user: 'alice', what: 'public, with a session cookie', public: true },
  { key: 'session', path: '/dashboard/', user: 'alice', what: 'logged in (session + user lookup)' },
  { key: 'permission', path: '/invoices/', user: 'fin', what: 'billing.view_invoice, lists 3 invoices' },
  { key: 'object', path: '/orders/1/', user: 'alice', what: 'object rule: owner or shop.view_all_orders' },
  { key: 'list', path: '/orders/', user: 'alice', what: `rule-filtered list over the orders, ${ORDER_LIST_LIMIT} per page` },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * fin's `/invoices/` with a bearer API token instead of the session cookie, on gatehouse (Fastify)
 * only (the peer has no tokens): issue 12 wants it to cost no more than the session route.
 */
const tokenRoute = { key: 'token', path: '/invoices/', user: 'fin', what: 'billing.view_invoice with a bearer API token (no cookie)' };

async function runRoutes(apps, finToken) {
  const results = {};
  for (let round = 0; round < plan.rounds; round++) {
    for (const route of routes) {
      // Alternate which app goes first, so neither always meets the warmer machine.
      const order = round % 2 === 0 ? apps : [...apps].reverse();
      for (const app of order) {
        const url = `${app.base}${route.path}`;
        const headers = route.user ? { cookie: app.cookies[route.user], accept: 'application/json' } : { accept: 'application/json' };
        if (round === 0) app.bodies[route.key] = await checkRoute(`${app.name} ${route.path}`, url, headers);
        if (plan.warmupRequests > 0) await autocannon({ url, headers, connections: plan.connections, amount: plan.warmupRequests });
        const summary = await load(`${app.name} ${route.path}`, { url, headers, duration: plan.seconds }, app.handle.child.pid);
        results[app.key] ??= {};
        results[app.key][route.key] ??= [];
        results[app.key][route.key].push(summary);
        log(
          `round ${round + 1}/${plan.rounds} ${app.name.padEnd(9)} ${route.path.padEnd(12)} ${summary.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${summary.p50} ms  p99 ${summary.p99} ms  server CPU ${fmt(summary.cpuMicrosPerRequest)} µs/req`,
        );
        // Right after gatehouse's own cookie run of the same route: the same process, the same
        // state of the shared database file (the peer writes its sessions on every request).
        const gatehouse = app;
        if (route.key === 'permission' && app.key === 'example' && finToken) {
          const url = `${gatehouse.base}${tokenRoute.path}`;
          const headers = { authorization: `Bearer ${finToken}`, accept: 'application/json' };
          if (round === 0) gatehouse.bodies[tokenRoute.key] = await checkRoute(`${gatehouse.name} ${tokenRoute.path} (bearer)`, url, headers);
          if (plan.warmupRequests > 0) await autocannon({ url, headers, connections: plan.connections, amount: plan.warmupRequests });
          const summary = await load(`${gatehouse.name} ${tokenRoute.path} (bearer)`, { url, headers, duration: plan.seconds }, gatehouse.handle.child.pid);
          results[gatehouse.key] ??= {};
          results[gatehouse.key][tokenRoute.key] ??= [];
          results[gatehouse.key][tokenRoute.key].push(summary);
          log(
            `round ${round + 1}/${plan.rounds} ${gatehouse.name.padEnd(9)} ${'bearer /invoices/'.padEnd(12)} ${summary.requestsPerSecond.toFixed(0).padStart(6)} req/s  server CPU ${fmt(summary.cpuMicrosPerRequest)} µs/req`,
          );
        }
      }
    }
  }
  // Per app and route: the round with the median throughput (its latencies with it).
  const picked = {};
  for (const [appKey, byRoute] of Object.entries(results)) {
    picked[appKey] = {};
    for (const [routeKey, rounds] of Object.entries(byRoute)) {
      const mid = median(rounds.map((r) => r.requestsPerSecond));
      const cpus = rounds.map((r) => r.cpuMicrosPerRequest).filter((c) => c !== null);
      picked[appKey][routeKey] = {
        ...rounds.find((r) => r.requestsPerSecond === mid),
        rounds: rounds.map((r) => r.requestsPerSecond),
        cpu: cpus.length > 0 ? median(cpus) : null,
      };
    }
  }
  return picked;
}

/** Authenticated GETs at a fixed rate, alone and then during a login storm. */
async function runStorm(app, usernames, stormKind) {
  const url = `${app.base}/dashboard/`;
  const headers = { cookie: app.cookies.alice, accept: 'application/json' };
  const getOptions = { url, headers, connections: plan.stormGetConnections, overallRate: plan.stormGetRate, duration: plan.stormSeconds };
  const alone = await load(`${app.name} GET /dashboard/ (no storm)`, getOptions);
  const stormOptions = {
    base: app.base,
    kind: stormKind,
    usernames,
    password: DEMO_PASSWORD,
    concurrency: plan.stormClients,
    durationMs: (plan.stormSeconds + 1.5) * 1000,
  };
  const storm = startProcess(`${app.key}-storm`, ['bench/login-storm.mjs', JSON.stringify(stormOptions)], {}, { output: 'capture' });
  await new Promise((r) => setTimeout(r, 1000)); // let the storm reach full speed
  const during = await load(`${app.name} GET /dashboard/ (during the login storm)`, getOptions);
  const code = await storm.exited;
  let logins;
  try {
    logins = JSON.parse(storm.stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new Error(`the login storm against ${app.name} printed no result (exit ${code}): ${storm.stderr}`);
  }
  if (code !== 0 || logins.failures > 0 || logins.logins === 0) {
    failures.push(`login storm against ${app.name}: ${logins.logins} logins, ${logins.failures} failed ${JSON.stringify(logins.errors)}`);
  }
  log(`${app.name}: ${logins.loginsPerSecond.toFixed(1)} logins/s; GET /dashboard/ p99 ${alone.p99} ms alone, ${during.p99} ms during the storm`);
  return { alone, during, logins };
}

// ---------------------------------------------------------------------------------------------
// Scale (bench/scale.ts in its own process)

async function runScale() {
  const env = {};
  let pgNote = 'PostgreSQL: not measured (smoke run)';
  if (plan.postgres) {
    const bin = findPostgresBin();
    if (bin === undefined) {
      pgNote = 'PostgreSQL: skipped, no server binaries (apt-get install postgresql-15)';
    } else {
      // A production-like buffer cache; the rest of the server's settings are scripts/pg.mjs's.
      postgres = new ThrowawayPostgres(bin, ['shared_buffers=512MB']);
      env.BENCH_PG_URL = await postgres.start();
      pgNote = `PostgreSQL ${postgres.version()}: throwaway server on 127.0.0.1, fsync off, shared_buffers 512MB`;
    }
  }
  const jsonFile = join(workDir, 'scale.json');
  const args = tsx(
    'bench/scale.ts',
    '--sizes',
    plan.scaleSizes.join(','),
    '--samples',
    String(plan.scaleSamples),
    '--rounds',
    String(plan.scaleRounds),
    '--json',
    jsonFile,
    '--dir',
    workDir,
  );
  const code = await startProcess('scale', args, env, { output: 'inherit' }).exited;
  postgres?.stop();
  postgres = undefined;
  if (code !== 0) throw new Error(`bench/scale.ts exited with ${code}`);
  return { ...JSON.parse(readFileSync(jsonFile, 'utf8')), pgNote };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '–' : Number(n).toFixed(digits));
const size = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const verdict = (ok) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');

function machine() {
  const cpu = cpus();
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', '../../example', 'bench'], { cwd: repoRoot, encoding: 'utf8' });
  return {
    cpus: `${cpu.length} × ${cpu[0]?.model?.trim() ?? 'unknown CPU'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    os: `${process.platform} ${release()}`,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
    commit: git.status === 0 ? `${git.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes' : ''}` : 'unknown',
  };
}

/** Whether two apps answered each route with the same JSON, for the report. */
function sameBodies([a, b]) {
  const parse = (text) => {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  };
  const differing = routes.filter((r) => parse(a.bodies[r.key]) !== parse(b.bodies[r.key])).map((r) => r.path);
  const sizes = routes.map((r) => `${r.path} ${a.bodies[r.key].length}`).join(', ');
  return differing.length === 0
    ? `their bodies are identical on every route (bytes: ${sizes}).`
    : `their bodies differ on ${differing.join(', ')} (bytes, gatehouse: ${sizes}).`;
}

function report({ started, host, db, routeResults, anatomy, profile, apps, storm, scale }) {
  const lines = [];
  const push = (...l) => lines.push(...l);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  push(`# gatehouse benchmark${smoke ? ' (smoke run: tiny sizes, figures meaningless)' : ''}`, '');
  push(`Run ${new Date(started).toISOString()}, ${seconds} s. Commit ${host.commit}.`, '');
  push(
    `**Machine**: ${host.cpus}, ${host.memory} RAM, ${host.os}, Node ${host.node}; load average at start ${host.load}.`,
    '',
    "> **Shared, noisy machine.** It has 2 cores, shared during this run with other agents' work, and the load generator " +
      '(autocannon, in this process) runs on the same 2 cores as the server it loads. Absolute figures are low and vary from ' +
      'run to run; compare only figures within one run. Everything runs on 127.0.0.1.',
    '',
  );
  const targets = [];

  if (routeResults) {
    const gh = routeResults.example;
    const peer = routeResults.peer;
    push(
      '## 1–2. Routes: the example (gatehouse + Fastify 5) and the Express peer',
      '',
      `autocannon, ${plan.connections} connections, ${plan.rounds} round(s) × ${plan.seconds} s per route per app after a warm-up of ${plan.warmupRequests} requests, ` +
        'apps alternating; each cell is the round with the median throughput. ' +
        `Both apps read one SQLite file (WAL): ${db.counts.users} users, ${db.counts.orders} orders (alice owns ${db.counts.aliceOrders}). ` +
        'The example: the `gatehouse/fastify` plugin (session, CSRF, headers, declared access on every route). ' +
        'The peer (bench/peer/): Express 5, passport-local, express-session with better-sqlite3-session-store, a hand-written ' +
        "permission query per request. Latencies in ms (autocannon resolves whole milliseconds). CPU = the server process's " +
        'CPU time per request (median of the rounds), steadier than req/s on a shared machine.',
      '',
      '| route | access | gatehouse req/s | p50 | p99 | CPU µs/req | × bare | peer req/s | p50 | p99 | CPU µs/req | × bare | gatehouse ÷ peer |',
      '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const route of routes) {
      const a = gh[route.key];
      const b = peer[route.key];
      push(
        `| \`GET ${route.path}\`${route.user ? ` as ${route.user}` : ''} | ${route.what} | ${fmt(a.requestsPerSecond)} | ${a.p50} | ${a.p99} | ${fmt(a.cpu)} | ${fmt(a.requestsPerSecond / gh.bare.requestsPerSecond, 2)} | ` +
          `${fmt(b.requestsPerSecond)} | ${b.p50} | ${b.p99} | ${fmt(b.cpu)} | ${fmt(b.requestsPerSecond / peer.bare.requestsPerSecond, 2)} | ${fmt(a.requestsPerSecond / b.requestsPerSecond, 2)} |`,
      );
    }
    push(
      '',
      `Both apps answer every measured route with JSON (\`Accept: application/json\`); ${sameBodies(apps)} ` +
        `Throughput per round (req/s): ${routes.map((r) => `${r.path} ${gh[r.key].rounds.map((v) => fmt(v)).join(', ')} / ${peer[r.key].rounds.map((v) => fmt(v)).join(', ')}`).join('; ')}.`,
      '',
    );
    const ex = routeResults.express;
    if (ex) {
      push(
        '### gatehouse on Express (bench/express/)',
        '',
        "The same routes on `gatehouse/express` and Express 5 (bench/express/server.ts): the example's services, database, configuration " +
          'and queries, each route declared with a guard first, the account views mounted (the bench logs in through them). Measured in the ' +
          `same rounds as the two above; ${sameBodies([apps[0], apps[2]]).replace('their bodies', "its bodies and the example's")}`,
        '',
        '| route | req/s | p50 | p99 | CPU µs/req | × bare | ÷ peer | ÷ gatehouse on Fastify |',
        '|---|--:|--:|--:|--:|--:|--:|--:|',
      );
      for (const route of routes) {
        const e = ex[route.key];
        push(
          `| \`GET ${route.path}\`${route.user ? ` as ${route.user}` : ''} | ${fmt(e.requestsPerSecond)} | ${e.p50} | ${e.p99} | ${fmt(e.cpu)} | ${fmt(e.requestsPerSecond / ex.bare.requestsPerSecond, 2)} | ` +
            `${fmt(e.requestsPerSecond / peer[route.key].requestsPerSecond, 2)} | ${fmt(e.requestsPerSecond / gh[route.key].requestsPerSecond, 2)} |`,
        );
      }
      push('', `Throughput per round (req/s): ${routes.map((r) => `${r.path} ${ex[r.key].rounds.map((v) => fmt(v)).join(', ')}`).join('; ')}.`, '');
    }
    if (anatomy) {
      const bare = gh.bare.cpu;
      const sum = bare + anatomy.sessionLoad + anatomy.firstHasPerm + anatomy.invoicesQuery;
      push(
        "### Where the permission-checked request's time goes (gatehouse, server CPU per request)",
        '',
        'bench/anatomy.ts times each piece of work `GET /invoices/` adds to the bare route on its own, on the same database ' +
          'file once the apps have stopped (CPU time per call, best of 5 rounds):',
        '',
        '| piece | CPU µs |',
        '|---|--:|',
        `| the bare route \`GET /health/\` (Fastify, the gatehouse plugin's hooks, helmet headers), measured above | ${fmt(bare)} |`,
        `| + session and user lookup (\`sessions.load\`: SHA-256 of the id, one joined query, on an analyzed database) | ${fmt(anatomy.sessionLoad)} |`,
        `| + \`hasPerm\` on the loaded user (warm: the per-process cache, validated against the versions the lookup read) | ${fmt(anatomy.firstHasPerm)} |`,
        `| + the route's own query (3 invoices, compiled once, run through Kysely) | ${fmt(anatomy.invoicesQuery)} |`,
        `| = expected for \`GET /invoices/\` | ${fmt(sum)} |`,
        `| measured under load above | ${fmt(gh.permission.cpu)} |`,
        '',
        `For reference, one primary-key lookup straight through better-sqlite3 costs ${fmt(anatomy.primaryKeyLookup, 1)} µs of CPU on this machine. ` +
          `At 0.8× the bare route's throughput a permission-checked request could add only a quarter of the bare route's cost, ${fmt(bare / 4)} µs here.`,
        '',
      );
    }
    if (profile) {
      push(
        '### Where the time goes under load (a CPU profile per route)',
        '',
        "The pieces above cost less on their own than under load, where each request's work runs between other requests' and finds " +
          "the CPU's caches cold. bench/profile-routes.mjs starts the example once more on the same file, loads each route like the " +
          "rounds above, and samples the server with V8's profiler every 100 µs during one window per route. Each sample is put in one " +
          'bucket by the function it landed in; figures are µs per request (wall time while the thread runs, so a little above the CPU ' +
          'time above), with the difference from the bare route in brackets.',
        '',
        profile,
        '',
      );
    }
    if (gh.token) {
      const ratio = gh.token.requestsPerSecond / gh.permission.requestsPerSecond;
      const cpuRatio = gh.token.cpu && gh.permission.cpu ? gh.permission.cpu / gh.token.cpu : null;
      push(
        '### A bearer API token against the session cookie (gatehouse on Fastify)',
        '',
        `fin's \`GET /invoices/\` with \`Authorization: Bearer gh_…\` and no cookie: ${fmt(gh.token.requestsPerSecond)} req/s, CPU ${fmt(gh.token.cpu)} µs/req; ` +
          `with the session cookie (above): ${fmt(gh.permission.requestsPerSecond)} req/s, CPU ${fmt(gh.permission.cpu)} µs/req. ` +
          `Token ÷ session: ${fmt(ratio, 2)}× by req/s${cpuRatio !== null ? `, ${fmt(cpuRatio, 2)}× by server CPU per request` : ''}. ` +
          `Rounds (req/s): ${gh.token.rounds.map((v) => fmt(v)).join(', ')}.`,
        '',
      );
      targets.push({
        target: 'a bearer-token request costs no more than a cookie session request (≥ 0.95× its req/s)',
        measured: `${fmt(ratio, 2)}×`,
        ok: ratio >= 0.95,
      });
    }
    const permissionRatio = gh.permission.requestsPerSecond / gh.bare.requestsPerSecond;
    const permissionCpuRatio = gh.bare.cpu && gh.permission.cpu ? gh.bare.cpu / gh.permission.cpu : null;
    targets.push({
      target: 'permission-checked request ≥ 0.8× the bare route (gatehouse)',
      measured: `${fmt(permissionRatio, 2)}× by req/s${permissionCpuRatio !== null ? ` (${fmt(permissionCpuRatio, 2)}× by server CPU per request)` : ''}`,
      ok: permissionRatio >= 0.8,
    });
    if (gh.bare.cpu && gh.permission.cpu) {
      const cpuTimes = gh.permission.cpu / gh.bare.cpu;
      targets.push({
        target: 'server CPU per permission-checked request ≤ 1.3× the bare route (gatehouse)',
        measured: `${fmt(cpuTimes, 2)}× (${fmt(gh.permission.cpu)} µs ÷ ${fmt(gh.bare.cpu)} µs)`,
        ok: cpuTimes <= 1.3,
      });
    }
    const authRoutes = routes.filter((r) => r.key !== 'bare' && !r.public);
    const peerRatios = authRoutes.map((r) => ({ path: r.path, ratio: gh[r.key].requestsPerSecond / peer[r.key].requestsPerSecond }));
    targets.push({
      target: '≥ 2× the Express/Passport peer on the same routes (each authenticated route)',
      measured: peerRatios.map((p) => `${p.path} ${fmt(p.ratio, 2)}×`).join(', '),
      ok: peerRatios.every((p) => p.ratio >= 2),
    });
    if (ex) {
      const expressRatios = authRoutes.map((r) => ({ path: r.path, ratio: ex[r.key].requestsPerSecond / peer[r.key].requestsPerSecond }));
      targets.push({
        target: 'gatehouse on Express beats the Express/Passport peer on the same routes (each authenticated route)',
        measured: expressRatios.map((p) => `${p.path} ${fmt(p.ratio, 2)}×`).join(', '),
        ok: expressRatios.every((p) => p.ratio > 1),
      });
    }
  }

  if (storm) {
    push(
      '## 3. Logins, and authenticated GETs during a login storm',
      '',
      `${plan.stormClients} clients log in back to back for ${plan.stormSeconds + 1.5} s (a separate process; each login as a new browser: gatehouse GET form + POST with ` +
        "the CSRF token, the peer one POST), as the bench users, whose password hash is the fixture users' argon2id (m=19 MiB, t=2). " +
        `Meanwhile autocannon sends \`GET /dashboard/\` as alice at a fixed ${plan.stormGetRate} req/s over ${plan.stormGetConnections} connections ` +
        '(latency corrected for coordinated omission), measured the same way without the storm first.',
      '',
      '| app | logins/s | login p50 / p99 (ms) | GET p50 / p99 alone (ms) | GET p50 / p99 during the storm (ms) | GETs served during the storm (req/s) |',
      '|---|--:|--:|--:|--:|--:|',
    );
    for (const [name, s] of Object.entries(storm)) {
      push(
        `| ${name} | ${fmt(s.logins.loginsPerSecond, 1)} | ${fmt(s.logins.latencyMs.p50)} / ${fmt(s.logins.latencyMs.p99)} | ${s.alone.p50} / ${s.alone.p99} | ` +
          `${s.during.p50} / ${s.during.p99} | ${fmt(s.during.requestsPerSecond)} |`,
      );
    }
    push('');
    const p99 = storm.gatehouse.during.p99;
    targets.push({ target: 'p99 of authenticated GETs during a login storm < 50 ms (gatehouse)', measured: `${p99} ms`, ok: p99 < 50 });
  }

  if (scale) {
    push(
      '## 4. Scale: session lookup and hasPerm with the user base growing',
      '',
      'bench/scale.ts seeds one database per size (one session per user, every user in one of 4 groups, every 20th with a direct grant) ' +
        `and measures the sizes in turns, ${scale.rounds ?? 1} rounds of calls made one at a time, users drawn at random over the whole population ` +
        `(${scale.samples} samples per size), so that other work on the machine falls on every size alike. ` +
        'Session lookup = `sessions.load(id)`: hash the id, one query joining session and user, expiry/epoch checks. ' +
        `hasPerm cold = the first \`hasPerm\` on a freshly loaded user (one grant query); cached = later calls on the same \`User\`. ` +
        `p50 = the median of the rounds' p50s; p99 over all samples. ${scale.pgNote}.`,
      '',
      '| database | users + sessions | seeded in (s) | session lookup p50 / p99 (µs) | hasPerm cold p50 / p99 (µs) | hasPerm cached, best run (ns) |',
      '|---|--:|--:|--:|--:|--:|',
    );
    for (const database of scale.databases) {
      for (const step of database.steps) {
        push(
          `| ${database.version} | ${step.users.toLocaleString('en-US')} | ${fmt(step.seedSeconds, 1)} | ${fmt(step.sessionLoad.p50, 1)} / ${fmt(step.sessionLoad.p99, 1)} | ` +
            `${fmt(step.hasPermCold.p50, 1)} / ${fmt(step.hasPermCold.p99, 1)} | ${fmt(step.hasPermCachedNs)} |`,
        );
      }
    }
    push('');
    const flatLimit = 1.5;
    for (const database of scale.databases) {
      const first = database.steps[0];
      const last = database.steps[database.steps.length - 1];
      if (!first || !last || first === last) {
        targets.push({
          target: `session lookup and cached hasPerm flat from 10k to 1M users (${database.name})`,
          measured: 'only one size measured',
          ok: null,
        });
        continue;
      }
      const session = last.sessionLoad.p50 / first.sessionLoad.p50;
      const cached = last.hasPermCachedNs / first.hasPermCachedNs;
      const cold = last.hasPermCold.p50 / first.hasPermCold.p50;
      push(
        `${database.name}, ${last.users.toLocaleString('en-US')} ÷ ${first.users.toLocaleString('en-US')} users (p50): session lookup ${fmt(session, 2)}×, ` +
          `hasPerm cached ${fmt(cached, 2)}×, hasPerm cold ${fmt(cold, 2)}×.`,
        '',
      );
      targets.push({
        target: `session lookup and cached hasPerm flat from ${size(first.users)} to ${size(last.users)} users, ${database.name} (p50 ${size(last.users)}÷${size(first.users)} ≤ ${flatLimit})`,
        measured: `session ${fmt(session, 2)}×, cached hasPerm ${fmt(cached, 2)}×`,
        ok: session <= flatLimit && cached <= flatLimit,
      });
      const worstCached = Math.max(...database.steps.map((step) => step.hasPermCachedNs));
      targets.push({
        target: `warm hasPerm ≤ 1 µs at every size, ${database.name}`,
        measured: `at most ${fmt(worstCached)} ns`,
        ok: worstCached <= 1000,
      });
      if (database.name.startsWith('SQLite')) {
        const worstSession = Math.max(...database.steps.map((step) => step.sessionLoad.p50));
        targets.push({
          target: `session + versions lookup ≤ 20 µs at every size, ${database.name} (p50 of an awaited \`sessions.load\`)`,
          measured: `at most ${fmt(worstSession, 1)} µs`,
          ok: worstSession <= 20,
        });
      }
    }
  }

  if (routeResults || storm) {
    push(
      '## Notes',
      '',
      '- Per authenticated request, gatehouse reads the session joined with its user and the two authorization versions (one query; `last_seen_at` ' +
        "is written at most once a minute); a permission check is then answered by the per-process cache when the user's set was stored under " +
        'exactly those versions, else by one grant query. A revoked session or permission is seen by the very next request on every instance, ' +
        'because the versions are read on every request.',
      "- Per authenticated request, the peer reads its session (express-session + better-sqlite3-session-store), writes the session's expiry back " +
        "(express-session's `touch`, on every request with this store), reads the user (passport's `deserializeUser`) and, on the first check, " +
        "the user's permissions (one query). Both then run the same route query and answer the same JSON. The peer's queries are " +
        "better-sqlite3 prepared statements (the cheapest way there is); the example's are compiled once and run through Kysely's executor " +
        "(gatehouse's own hot reads skip it on SQLite), a few microseconds more per query.",
      '- Password hashing: gatehouse computes at most `passwordHashConcurrency` hashes at once (default: the cores less one, at least 1; ' +
        `${Math.max(1, cpus().length - 1)} here) and queues the rest, so a login storm leaves a core to the event loop. The peer hashes as many at once as libuv's ` +
        'thread pool allows (4).',
      "- The bare route is the example's own `/health/`: it passes through the whole gatehouse plugin (session hook without a cookie, " +
        'declared-access guard, helmet headers, the response hook), so the ratios measure what an authenticated request adds to that.',
      '',
    );
  }
  const body = lines;
  const head = [];
  head.push('## Targets', '', '| target | measured | |', '|---|---|---|');
  for (const t of targets) head.push(`| ${t.target} | ${t.measured} | ${verdict(t.ok)} |`);
  head.push('');
  if (failures.length > 0) {
    head.push('## Failures (the run exits non-zero)', '', ...failures.map((f) => `- ${f}`), '');
  }
  // Machine paragraph first, then targets, then the sections.
  const machineEnd = body.findIndex((l, i) => i > 3 && l.startsWith('## '));
  const split = machineEnd === -1 ? body.length : machineEnd;
  return [...body.slice(0, split), ...head, ...body.slice(split)].join('\n');
}

// ---------------------------------------------------------------------------------------------

/** The newest modification time under `dir` (ms), walking every file. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the example would run an old build: dist/ missing, or some file in src/ newer. */
function distIsStale() {
  const dist = join(repoRoot, 'dist');
  if (!existsSync(join(dist, 'core', 'index.js'))) return true;
  return newestMtime(join(repoRoot, 'src')) > newestMtime(dist);
}

async function main() {
  const started = Date.now();
  const host = machine();
  log(`${smoke ? 'smoke run' : 'full run'} on ${host.cpus}, ${host.memory}, Node ${host.node}; load ${host.load}`);
  workDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));

  if (!flag('no-build') && (only.has('routes') || only.has('storm')) && distIsStale()) {
    log('npm run build (dist/ is missing or older than src/)');
    const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  let routeResults = null;
  let anatomy = null;
  let databaseFile = null;
  let storm = null;
  let scale = null;
  let db = null;
  let apps = [];
  if (only.has('routes') || only.has('storm')) {
    if (!existsSync(exampleMain)) throw new Error('example/src/main.ts is missing: the example app is needed');
    databaseFile = join(workDir, 'bench.sqlite3');
    log('preparing the database (example migrates and seeds; bulk users and orders)');
    db = await prepareDatabase(databaseFile);
    log(`database: ${db.counts.users} users, ${db.counts.orders} orders, alice owns ${db.counts.aliceOrders}`);

    const [examplePort, peerPort, expressPort] = [await freePort(), await freePort(), await freePort()];
    const example = startProcess('example', tsx(exampleMain), exampleEnv(examplePort, databaseFile));
    const peer = startProcess('peer', tsx('bench/peer/server.ts'), {
      PORT: String(peerPort),
      HOST: '127.0.0.1',
      DATABASE_FILE: databaseFile,
      SECRET: SECRET_KEY,
      ORDER_LIST_LIMIT: String(ORDER_LIST_LIMIT),
    });
    // gatehouse on Express: the example's services (same database, configuration and throttle).
    const onExpress = startProcess('express', tsx('bench/express/server.ts'), exampleEnv(expressPort, databaseFile));
    apps = [
      { key: 'example', name: 'gatehouse', base: `http://127.0.0.1:${examplePort}`, handle: example, cookies: {}, bodies: {}, login: loginGatehouse },
      { key: 'peer', name: 'peer', base: `http://127.0.0.1:${peerPort}`, handle: peer, cookies: {}, bodies: {}, login: loginPeer },
      { key: 'express', name: 'gh-express', base: `http://127.0.0.1:${expressPort}`, handle: onExpress, cookies: {}, bodies: {}, login: loginGatehouse },
    ];
    for (const app of apps) {
      await waitUntilHealthy(app.handle, `${app.base}/health/`);
      for (const user of ['alice', 'fin']) app.cookies[user] = cookieHeader(await app.login(app.base, user, DEMO_PASSWORD));
    }
    log('the apps are up, alice and fin logged in on each');

    if (only.has('routes')) routeResults = await runRoutes(apps, db.finToken);
    if (only.has('storm')) {
      storm = {
        gatehouse: await runStorm(apps[0], db.usernames, 'gatehouse'),
        'peer (Express/Passport)': await runStorm(apps[1], db.usernames, 'peer'),
      };
    }
    for (const app of apps) {
      if (app.handle.exitCode !== null) failures.push(`${app.name} exited during the run (${app.handle.exitCode}):\n${logTail(app.handle)}`);
      await stopProcess(app.handle);
    }
  }
  if (routeResults) {
    log('anatomy of a permission-checked request');
    const probe = startProcess(
      'anatomy',
      tsx('bench/anatomy.ts', '--db', databaseFile, '--user', 'fin', '--calls', smoke ? '300' : '3000'),
      {},
      { output: 'capture' },
    );
    const code = await probe.exited;
    try {
      anatomy = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '');
    } catch {
      failures.push(`bench/anatomy.ts printed no result (exit ${code}): ${probe.stderr.slice(-2000)}`);
    }
  }
  let profile = null;
  if (routeResults && !smoke) {
    log("profile: where a request's CPU goes under load (bench/profile-routes.mjs)");
    const run = startProcess(
      'profile',
      ['bench/profile-routes.mjs', '--db', databaseFile, '--routes', '/health/,/invoices/:fin,/orders/:alice', '--seconds', String(plan.seconds)],
      {},
      { output: 'capture' },
    );
    const code = await run.exited;
    if (code === 0 && run.stdout.includes('| **total** |')) profile = run.stdout.trim();
    else failures.push(`bench/profile-routes.mjs failed (exit ${code}): ${run.stderr.slice(-2000)}`);
  }
  if (only.has('scale')) {
    log(`scale: ${plan.scaleSizes.join(', ')} users${plan.postgres ? ', SQLite and PostgreSQL' : ', SQLite'}`);
    scale = await runScale();
  }

  const text = report({ started, host, db, routeResults, anatomy, profile, apps, storm, scale });
  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const date = new Date(started).toISOString().slice(0, 10);
  const file = join(resultsDir, `${date}-bench${smoke ? '-smoke' : ''}.md`);
  writeFileSync(file, `${text}\n`);
  copyFileSync(file, join(resultsDir, smoke ? 'latest-smoke.md' : 'latest.md'));
  process.stdout.write(`\n${text}\n\n`);
  log(`written ${file}`);
  if (failures.length > 0) {
    process.stderr.write(`[bench] ${failures.length} failure(s):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    stopEverythingNow();
    process.exit(code);
  });
}
process.on('exit', () => {
  stopEverythingNow();
  if (workDir && !flag('keep')) rmSync(workDir, { recursive: true, force: true });
  else if (workDir) process.stdout.write(`[bench] kept ${workDir}\n`);
});

main().catch((error) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
