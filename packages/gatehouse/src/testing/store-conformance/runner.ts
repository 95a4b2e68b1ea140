/**
 * What the store conformance suite needs from a test runner, passed in so `gatehouse/testing`
 * imports none: vitest's and jest's `describe`, `it`, `expect`, `beforeEach` and `afterEach` fit.
 */
import type { Stores } from '../../core/ports.js';

/** The matchers the suite uses; a subset every common runner's `expect` has. */
export interface ConformanceMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeGreaterThan(expected: number): void;
  toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): void;
  toHaveLength(expected: number): void;
  toMatchObject(expected: Record<string, unknown>): void;
  readonly not: ConformanceMatchers;
}

/** The runner's `expect`. */
export type ConformanceExpect = (actual: unknown) => ConformanceMatchers;

/** The runner's functions. */
export interface StoreConformanceRunner {
  describe(name: string, body: () => void): void;
  it(name: string, test: () => Promise<void>): void;
  expect: ConformanceExpect;
  beforeEach(hook: () => Promise<void>): void;
  afterEach(hook: () => Promise<void>): void;
}

/** Stores under test, fresh and empty (a new database, migrated), and how to let them go. */
export interface StoresUnderTest {
  stores: Stores;
  close?(): Promise<void>;
}

/** Options a store is made with, as `migrate` takes them. */
export interface MakeStoresOptions {
  /** Emails unique case-insensitively (empty ones excepted). */
  emailUnique: boolean;
}

/** Makes fresh, empty stores for one test. */
export type MakeStores = (options: MakeStoresOptions) => Promise<StoresUnderTest>;

/** What each group of scenarios is given: the runner's `it` and `expect`, and this test's stores. */
export interface ScenarioContext {
  it(name: string, test: () => Promise<void>): void;
  expect: ConformanceExpect;
  /** The stores of the test that is running. */
  stores(): Stores;
}
