// A login storm, run as its own process so its client work does not share an event loop with the
// load generator measuring latency meanwhile (scripts/bench.mjs starts it).
//
//   node bench/login-storm.mjs '{"base":"http://127.0.0.1:3000","kind":"gatehouse","usernames":["a"],
//     "password":"…","concurrency":16,"durationMs":10000}'
//
// `concurrency` clients log in back to back until `durationMs` has passed, each login as a new
// browser would do it (gatehouse: GET the form for the CSRF cookie and token, then POST; the peer:
// POST). Prints one JSON line: logins, failures, seconds, logins per second, login latency.
import { loginGatehouse, loginPeer } from './http-client.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const { base, kind, usernames, password, concurrency = 16, durationMs = 10_000 } = options;
if (!base || !Array.isArray(usernames) || usernames.length === 0 || !password) {
  process.stderr.write('usage: node bench/login-storm.mjs \'{"base":…,"kind":"gatehouse"|"peer","usernames":[…],"password":…}\'\n');
  process.exit(2);
}
const login = kind === 'peer' ? loginPeer : loginGatehouse;

let next = 0;
let logins = 0;
let failures = 0;
const errors = new Map();
const latencies = [];
const started = performance.now();
const deadline = started + durationMs;

async function client() {
  while (performance.now() < deadline) {
    const username = usernames[next++ % usernames.length];
    const t0 = performance.now();
    try {
      await login(base, username, password);
      logins++;
      latencies.push(performance.now() - t0);
    } catch (error) {
      failures++;
      const message = error instanceof Error ? error.message : String(error);
      errors.set(message, (errors.get(message) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, client));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null);
process.stdout.write(
  `${JSON.stringify({
    logins,
    failures,
    seconds,
    loginsPerSecond: logins / seconds,
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    errors: Object.fromEntries(errors),
  })}\n`,
);
