/**
 * The bound on hashes computed at once: a login storm must leave a core to the event loop, so
 * hashes past the bound wait their turn, in arrival order, and a failing hash frees its slot.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../../src/core/hashers/concurrency.js';
import { PasswordHashers, Pbkdf2Sha256Hasher } from '../../../src/core/hashers/index.js';
import type { DecodedHash, PasswordHasher } from '../../../src/core/hashers/index.js';

/** A promise with its resolve and reject, to finish tasks in a chosen order. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(limit.load).toEqual({ active: 2, waiting: 2 });
    gates[1]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    gates[3]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limit.load).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
    expect(limit.load).toEqual({ active: 0, waiting: 0 });
  });
});

/** Wraps a hasher and records how many of its verifications overlap. */
class OverlapHasher implements PasswordHasher {
  readonly algorithm: string;
  readonly canEncode = true;
  readonly saltLength: number;
  running = 0;
  mostAtOnce = 0;

  constructor(private readonly inner: PasswordHasher) {
    this.algorithm = inner.algorithm;
    this.saltLength = inner.saltLength;
  }

  private async track<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await tick();
      return await work();
    } finally {
      this.running -= 1;
    }
  }

  encode(password: string, salt: string): Promise<string> {
    return this.track(() => this.inner.encode(password, salt));
  }
  verify(password: string, encoded: string): Promise<boolean> {
    return this.track(() => this.inner.verify(password, encoded));
  }
  decode(encoded: string): DecodedHash | null {
    return this.inner.decode(encoded);
  }
  mustUpdate(encoded: string): boolean {
    return this.inner.mustUpdate(encoded);
  }
}

describe('PasswordHashers.maxConcurrentHashes', () => {
  it('never computes more hashes at once than allowed, checks and dummy checks alike', async () => {
    const hasher = new OverlapHasher(new Pbkdf2Sha256Hasher({ iterations: 1000 }));
    const hashers = new PasswordHashers([hasher], { maxConcurrentHashes: 2 });
    const encoded = await hashers.makePassword('correct horse');
    hasher.mostAtOnce = 0;
    const checks = await Promise.all([
      ...Array.from({ length: 6 }, () => hashers.checkPassword('correct horse', encoded)),
      hashers.checkPassword('x', 'unknown$hash'),
      hashers.runDummyCheck('y'),
    ]);
    expect(checks.slice(0, 6).every((c) => c?.valid)).toBe(true);
    expect(hasher.mostAtOnce).toBe(2);
  });

  it('refuses a bound below 1', () => {
    for (const maxConcurrentHashes of [0, -1, 1.5]) {
      expect(() => new PasswordHashers([new Pbkdf2Sha256Hasher()], { maxConcurrentHashes })).toThrow(
        expect.objectContaining({ code: 'gatehouse.config.invalid_hash_concurrency' }),
      );
    }
  });
});
