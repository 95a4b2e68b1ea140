/**
 * The conformance harness's contract: what an adapter (Fastify, Express, Hono, or a fourth one)
 * implements so the one suite can run the same HTTP scenarios against the same small app built
 * with it. The adapter translates; the suite brings the gatehouse, the database, the users, a real
 * SMTP server and every expectation.
 */
import type { Gatehouse } from '../../core/gatehouse.js';
import type { PasswordResetRateLimits } from '../../core/rate-limit.js';
import type { LoginThrottle } from '../../core/throttle.js';
import type { AnyUser } from '../../core/user.js';
import type { Mailer } from '../../mail/index.js';
import type { AccessDeclaration, AnyObjectRule } from './access.js';

export type { AccessDeclaration, AnyObjectRule } from './access.js';

/**
 * What the adapter passes to its framework's gatehouse integration, as is: a subset of the
 * HTTP-neutral options (`GatehouseHttpOptions`) with the same names, so an adapter can spread it
 * into its own options type (`app.register(gatehouseFastify, { ...app.options })`).
 */
export interface ConformanceOptions {
  /** The gatehouse on the suite's fresh database, users seeded. */
  // biome-ignore lint/suspicious/noExplicitAny: any app's permission union is accepted
  readonly gatehouse: Gatehouse<any>;
  /** An SMTP mailer pointed at the suite's loopback SMTP server. */
  readonly mailer: Mailer;
  /** A database-backed login throttle (shared by every request, as in production). */
  readonly throttle: LoginThrottle;
  /** Database-backed password-reset counters. */
  readonly rateLimits: PasswordResetRateLimits;
  /** Shown in page titles and mails. */
  readonly siteName: string;
  /** Origin of links in mail: `http://127.0.0.1` (the port is not known before start). */
  readonly siteUrl: string;
  /** The Host values the app answers: `127.0.0.1` on any port and `localhost`. */
  readonly allowedHosts: readonly string[];
  /** The account views under `/accounts`. */
  readonly accountViews: { readonly prefix: string };
}

/** What the handler of a conformance route sees, whatever the framework. */
export interface ConformanceContext {
  /** The request's user (the anonymous user on public routes). */
  readonly user: AnyUser;
  /** Path parameters by name (`{ id: '12' }` for `/orders/:id/`), as the framework decoded them. */
  readonly params: Readonly<Record<string, string>>;
  /** Parsed form or JSON fields, or null when the request had no body. */
  readonly body: Readonly<Record<string, unknown>> | null;
  /**
   * The adapter's `authorizeObject`, bound to this request: resolves to `object` when the user
   * passes `rule`, else rejects with the framework's denial (403, or 404 for a missing object
   * seen by a user the rule grants everything), which the adapter must turn into its response.
   */
  authorizeObject<T>(rule: AnyObjectRule, object: T | null | undefined): Promise<T>;
  /** A CSRF token for this request's session (as a form would embed). */
  csrfToken(): string;
}

/** What a conformance handler answers: `json` as JSON, else `html` as a page; status 200 unless given. */
export interface ConformanceResult {
  readonly status?: number;
  readonly json?: unknown;
  readonly html?: string;
}

/** One route of the conformance app. */
export interface ConformanceRoute {
  readonly method: 'GET' | 'POST';
  /** `:param` syntax with a trailing slash, e.g. `/orders/:id/`. */
  readonly path: string;
  /** Who may call it; the adapter declares it the framework's way (route config, middleware). */
  readonly access: AccessDeclaration;
  handler(context: ConformanceContext): Promise<ConformanceResult> | ConformanceResult;
}

/** The small app every adapter builds: the gatehouse options and the route table. */
export interface ConformanceApp {
  readonly options: ConformanceOptions;
  readonly routes: readonly ConformanceRoute[];
}

/** A started app: where it listens, and how to stop it (waiting for its deferred work). */
export interface ConformanceServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. Listen on port 0 on 127.0.0.1. */
  readonly origin: string;
  close(): Promise<void>;
}

/** An adapter under test. */
export interface ConformanceAdapter {
  /** 'fastify' | 'express' | 'hono' | ...: names the suite's describe block. */
  readonly name: string;
  /** Builds `app` with the framework and the adapter, listens on 127.0.0.1:0. */
  start(app: ConformanceApp): Promise<ConformanceServer>;
}

/** The assertions the suite uses, as vitest's (or Jest's) `expect` provides them. */
export interface ConformanceAssertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toContain(item: unknown): void;
  toMatch(expected: string | RegExp): void;
  toBeGreaterThan(expected: number): void;
  toBeGreaterThanOrEqual(expected: number): void;
  toBeLessThan(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  readonly not: Omit<ConformanceAssertion, 'not'>;
}

/**
 * The test runner's functions, passed in so `gatehouse/testing` imports no test framework:
 * `defineConformanceSuite(adapter, { describe, it, beforeAll, afterAll, expect })`.
 */
export interface ConformanceRunner {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => Promise<void>, timeoutMs?: number): void;
  afterAll(body: () => Promise<void>, timeoutMs?: number): void;
  expect(actual: unknown, message?: string): ConformanceAssertion;
}

/** A database made for one suite run; `drop()` removes it. */
export interface ConformanceDatabaseHandle {
  readonly url: string;
  drop(): Promise<void>;
}

/** A database engine to run the suite on. */
export interface ConformanceDatabase {
  /** Names the engine in test titles: `SQLite`, `PostgreSQL`. */
  readonly label: string;
  /** Makes an empty database for one run. */
  create(): Promise<ConformanceDatabaseHandle>;
}

/** Options of `defineConformanceSuite`. */
export interface ConformanceSuiteOptions {
  /** The engines to run on; a SQLite file in a temporary folder by default. */
  readonly databases?: readonly ConformanceDatabase[];
}
