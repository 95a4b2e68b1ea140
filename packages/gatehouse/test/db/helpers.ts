/**
 * Shared pieces of the store conformance suites: a migrated database of its own per suite, user
 * records with unique names, and direct SQL reads that go around the stores (so a test can check
 * what is really in a table, not what the store under test says is there).
 */
import { sql } from 'kysely';
import type { NewUserRecord, Stores } from '../../src/core/ports.js';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { type DatabaseKind, freshDatabaseUrl } from '../support/databases.js';

/** A migrated database made for one suite. `close()` closes it and drops it. */
export interface SuiteDatabase {
  readonly kind: DatabaseKind;
  readonly url: string;
  readonly database: Database;
  readonly stores: Stores;
  /** Opens a second, independent connection (a pool on PostgreSQL) to the same database. */
  openAnother(): Promise<Database>;
  close(): Promise<void>;
}

/** Makes a fresh database of `kind`, migrates it and returns its stores. */
export async function openSuiteDatabase(kind: DatabaseKind, options: { emailUnique?: boolean } = {}): Promise<SuiteDatabase> {
  const fresh = await freshDatabaseUrl(kind);
  const database = await openDatabase(fresh.url);
  await database.migrate({ emailUnique: options.emailUnique ?? true });
  const others: Database[] = [];
  return {
    kind,
    url: fresh.url,
    database,
    stores: database.stores,
    async openAnother() {
      const other = await openDatabase(fresh.url);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await database.close();
      await fresh.drop();
    },
  };
}

let counter = 0;

/** A name no other test in this process has used: `prefix_<n>`. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${counter}`;
}

/** A complete user record with a unique username and no email; `overrides` wins. */
export function userRecord(overrides: Partial<NewUserRecord> = {}): NewUserRecord {
  return {
    username: uniqueName(),
    email: '',
    password: '!unusable-in-store-tests',
    firstName: '',
    lastName: '',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    dateJoined: Date.UTC(2026, 0, 1),
    lastLogin: null,
    ...overrides,
  };
}

/** How many rows a table holds, read with plain SQL. */
export async function countRows(database: Database, table: string): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(database.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** How many rows of a table have `column = value`, read with plain SQL. */
export async function countWhere(database: Database, table: string, column: string, value: string | number): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(database.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
