/**
 * What the server runs on: the database, the gatehouse, the mailer and the login throttle, opened
 * from the settings and closed together. `prepareDatabase` brings a database up to date the way
 * the contract says a fresh one starts: gatehouse's schema, permissions and roles, the example's
 * own tables, then (outside production, or with DEMO_DATA=1) the fixture data.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Gatehouse, type GatehouseConfigInput, createGatehouse } from 'gatehouse';
import { type ClosableLoginThrottle, type Database, createLoginThrottle, createRateLimits, openDatabase } from 'gatehouse/db';
import type { PasswordResetRateLimits } from 'gatehouse';
import { type ClosableMailer, mailerFromUrl } from 'gatehouse/mail';
import type { Kysely } from 'kysely';
import { defaultDataDir, generatePassword, type Settings } from './config.js';
import { type Permission, apps, roles } from './declarations.js';
import { migrateExample } from './migrations.js';
import type { AppSchema, ExampleTables } from './schema.js';
import { isEmpty, seed } from './seed.js';

/** The example's gatehouse, typed by its permission names. */
export type ExampleGatehouse = Gatehouse<Permission>;

/** Everything a request handler may need. */
export interface Services {
  readonly settings: Settings;
  readonly database: Database;
  readonly gatehouse: ExampleGatehouse;
  /** The same connection, typed with the example's tables as well as gatehouse's. */
  readonly db: Kysely<AppSchema>;
  readonly mailer: ClosableMailer;
  readonly throttle: ClosableLoginThrottle;
  /** Password-reset counters (mails per address, requests per client, invalid links), in the database. */
  readonly rateLimits: PasswordResetRateLimits;
  /** Closes the throttle, the mailer and the database, in that order. */
  close(): Promise<void>;
}

/** The gatehouse configuration the settings describe (also what `gatehouse.config.ts` exports). */
export function gatehouseConfig(settings: Settings): GatehouseConfigInput {
  return {
    secretKey: settings.secretKeys,
    production: settings.production,
    passwordResetTimeout: settings.passwordResetTimeout,
    reauthMaxAge: settings.reauthMaxAge,
    loginUrl: '/accounts/login/',
    loginRedirectUrl: '/dashboard/',
    logoutRedirectUrl: '/accounts/login/',
    defaultFromEmail: settings.defaultFromEmail,
    session: { idleTimeout: settings.sessionIdleTimeout, maxAge: settings.sessionMaxAge },
  };
}

/** Opens the database, the mailer and the throttle. Nothing is migrated here (see `prepareDatabase`). */
export async function openServices(settings: Settings): Promise<Services> {
  // The mailer first: a bad EMAIL_URL is a setting error and should stop us before any connection.
  const mailer = mailerFromUrl(settings.emailUrl, { defaultFromEmail: settings.defaultFromEmail });
  let database: Database | null = null;
  let throttle: ClosableLoginThrottle | null = null;
  try {
    database = await openDatabase(settings.databaseUrl);
    const gatehouse = createGatehouse({ stores: database.stores, apps, roles, config: gatehouseConfig(settings) });
    throttle = await createLoginThrottle(database, gatehouse.config.throttle);
    const rateLimits = await createRateLimits(database, gatehouse.config.passwordReset);
    const [openDb, openThrottle] = [database, throttle];
    return {
      settings,
      database: openDb,
      gatehouse,
      db: openDb.db.withTables<ExampleTables>(),
      mailer,
      throttle: openThrottle,
      rateLimits,
      async close() {
        await rateLimits.close();
        await openThrottle.close();
        await mailer.close();
        await openDb.close();
      },
    };
  } catch (error) {
    await throttle?.close();
    await database?.close();
    await mailer.close();
    throw error;
  }
}

/** What `prepareDatabase` did. */
export interface Preparation {
  /** gatehouse migrations applied now. */
  applied: string[];
  /** True when the fixture data was loaded now. */
  seeded: boolean;
  /** The demo users' password, when known (given, generated now, or kept from an earlier start). */
  demoPassword: string | null;
  /** True when the demo password was generated now. */
  demoPasswordGenerated: boolean;
}

/** Where a generated demo password is kept in development, beside the generated secret key. */
function demoPasswordFile(settings: Settings): string | null {
  if (settings.production) return null;
  return join(settings.secretKeyFile ? dirname(settings.secretKeyFile) : defaultDataDir, 'demo_password');
}

/**
 * Migrates gatehouse's schema, syncs permissions and applies the roles, migrates the example's
 * tables, and fills an empty database with the fixture data when the settings allow it.
 */
export async function prepareDatabase(services: Services): Promise<Preparation> {
  const { settings, database, gatehouse } = services;
  // emailUnique must be passed: it creates (or drops) the case-insensitive unique email index.
  const { applied } = await database.migrate({ emailUnique: gatehouse.config.emailUnique });
  await gatehouse.setup();
  await migrateExample(database.db, database.kind);

  const keptFile = demoPasswordFile(settings);
  let demoPassword = settings.demoData ? settings.demoPassword : null;
  let generated = false;
  let seeded = false;
  if (settings.demoData && (await isEmpty(gatehouse))) {
    if (demoPassword === null) {
      demoPassword = generatePassword();
      generated = true;
    }
    await seed(gatehouse, services.db, database.kind, demoPassword);
    seeded = true;
    // Kept (development only, mode 0600, next to the secret key, which is worth more) so that
    // every later start can print the logins again; DEMO_PASSWORD given means nothing to keep.
    if (generated && keptFile) writeFileSync(keptFile, `${demoPassword}\n`, { mode: 0o600 });
  } else if (settings.demoData && demoPassword === null && keptFile && existsSync(keptFile)) {
    demoPassword = readFileSync(keptFile, 'utf8').trim() || null;
  }
  return { applied, seeded, demoPassword, demoPasswordGenerated: generated };
}
