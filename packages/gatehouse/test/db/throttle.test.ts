/**
 * The login throttle: the shared policy (keys, normalisation, decisions), then one behaviour suite
 * run on the memory store and on every test database (reservations counted before verification,
 * so no burst gets past the limit), then what only the SQL stores have (a table that must hold no
 * usernames or addresses, creation by several instances at once, shared counts).
 *
 * Time: rate-limiter-flexible reads `Date.now()` and passes it to its SQL as a parameter, so faking
 * only `Date` moves every store's clock, PostgreSQL's included, without sleeping.
 */
import { sql } from 'kysely';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ThrottleConfig, resolveConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import {
  type LoginThrottle,
  type ThrottleDecision,
  type ThrottleKey,
  type ThrottleReservation,
  addressBucket,
  parseClientAddress,
  normalizeThrottleUsername,
  throttleDecision,
  throttleKeys,
} from '../../src/core/throttle.js';
import type { Database } from '../../src/db/connect.js';
import { type ClosableLoginThrottle, type CounterStore, CounterLoginThrottle, createLoginThrottle, createMemoryLoginThrottle } from '../../src/db/throttle.js';
import { type DatabaseKind, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { openDatabase } from '../../src/db/connect.js';
import { type SuiteDatabase, openSuiteDatabase } from './helpers.js';

const defaultsFromConfig = resolveConfig().throttle;

let counter = 0;
/** A username and an IPv4 address no other test has used, so tests sharing a table stay apart. */
function freshKey(): ThrottleKey {
  counter += 1;
  return { username: `user${counter}`, ip: `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}` };
}
function freshIp(): string {
  return freshKey().ip;
}

/**
 * Closes a database that only the throttle used. Workaround: `Database.close()` waits for every pg
 * client to go, but Kysely ends the pool only if Kysely itself ran a query, so a pool used only
 * through `driver` lingers until its 10 s idle timeout. One Kysely query makes close() prompt.
 */
async function closeUnmigrated(database: Database): Promise<void> {
  await sql`SELECT 1`.execute(database.db);
  await database.close();
}

/** `times` wrong passwords, one after another: each reserved, admitted, then failed. */
async function fail(throttle: LoginThrottle, key: ThrottleKey, times = 1): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    const admission = await throttle.reserve(key);
    if (!admission.allowed) throw new Error(`attempt ${i + 1} for ${key.username} was blocked`);
    await admission.failed();
  }
}

/** A right password: reserved, admitted, succeeded. */
async function succeed(throttle: LoginThrottle, key: ThrottleKey): Promise<void> {
  const admission = await throttle.reserve(key);
  if (!admission.allowed) throw new Error(`the login of ${key.username} was blocked`);
  await admission.succeeded();
}

/** Would an attempt be admitted now? Asks by reserving, and gives an admitted probe back. */
async function probe(throttle: LoginThrottle, key: ThrottleKey): Promise<ThrottleDecision> {
  const admission = await throttle.reserve(key);
  if (!admission.allowed) return { allowed: false, retryAfterSeconds: admission.retryAfterSeconds };
  await admission.release();
  return { allowed: true };
}

/** Reserves `n` attempts at once; none settled. */
async function reserveAtOnce(throttle: LoginThrottle, keys: ThrottleKey[]): Promise<ThrottleReservation[]> {
  const admissions = await Promise.all(keys.map((key) => throttle.reserve(key)));
  return admissions.filter((a): a is ThrottleReservation => a.allowed);
}

