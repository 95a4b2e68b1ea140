/**
 * `npm start -w gatehouse-example-express`: reads the environment, prepares the database, listens,
 * and prints where to go and how to log in. SIGINT / SIGTERM close it.
 *
 *   DATABASE_URL   sqlite:<file> or postgres://…; default: data/notes.sqlite3 in this folder
 *   PORT, HOST     default 3001 on 127.0.0.1 (PORT=0: any free port)
 *   SECRET_KEY     at least 32 characters; without it (development) a random key per process
 *   EMAIL_URL      console: (default: reset mails printed here), smtp://…, memory:
 *   DEMO_PASSWORD  the demo users' password on a fresh database
 *   NODE_ENV       production: no demo users; SITE_URL and ALLOWED_HOSTS required
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExampleSettings, demoUsers, openExample } from './app.js';

const folder = dirname(dirname(fileURLToPath(import.meta.url)));

/** The settings from `env`. */
export function settingsFrom(env: Record<string, string | undefined>): ExampleSettings & { port: number; host: string } {
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const data = join(folder, 'data');
    mkdirSync(data, { recursive: true });
    databaseUrl = `sqlite:${join(data, 'notes.sqlite3')}`;
  }
  const port = Number(env.PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}".`);
  return {
    databaseUrl,
    secretKey: env.SECRET_KEY || undefined,
    emailUrl: env.EMAIL_URL || 'console:',
    demoPassword: env.DEMO_PASSWORD || 'correct horse battery staple',
    production: env.NODE_ENV === 'production',
    siteUrl: env.SITE_URL || undefined,
    allowedHosts: env.ALLOWED_HOSTS ? env.ALLOWED_HOSTS.split(',').map((h) => h.trim()) : undefined,
    port,
    host: env.HOST || '127.0.0.1',
  };
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.env);
  const example = await openExample(settings);
  const server = example.app.listen(settings.port, settings.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const lines = [`Notes example (gatehouse on Express) listening on http://${host}:${port}/`];
  if (example.seeded) {
    lines.push('', `Demo users, password "${settings.demoPassword}":`);
    for (const user of demoUsers) lines.push(`  ${user.username.padEnd(8)} ${user.role}${user.isStaff ? ' (staff)' : ''}`);
  }
  lines.push('', `Log in at http://${host}:${port}/accounts/login/ — Ctrl-C stops the server.`);
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close();
    server.closeAllConnections();
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`example-express: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exit(1);
});
