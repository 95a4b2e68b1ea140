/**
 * The bound on hashes computed at once: a login storm must leave a core to the event loop, so
 * hashes past the bound wait their turn, in arrival order, and a failing hash frees its slot. The
 * wait is bounded too: past the queue limit a hash is refused at once (`gatehouse.hashers.busy`).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/core/config.js';
import { BusyError } from '../../../src/core/errors.js';
import { ConcurrencyLimit, defaultHashQueueLimit } from '../../../src/core/hashers/concurrency.js';
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

  it('refuses at once, without running it, a task that finds the queue full; frees nothing it did not take', async () => {
    const limit = new ConcurrencyLimit(1, 2);
    const gate = deferred();
    let ran = 0;
    const task = async (): Promise<number> => {
      ran += 1;
      await gate.promise;
      return ran;
    };
    const admitted = [limit.run(task), limit.run(task), limit.run(task)];
    const refused = limit.run(task);
    await expect(refused).rejects.toBeInstanceOf(BusyError);
    await expect(refused).rejects.toMatchObject({ code: 'gatehouse.hashers.busy', retryAfterSeconds: 1 });
    expect(limit.load).toEqual({ active: 1, waiting: 2 });
    expect(ran).toBe(1);
    gate.resolve();
    await Promise.all(admitted);
    expect(ran).toBe(3);
    expect(limit.load).toEqual({ active: 0, waiting: 0 });
    // Room again once the queue drained.
    expect(await limit.run(async () => 'again')).toBe('again');
  });

  it('with no room to wait, runs only while a slot is free', async () => {
    const limit = new ConcurrencyLimit(2, 0);
    const gate = deferred();
    const running = [limit.run(() => gate.promise), limit.run(() => gate.promise)];
    await expect(limit.run(async () => 'x')).rejects.toMatchObject({ code: 'gatehouse.hashers.busy' });
    gate.resolve();
    await Promise.all(running);
  });

  it('defaults to 64 waiting hashes per concurrent hash, in config too, and checks the setting', () => {
    expect(defaultHashQueueLimit(3)).toBe(192);
    expect(resolveConfig({ passwordHashConcurrency: 2 }).passwordHashQueueLimit).toBe(128);
    expect(resolveConfig({ passwordHashConcurrency: 2, passwordHashQueueLimit: 0 }).passwordHashQueueLimit).toBe(0);
    for (const passwordHashQueueLimit of [-1, 1.5, Number.NaN, 2_000_000]) {
      expect(() => resolveConfig({ passwordHashQueueLimit })).toThrow(expect.objectContaining({ code: 'gatehouse.config.invalid_hash_queue_limit' }));
    }
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

  it('bounds the queue for checks, dummy checks and new hashes alike: refused at once, never a wrong password', async () => {
    const hasher = new OverlapHasher(new Pbkdf2Sha256Hasher({ iterations: 1000 }));
    const hashers = new PasswordHashers([hasher], { maxConcurrentHashes: 1, maxQueuedHashes: 2 });
    const encoded = await hashers.makePassword('correct horse');
    await hashers.runDummyCheck('warm up'); // makes the dummy hash
    const results = await Promise.allSettled([
      hashers.checkPassword('correct horse', encoded),
      hashers.checkPassword('correct horse', encoded),
      hashers.checkPassword('correct horse', encoded),
      hashers.checkPassword('wrong', encoded),
      hashers.runDummyCheck('unknown user'),
      hashers.checkPassword('x', 'unknown$hash'),
      hashers.makePassword('new password'),
    ]);
    expect(results.slice(0, 3).map((r) => r.status === 'fulfilled' && (r.value as { valid: boolean }).valid)).toEqual([true, true, true]);
    for (const refused of results.slice(3)) {
      expect(refused.status).toBe('rejected');
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'gatehouse.hashers.busy' });
    }
    // Once drained, everything works again, the dummy check included.
    await hashers.runDummyCheck('unknown user');
    expect((await hashers.checkPassword('wrong', encoded)).valid).toBe(false);
  });

  it('a refused first dummy check does not leave the dummy hash broken', async () => {
    const hasher = new OverlapHasher(new Pbkdf2Sha256Hasher({ iterations: 1000 }));
    const hashers = new PasswordHashers([hasher], { maxConcurrentHashes: 1, maxQueuedHashes: 0 });
    const gate = deferred();
    const hold = (hashers as unknown as { limit: ConcurrencyLimit }).limit.run(() => gate.promise);
    await expect(hashers.runDummyCheck('x')).rejects.toMatchObject({ code: 'gatehouse.hashers.busy' });
    gate.resolve();
    await hold;
    await expect(hashers.runDummyCheck('x')).resolves.toBeUndefined();
  });

  it('refuses a negative or fractional queue bound', () => {
    for (const maxQueuedHashes of [-1, 0.5]) {
      expect(() => new PasswordHashers([new Pbkdf2Sha256Hasher()], { maxQueuedHashes })).toThrow(
        expect.objectContaining({ code: 'gatehouse.config.invalid_hash_queue_limit' }),
      );
    }
  });

  it('refuses a bound below 1', () => {
    for (const maxConcurrentHashes of [0, -1, 1.5]) {
      expect(() => new PasswordHashers([new Pbkdf2Sha256Hasher()], { maxConcurrentHashes })).toThrow(
        expect.objectContaining({ code: 'gatehouse.config.invalid_hash_concurrency' }),
      );
    }
  });
});