describe('throttle policy', () => {
  it('reads its defaults from config: 5 per account and address, 50 per address, 15 minutes', () => {
    expect(defaultsFromConfig).toEqual({ perAccountAndAddress: 5, perAddress: 50, window: 900 });
  });

  it('normalises usernames with NFKC and lower-case', () => {
    expect(normalizeThrottleUsername('ALICE')).toBe('alice');
    expect(normalizeThrottleUsername('ａｌｉｃｅ')).toBe('alice');
    expect(normalizeThrottleUsername('Ⅻ')).toBe('xii');
  });

  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressBucket('192.0.2.7')).toBe('192.0.2.7');
    expect(addressBucket('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressBucket('::FFFF:c000:0207')).toBe('192.0.2.7');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('2001:DB8:0:0:ffff:1:2:3')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('[2001:db8:0:1::1]')).toBe('2001:db8:0:1::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    // Ports (as some load balancers append them) and brackets are not part of the client.
    expect(addressBucket('192.0.2.7:51234')).toBe('192.0.2.7');
    expect(addressBucket('[2001:db8:1:2::9]:443')).toBe('2001:db8:1:2::/64');
    // Whatever is not an address shares one bucket: made-up values buy no fresh counters.
    expect(addressBucket('unknown')).toBe('not-an-address');
    expect(addressBucket('garbage-1')).toBe(addressBucket('garbage-2'));
  });

  it('parses client addresses as proxies write them, or says there is none', () => {
    expect(parseClientAddress(' 203.0.113.7 ')).toBe('203.0.113.7');
    expect(parseClientAddress('203.0.113.7:8080')).toBe('203.0.113.7');
    expect(parseClientAddress('[2001:DB8::1]:80')).toBe('2001:db8::1');
    expect(parseClientAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(parseClientAddress('203.0.113.7:99999999')).toBeNull();
    expect(parseClientAddress('evil.example')).toBeNull();
    expect(parseClientAddress('')).toBeNull();
  });

  it('makes hex digests that hold neither the username nor the address, keyed when a secret is given', () => {
    const plain = throttleKeys({ username: 'alice', ip: '192.0.2.7' });
    expect(plain.pair).toMatch(/^[0-9a-f]{64}$/);
    expect(plain.address).toMatch(/^[0-9a-f]{64}$/);
    expect(plain.pair).not.toBe(plain.address);
    expect(throttleKeys({ username: 'ALICE', ip: '::ffff:192.0.2.7' })).toEqual(plain);
    const keyed = throttleKeys({ username: 'alice', ip: '192.0.2.7' }, { secret: 's3cret' });
    expect(keyed.pair).not.toBe(plain.pair);
    expect(keyed.address).not.toBe(plain.address);
  });

  it('keeps fields apart: no username can be made to collide with another pair', () => {
    const a = throttleKeys({ username: 'a","b', ip: '192.0.2.1' });
    const b = throttleKeys({ username: 'a', ip: 'b","192.0.2.1' });
    expect(a.pair).not.toBe(b.pair);
  });

  it('admits while every counter, this attempt included, is within its limit; else blocks for the longest time left', () => {
    expect(throttleDecision([{ attempts: 5, msUntilReset: 10_000, limit: 5 }])).toEqual({ allowed: true });
    expect(throttleDecision([{ attempts: 6, msUntilReset: 0, limit: 5 }])).toEqual({ allowed: true });
    expect(throttleDecision([{ attempts: 6, msUntilReset: 10_000, limit: 5 }])).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(
      throttleDecision([
        { attempts: 6, msUntilReset: 10_001, limit: 5 },
        { attempts: 60, msUntilReset: 30_000, limit: 50 },
      ]),
    ).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(throttleDecision([{ attempts: 9, msUntilReset: 1, limit: 5 }])).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('a store that fails is an error, not an admission, and the other counter gets its point back', async () => {
    const rewarded: string[] = [];
    const working: CounterStore = {
      consume: async () => ({ consumedPoints: 1, msBeforeNext: 60_000 }),
      reward: async (key) => void rewarded.push(key),
      delete: async () => true,
    };
    const broken: CounterStore = { ...working, consume: async () => Promise.reject(new Error('database down')) };
    const throttle = new CounterLoginThrottle({ pair: working, address: broken }, defaultsFromConfig);
    await expect(throttle.reserve({ username: 'u', ip: '192.0.2.1' })).rejects.toThrow('database down');
    expect(rewarded).toEqual([throttleKeys({ username: 'u', ip: '192.0.2.1' }).pair]);
  });

  it('a refused attempt racing a success cannot start the cleared pair below zero', async () => {
    const pairLimiter = new RateLimiterMemory({ keyPrefix: 'pair', points: 2, duration: 900 });
    let gate: Promise<void> = Promise.resolve();
    let open: () => void = () => {};
    // Give-backs to the pair counter wait at the gate, so a success can clear the pair first.
    const pair: CounterStore = {
      consume: (key, points) => pairLimiter.consume(key, points),
      reward: async (key, points) => {
        await gate;
        return pairLimiter.reward(key, points);
      },
      delete: (key) => pairLimiter.delete(key),
    };
    const address = new RateLimiterMemory({ keyPrefix: 'addr', points: 1000, duration: 900 });
    const throttle = new CounterLoginThrottle({ pair, address }, { perAccountAndAddress: 2, perAddress: 1000, window: 900 });
    const key = freshKey();
    const first = await throttle.reserve(key);
    await fail(throttle, key);
    gate = new Promise((resolve) => (open = resolve));
    const refused = throttle.reserve(key);
    await new Promise((resolve) => setImmediate(resolve));
    if (!first.allowed) throw new Error('blocked');
    await first.succeeded();
    open();
    expect((await refused).allowed).toBe(false);
    // The pair starts again from zero, not below: two tries, then blocked.
    await fail(throttle, key, 2);
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('reads a limiter that rejects past its limit as a count, and blocks', async () => {
    // rate-limiter-flexible's consume rejects with the counter's state once over the limit.
    const over: CounterStore = {
      consume: async () => Promise.reject({ consumedPoints: 6, msBeforeNext: 42_000 }),
      reward: async () => undefined,
      delete: async () => true,
    };
    const under: CounterStore = { ...over, consume: async () => ({ consumedPoints: 1, msBeforeNext: 42_000 }) };
    const throttle = new CounterLoginThrottle({ pair: over, address: under }, defaultsFromConfig);
    expect(await throttle.reserve({ username: 'u', ip: '192.0.2.1' })).toEqual({ allowed: false, retryAfterSeconds: 42 });
  });
});

interface Backend {
  label: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  make(config: ThrottleConfig): Promise<ClosableLoginThrottle>;
}

function memoryBackend(): Backend {
  return {
    label: 'memory',
    setUp: async () => {},
    tearDown: async () => {},
    make: async (config) => createMemoryLoginThrottle(config),
  };
}

function databaseBackend(kind: DatabaseKind, label: string): Backend {
  let suite: SuiteDatabase | undefined;
  const made: ClosableLoginThrottle[] = [];
  return {
    label,
    async setUp() {
      suite = await openSuiteDatabase(kind);
    },
    async tearDown() {
      for (const throttle of made) await throttle.close();
      await suite?.close();
    },
    async make(config) {
      const throttle = await createLoginThrottle((suite as SuiteDatabase).database, config);
      made.push(throttle);
      return throttle;
    },
  };
}

const backends: Backend[] = [memoryBackend(), ...testDatabases().map((d) => databaseBackend(d.kind, d.label))];

describe.each(backends)('LoginThrottle on $label', (backend) => {
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('blocks an account and address after 5 failures, saying how long to wait', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const key = freshKey();
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    await fail(throttle, key, 4);
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    await fail(throttle, key);
    const decision = await throttle.reserve(key);
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.retryAfterSeconds).toBeGreaterThan(900 - 30);
    expect(decision.retryAfterSeconds).toBeLessThanOrEqual(900);
  });

  it('admits exactly the limit out of 200 concurrent reservations for one pair, before any settles', async () => {
    // The address cap out of the way: this is about the pair counter alone.
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 1000, window: 900 });
    const key = freshKey();
    const admitted = await reserveAtOnce(
      throttle,
      Array.from({ length: 200 }, () => key),
    );
    expect(admitted).toHaveLength(5);
    await Promise.all(admitted.map((a) => a.failed()));
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('admits exactly the address limit out of 200 concurrent reservations across accounts', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 20, window: 900 });
    const ip = freshIp();
    const admitted = await reserveAtOnce(
      throttle,
      Array.from({ length: 200 }, (_, i) => ({ username: `burst${counter}-${i}`, ip })),
    );
    expect(admitted).toHaveLength(20);
    await Promise.all(admitted.map((a) => a.failed()));
    expect((await probe(throttle, { username: 'someone-new', ip })).allowed).toBe(false);
    expect(await probe(throttle, { username: 'someone-new', ip: freshIp() })).toEqual({ allowed: true });
  });

  it('does not lock the victim out: the same account from another address is allowed', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const attacker = freshKey();
    await fail(throttle, attacker, 5);
    await Promise.all(Array.from({ length: 7 }, () => throttle.reserve(attacker)));
    expect((await probe(throttle, attacker)).allowed).toBe(false);
    expect(await probe(throttle, { username: attacker.username, ip: freshIp() })).toEqual({ allowed: true });
  });

  it('other accounts from the blocked address are allowed until the address cap', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const key = freshKey();
    await fail(throttle, key, 5);
    expect(await probe(throttle, { username: `${key.username}-other`, ip: key.ip })).toEqual({ allowed: true });
  });

  it('caps failures per address across many usernames (password spraying)', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const ip = freshIp();
    await Promise.all(Array.from({ length: 49 }, (_, i) => fail(throttle, { username: `spray${counter}-${i}`, ip })));
    expect(await probe(throttle, { username: 'someone-new', ip })).toEqual({ allowed: true });
    await fail(throttle, { username: 'the-fiftieth', ip });
    const decision = await probe(throttle, { username: 'someone-new', ip });
    expect(decision.allowed).toBe(false);
    // The cap is per address: the same usernames from elsewhere are fine.
    expect(await probe(throttle, { username: 'someone-new', ip: freshIp() })).toEqual({ allowed: true });
  });

  it('success clears the pair and gives back its own address point, but keeps the failures', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 7, window: 900 });
    const key = freshKey();
    await fail(throttle, key, 4);
    await succeed(throttle, key);
    await fail(throttle, key, 2);
    // Pair at 2 after the reset; without it, 6 would have blocked.
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    // The address has 6 failures (the success cost nothing); one more from anyone reaches its cap of 7.
    await fail(throttle, { username: `${key.username}-b`, ip: key.ip });
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('logging into your own account never costs tries: many successes leave the address count as it was', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 3, window: 900 });
    const key = freshKey();
    for (let i = 0; i < 10; i += 1) await succeed(throttle, key);
    await Promise.all(Array.from({ length: 3 }, () => succeed(throttle, key)));
    // Three failures still fit under the address cap of 3; a fourth attempt does not.
    await fail(throttle, { username: `${key.username}-x`, ip: key.ip }, 3);
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('settles a reservation once: a second succeeded() gives nothing more back', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 3, window: 900 });
    const key = freshKey();
    await fail(throttle, { username: `${key.username}-x`, ip: key.ip }, 2);
    const admission = await throttle.reserve(key);
    if (!admission.allowed) throw new Error('blocked');
    await admission.succeeded();
    await admission.succeeded();
    await admission.release();
    await fail(throttle, { username: `${key.username}-y`, ip: key.ip });
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('a released reservation (never verified) gives back both points', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 2, perAddress: 3, window: 900 });
    const key = freshKey();
    for (let i = 0; i < 20; i += 1) {
      const admission = await throttle.reserve(key);
      expect(admission.allowed).toBe(true);
      if (admission.allowed) await admission.release();
    }
    await fail(throttle, key, 2);
    expect((await probe(throttle, key)).allowed).toBe(false);
  });

  it('blocked attempts count nothing: hammering a blocked pair leaves the address its tries', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 2, perAddress: 10, window: 900 });
    const key = freshKey();
    await fail(throttle, key, 2);
    const blocked = await Promise.all(Array.from({ length: 30 }, () => throttle.reserve(key)));
    expect(blocked.every((a) => !a.allowed)).toBe(true);
    // 2 of 10 used: eight more accounts may be tried from here, not zero.
    await fail(throttle, { username: `${key.username}-1`, ip: key.ip }, 2);
    await fail(throttle, { username: `${key.username}-2`, ip: key.ip }, 2);
    await fail(throttle, { username: `${key.username}-3`, ip: key.ip }, 2);
    await fail(throttle, { username: `${key.username}-4`, ip: key.ip }, 2);
    expect((await probe(throttle, { username: `${key.username}-5`, ip: key.ip })).allowed).toBe(false);
  });

  it('counts case and compatibility variants of a username as one account', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const { ip } = freshKey();
    const name = `Alice${counter}`;
    for (const variant of [
      name,
      name.toUpperCase(),
      name.toLowerCase(),
      name.normalize('NFKC').replace(/[A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
      `aLiCe${counter}`,
    ]) {
      await fail(throttle, { username: variant, ip });
    }
    expect((await probe(throttle, { username: name.toLowerCase(), ip })).allowed).toBe(false);
  });

  it('counts an IPv6 client by its /64, and IPv4-mapped addresses as IPv4', async () => {
    const throttle = await backend.make(defaultsFromConfig);
    const username = freshKey().username;
    const prefix = `2001:db8:${(counter & 0xffff).toString(16)}:1`;
    for (let i = 1; i <= 5; i += 1) await fail(throttle, { username, ip: `${prefix}::${i}` });
    expect((await probe(throttle, { username, ip: `${prefix}:ffff:ffff:ffff:ffff` })).allowed).toBe(false);
    expect(await probe(throttle, { username, ip: `2001:db8:${(counter & 0xffff).toString(16)}:2::1` })).toEqual({ allowed: true });

    const v4 = freshKey();
    await fail(throttle, { username: v4.username, ip: `::ffff:${v4.ip}` }, 5);
    expect((await probe(throttle, v4)).allowed).toBe(false);
  });

  it('stays blocked until the window ends, then forgets', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2030, 0, 1);
    vi.setSystemTime(start);
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 50, window: 60 });
    const key = freshKey();
    await fail(throttle, key, 5);
    expect(await throttle.reserve(key)).toEqual({ allowed: false, retryAfterSeconds: 60 });

    vi.setSystemTime(start + 59_500);
    expect(await throttle.reserve(key)).toEqual({ allowed: false, retryAfterSeconds: 1 });

    vi.setSystemTime(start + 60_001);
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    // A new window starts from scratch: four more failures still leave one try.
    await fail(throttle, key, 4);
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    await fail(throttle, key);
    expect(await throttle.reserve(key)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('never credits a give-back to the next window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2031, 0, 1);
    vi.setSystemTime(start);
    const throttle = await backend.make({ perAccountAndAddress: 5, perAddress: 50, window: 60 });
    const key = freshKey();
    const slow = await throttle.reserve(key);
    if (!slow.allowed) throw new Error('blocked');
    // The verification outlives the window; its point went with the window, nothing to give back.
    vi.setSystemTime(start + 60_500);
    await fail(throttle, key, 1);
    await slow.release();
    await fail(throttle, key, 4);
    // Five failures in this window: a give-back credited here would leave a sixth try.
    expect((await throttle.reserve(key)).allowed).toBe(false);
  });

  it('counts 20 concurrent failures exactly', async () => {
    const throttle = await backend.make({ perAccountAndAddress: 25, perAddress: 1000, window: 900 });
    const key = freshKey();
    await Promise.all(Array.from({ length: 20 }, () => fail(throttle, key)));
    await Promise.all(Array.from({ length: 4 }, () => fail(throttle, key)));
    // 24 counted: one try left. A lost update anywhere would leave more.
    expect(await probe(throttle, key)).toEqual({ allowed: true });
    await fail(throttle, key);
    expect((await probe(throttle, key)).allowed).toBe(false);

    const ip = freshIp();
    const address = await backend.make({ perAccountAndAddress: 5, perAddress: 21, window: 900 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => fail(address, { username: `conc${counter}-${i}`, ip })));
    expect(await probe(address, { username: 'x', ip })).toEqual({ allowed: true });
    await fail(address, { username: 'x', ip });
    expect((await probe(address, { username: 'y', ip })).allowed).toBe(false);
  });
});

