import { defineConfig } from 'vitest/config';

// Tests live in test/**; `npm test` (scripts/test.mjs) starts a throwaway PostgreSQL when it can and
// then runs vitest with this config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file in its own child process: native drivers (better-sqlite3, pg) and module state
    // stay isolated, and a crash takes down one file, not the run.
    pool: 'forks',
    // Password hashing (argon2, PBKDF2 with Django's iteration counts) takes seconds on a busy 2-core
    // machine; database set-up (CREATE DATABASE, migrations) runs in hooks.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // The count reporter comes last, so its `N passed, N failed` line closes the output.
    reporters: ['default', './test/support/count-reporter.ts'],
  },
});
