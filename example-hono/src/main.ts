/**
 * `npm start -w gatehouse-example-hono`: builds the notes app and serves it with
 * @hono/node-server. Settings from the environment:
 *
 * - `PORT` (3000), `HOST` (127.0.0.1);
 * - `DATABASE_URL` (`sqlite:data/notes.sqlite3`, made on first start; or `postgres://…`);
 * - `SECRET_KEY` (signs reset links; a random one per start when unset, so links die on restart);
 * - `EMAIL_URL` (`console:`: reset mails are printed here);
 * - `TRUST_PROXY` (number of proxies in front), `SITE_URL`, `ALLOWED_HOSTS` (comma-separated).
 *
 * `startServer(env)` does the same for tests and returns the listening server.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { type ExampleApp, type ExampleSettings, createExampleApp, demoUsers, DEMO_PASSWORD } from './app.js';

/** A listening example. */
export interface RunningServer {
  /** `http://127.0.0.1:3000`, no trailing slash. */
  url: string;
  example: ExampleApp;
  /** Stops listening, then waits for deferred work and closes the database. */
  close(): Promise<void>;
}

function settingsFrom(env: Record<string, string | undefined>): ExampleSettings & { port: number; host: string } {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}".`);
  const trustProxy = env.TRUST_PROXY ? Number(env.TRUST_PROXY) : undefined;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    mkdirSync('data', { recursive: true });
    databaseUrl = 'sqlite:data/notes.sqlite3';
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl,
    secretKey: env.SECRET_KEY ?? randomBytes(48).toString('base64url'),
    emailUrl: env.EMAIL_URL ?? 'console:',
    ...(trustProxy ? { trustProxy } : {}),
    ...(env.SITE_URL ? { siteUrl: env.SITE_URL } : {}),
    ...(env.ALLOWED_HOSTS ? { allowedHosts: env.ALLOWED_HOSTS.split(',').map((h) => h.trim()) } : {}),
  };
}

/** Builds and serves the example. */
export async function startServer(env: Record<string, string | undefined> = process.env, overrides: Partial<ExampleSettings> = {}): Promise<RunningServer> {
  const settings = { ...settingsFrom(env), ...overrides };
  const example = await createExampleApp(settings);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: example.app.fetch, port: settings.port, hostname: settings.host }, () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    example,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await example.close();
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(process.env);
  } catch (error) {
    process.stderr.write(`example-hono: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    process.exit(1);
  }
  const stop = (signal: string): void => {
    process.stdout.write(`example-hono: ${signal} received, closing…\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(
    `Notes example (gatehouse/hono) listening on ${server.url}/\n` +
      `Log in at ${server.url}/accounts/login/ as ${demoUsers.map((u) => u.username).join(', ')} with the password "${DEMO_PASSWORD}".\n`,
  );
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
