/**
 * `npm start`: reads the settings, opens and prepares the database (migrations, permissions,
 * roles, the example's tables, the demo data on a fresh database outside production), listens,
 * and prints where to go and how to log in. SIGINT / SIGTERM close it gracefully.
 *
 * `startServer(env)` does the same for tests and returns the running server.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Settings, SettingsError, loadSettings } from './config.js';
import type { CreateServerOptions } from './server.js';
import type { Preparation, Services } from './services.js';

/** A listening example server. */
export interface RunningServer {
  /** `http://127.0.0.1:3000` (no trailing slash). */
  url: string;
  app: FastifyInstance;
  services: Services;
  settings: Settings;
  preparation: Preparation;
  /** Stops listening, lets requests in flight finish, then closes the database. */
  close(): Promise<void>;
}

/** The origin to print for the address the server is bound to. */
function originOf(app: FastifyInstance, settings: Settings): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  let host = settings.host;
  // Bound to every interface: point the person at this machine.
  if (host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `http://${host}:${port}`;
}

/** Starts the example from environment variables (defaults as in CONTRACT.md). */
export async function startServer(env: Record<string, string | undefined> = process.env, options: CreateServerOptions = {}): Promise<RunningServer> {
  const settings = loadSettings(env);
  // Loaded only once the settings are known to be usable, so a bad one is reported at once.
  const [{ createServer }, { openServices, prepareDatabase }] = await Promise.all([import('./server.js'), import('./services.js')]);
  const services = await openServices(settings);
  let app: FastifyInstance | null = null;
  try {
    const preparation = await prepareDatabase(services);
    app = await createServer(services, options);
    await app.listen({ port: settings.port, host: settings.host });
    const listening = app;
    let closing: Promise<void> | null = null;
    return {
      url: originOf(listening, settings),
      app: listening,
      services,
      settings,
      preparation,
      close() {
        closing ??= (async () => {
          try {
            await listening.close();
          } finally {
            await services.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await app?.close().catch(() => {});
    await services.close().catch(() => {});
    throw error;
  }
}

/** What a person needs to start using it. */
async function banner(server: RunningServer): Promise<string> {
  const { demoUsers } = await import('./seed.js');
  const { settings, preparation } = server;
  const lines = [`Billing example (gatehouse) listening on ${server.url}/`];
  const state = preparation.seeded ? ' (new: migrated and filled with the demo data)' : preparation.applied.length > 0 ? ' (migrated)' : '';
  lines.push(`  database: ${settings.databaseLabel}${state}`);
  const scheme = /^([a-z]+):/i.exec(settings.emailUrl)?.[1] ?? settings.emailUrl;
  lines.push(`  mail:     ${scheme}${scheme === 'console' ? ' (reset mails are printed here)' : ''}`);
  if (settings.production) lines.push('  mode:     production (Secure __Host- cookies, HSTS)');
  if (preparation.demoPassword !== null) {
    const where = preparation.demoPasswordGenerated
      ? ' (generated for this database)'
      : settings.demoPassword === null
        ? ' (as generated when the database was created)'
        : ' (DEMO_PASSWORD)';
    lines.push('', `Demo logins, all with the password ${preparation.demoPassword}${where}:`);
    for (const user of demoUsers) {
      const flags = [user.isSuperuser ? 'superuser' : user.isStaff ? 'staff' : '', user.isActive ? '' : 'inactive: cannot log in'].filter(Boolean).join(', ');
      lines.push(`  ${user.username.padEnd(12)} ${user.group.padEnd(17)} ${flags}`.trimEnd());
    }
  } else if (settings.demoData) {
    lines.push(
      '',
      `Demo users: ${demoUsers.map((u) => u.username).join(', ')} (password as set when the database was created; \`npx gatehouse changepassword <user>\` sets a new one).`,
    );
  }
  lines.push('', `Log in at ${server.url}/accounts/login/ — Ctrl-C stops the server.`);
  return `${lines.join('\n')}\n`;
}

/** Exit codes: 2 for a setting that cannot be used, 1 for anything else that stops the start. */
function exitCodeFor(error: unknown): number {
  if (error instanceof SettingsError) return 2;
  // gatehouse's ConfigError (a bad DATABASE_URL or EMAIL_URL, a weak key...): `gatehouse.config.*`.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('gatehouse.config.')) return 2;
  return 1;
}

/** One line, no stack: what went wrong and, for settings, which one. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      return `The address is already in use (${error.message.replace(/^listen EADDRINUSE: address already in use /, '')}): set PORT to a free port.`;
    if (code === 'ECONNREFUSED') return `Cannot reach the database: ${error.message}. Is PostgreSQL running at DATABASE_URL?`;
    return error.message.split('\n')[0] ?? String(error);
  }
  return String(error);
}

async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer(process.env);
  } catch (error) {
    process.stderr.write(`example: ${describe(error)}\n`);
    process.exit(exitCodeFor(error));
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`example: ${signal} again, exiting at once.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`example: ${signal} received, closing…\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`example: closing failed: ${describe(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Printed once the handlers are in place: whoever reads "listening" may stop it at once.
  process.stdout.write(await banner(server));
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
