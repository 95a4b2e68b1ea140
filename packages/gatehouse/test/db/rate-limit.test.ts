/**
 * Issue 9 item 6 (store part): the SQL rate-limit counters count atomically under concurrency on
 * SQLite and PostgreSQL, refunds give a use back, and the memory variant behaves the same.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rateLimitKey } from '../../src/core/rate-limit.js';
import { createMemoryRateLimits, createRateLimits } from '../../src/db/rate-limit.js';
import { testDatabases } from '../support/databases.js';
import { type SuiteDatabase, openSuiteDatabase } from './helpers.js';

const CONFIG = { perEmail: 3, perAddress: 5, invalidLinksPerAddress: 7, window: 60, maxQueuedMails: 10 };

for (const db of testDatabases()) {
  describe(`createRateLimits (${db.label})`, () => {
    let suite: SuiteDatabase;
    let limits: Awaited<ReturnType<typeof createRateLimits>>;

    beforeAll(async () => {
      suite = await openSuiteDatabase(db.kind);
      limits = await createRateLimits(suite.database, CONFIG);
    });
    afterAll(async () => {
      await limits.close();
      await suite.close();
    });

    test('50 concurrent consumes of one key: exactly the limit allowed, the rest told when to retry', async () => {
      const key = rateLimitKey('test', 'concurrent');
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limits.perAddress.consume(key)));
      expect(decisions.filter((d) => d.allowed).length).toBe(CONFIG.perAddress);
      for (const d of decisions) if (!d.allowed) expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    });

    test('a refund gives one use back; the families count apart', async () => {
      const key = rateLimitKey('test', 'refund');
      // An allowed use refunded (a valid link) leaves room for one more.
      expect((await limits.perEmail.consume(key)).allowed).toBe(true);
      await limits.perEmail.refund(key);
      for (let i = 0; i < CONFIG.perEmail; i += 1) expect((await limits.perEmail.consume(key)).allowed).toBe(true);
      expect((await limits.perEmail.consume(key)).allowed).toBe(false);
      expect((await limits.invalidLinksPerAddress.consume(key)).allowed).toBe(true);
    });

    test('a second instance on the same database shares the counts', async () => {
      const other = await createRateLimits(suite.database, CONFIG);
      const key = rateLimitKey('test', 'shared');
      for (let i = 0; i < CONFIG.perEmail; i += 1) await limits.perEmail.consume(key);
      expect((await other.perEmail.consume(key)).allowed).toBe(false);
      await other.close();
    });
  });
}

describe('createMemoryRateLimits', () => {
  test('counts like the SQL ones', async () => {
    const limits = createMemoryRateLimits(CONFIG);
    const key = rateLimitKey('test', 'memory');
    const decisions = await Promise.all(Array.from({ length: 20 }, () => limits.invalidLinksPerAddress.consume(key)));
    expect(decisions.filter((d) => d.allowed).length).toBe(CONFIG.invalidLinksPerAddress);
  });
});

describe('rateLimitKey', () => {
  test('is a fixed-length digest that keeps kinds apart', () => {
    expect(rateLimitKey('a', 'b')).toMatch(/^[0-9a-f]{64}$/);
    expect(rateLimitKey('a', 'b')).not.toBe(rateLimitKey('b', 'a'));
    expect(rateLimitKey('x', 'y'.repeat(10_000)).length).toBe(64);
  });
});