describe.each(testDatabases())('LoginThrottle table on $label', ({ kind }) => {
  let suite: SuiteDatabase;
  const made: ClosableLoginThrottle[] = [];

  async function rows(database: Database, table = 'gh_login_throttle'): Promise<{ key: string; points: number }[]> {
    if (database.driver.kind === 'sqlite') {
      return database.driver.database.prepare(`SELECT key, points FROM ${table}`).all() as { key: string; points: number }[];
    }
    return (await database.driver.pool.query(`SELECT key, points FROM "${table}"`)).rows as { key: string; points: number }[];
  }

  beforeAll(async () => {
    suite = await openSuiteDatabase(kind);
  });
  afterAll(async () => {
    for (const throttle of made) await throttle.close();
    await suite?.close();
  });

  it('stores only digests: no username or address in the table', async () => {
    const throttle = await createLoginThrottle(suite.database, defaultsFromConfig);
    made.push(throttle);
    await fail(throttle, { username: 'Victoria.Secretname', ip: '198.51.100.77' });
    const stored = await rows(suite.database);
    expect(stored.length).toBeGreaterThanOrEqual(2);
    for (const row of stored) {
      expect(row.key).toMatch(/^(pair|addr):[0-9a-f]{64}$/);
      expect(row.key.toLowerCase()).not.toContain('victoria');
      expect(row.key).not.toContain('198.51');
    }
  });

  it('with a secret, stores keyed digests that differ from the plain ones', async () => {
    const plain = await createLoginThrottle(suite.database, defaultsFromConfig, { tableName: 'gh_t_throttle_plain' });
    const keyed = await createLoginThrottle(suite.database, defaultsFromConfig, { tableName: 'gh_t_throttle_keyed', secret: 'x'.repeat(40) });
    made.push(plain, keyed);
    const key = { username: 'same', ip: '198.51.100.1' };
    await fail(plain, key);
    await fail(keyed, key);
    const plainKeys = (await rows(suite.database, 'gh_t_throttle_plain')).map((r) => r.key).sort();
    const keyedKeys = (await rows(suite.database, 'gh_t_throttle_keyed')).map((r) => r.key).sort();
    expect(keyedKeys).toHaveLength(2);
    expect(keyedKeys).not.toEqual(plainKeys);
  });

  it('refuses an unsafe table name', async () => {
    await expect(createLoginThrottle(suite.database, defaultsFromConfig, { tableName: 'x; DROP TABLE y' })).rejects.toThrow(ConfigError);
  });

  it('several instances starting together on a new database create the table once and share counts', async () => {
    const fresh = await freshDatabaseUrl(kind);
    const databases = await Promise.all(Array.from({ length: 4 }, () => openDatabase(fresh.url)));
    try {
      const throttles = await Promise.all(databases.map((database) => createLoginThrottle(database, defaultsFromConfig)));
      made.push(...throttles);
      const key = freshKey();
      // Failures spread over the instances, as behind a load balancer.
      await Promise.all(throttles.map((throttle) => fail(throttle, key)));
      expect(await probe(throttles[0] as LoginThrottle, key)).toEqual({ allowed: true });
      await fail(throttles[3] as LoginThrottle, key);
      for (const throttle of throttles) expect((await probe(throttle, key)).allowed).toBe(false);
    } finally {
      for (const database of databases) await closeUnmigrated(database);
      await fresh.drop();
    }
  });

  it('does not need migrate(): the throttle makes its own table', async () => {
    const fresh = await freshDatabaseUrl(kind);
    const database = await openDatabase(fresh.url);
    try {
      const throttle = await createLoginThrottle(database, defaultsFromConfig);
      made.push(throttle);
      const key = freshKey();
      await fail(throttle, key, 5);
      expect((await probe(throttle, key)).allowed).toBe(false);
    } finally {
      await closeUnmigrated(database);
      await fresh.drop();
    }
  });
});
