import { describe, expect, test } from 'vitest';
import * as core from '../../src/core/index.js';
import * as db from '../../src/db/index.js';

const CONFIG = { perAccountAndAddress: 2, perAddress: 100, window: 60 };

describe('the in-memory login throttle lives with the throttle port', () => {
  test('gatehouse exports it, and gatehouse/db re-exports the same function', () => {
    expect(core.createMemoryLoginThrottle).toBe(db.createMemoryLoginThrottle);
    expect(core.createMemoryRateLimits).toBe(db.createMemoryRateLimits);
    expect(core.CounterLoginThrottle).toBe(db.CounterLoginThrottle);
  });

  test('it says it is not shared, and blocks a pair past its limit', async () => {
    const throttle = core.createMemoryLoginThrottle(CONFIG);
    expect(throttle.shared).toBe(false);
    const key = { username: 'alice', ip: '203.0.113.9' };
    for (let i = 0; i < 2; i++) {
      const admission = await throttle.reserve(key);
      expect(admission.allowed).toBe(true);
      if (admission.allowed) await admission.failed();
    }
    const third = await throttle.reserve(key);
    expect(third.allowed).toBe(false);
    await throttle.close();
  });

  test('the in-memory reset counters refuse past their limit', async () => {
    const limits = core.createMemoryRateLimits({ perEmail: 1, perAddress: 5, invalidLinksPerAddress: 5, window: 60, maxQueuedMails: 10 });
    expect(await limits.perEmail.consume('k')).toEqual({ allowed: true });
    expect((await limits.perEmail.consume('k')).allowed).toBe(false);
  });
});
