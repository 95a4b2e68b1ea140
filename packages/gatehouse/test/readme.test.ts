/**
 * The README's core snippet is run as written (imports pointed at the sources), so the first
 * code a new user copies keeps working.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function snippet(heading: string): string {
  const readme = readFileSync(join(root, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf(heading);
  const open = readme.indexOf('```ts\n', start);
  const close = readme.indexOf('```', open + 6);
  if (start < 0 || open < 0 || close < 0) throw new Error(`README has no TypeScript block under "${heading}"`);
  return readme.slice(open + 6, close);
}

describe('README', () => {
  it('runs the core snippet: the user authenticates, holds the permission, and logs in', () => {
    const code = snippet('## The core in one snippet')
      .replaceAll("from 'gatehouse'", `from '${join(root, 'src/core/index.ts')}'`)
      .replaceAll("from 'gatehouse/db'", `from '${join(root, 'src/db/index.ts')}'`)
      .replace("process.env.DATABASE_URL ?? 'sqlite:app.sqlite3'", "'sqlite::memory:'")
      .replace('process.env.SECRET_KEY', "'readme-snippet-secret-key-0123456789abcdef'")
      .replace(/^(\s*)(await gatehouse\.hasPerm\(user, 'billing\.approve_payout'\));/m, '$1console.log(JSON.stringify({ hasPerm: $2 }));')
      .replace(/^(\s*)(\(await gatehouse\.explainPerm\([^;]*\)\)\.summary);/m, '$1console.log(JSON.stringify({ summary: $2 }));');
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    try {
      const file = join(dir, 'snippet.mts');
      writeFileSync(file, `${code}\nawait database.close();\n`);
      const result = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr).toBe('');
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([{ hasPerm: true }, { summary: 'fin has billing.approve_payout through group "Finance Approver".' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the Fastify app as written: it listens, sends anonymous visitors to log in, and lets a user in', async () => {
    const code = snippet('## A small Fastify app protected by gatehouse')
      .replaceAll("from 'gatehouse'", `from '${join(root, 'src/core/index.ts')}'`)
      .replaceAll("from 'gatehouse/db'", `from '${join(root, 'src/db/index.ts')}'`)
      .replaceAll("from 'gatehouse/fastify'", `from '${join(root, 'src/fastify/index.ts')}'`)
      .replaceAll("from 'gatehouse/mail'", `from '${join(root, 'src/mail/index.ts')}'`)
      .replace('Fastify({ logger: true })', 'Fastify({ logger: false })')
      .replace("process.env.DATABASE_URL ?? 'sqlite:app.sqlite3'", "'sqlite::memory:'")
      .replace('process.env.SECRET_KEY', "'readme-snippet-secret-key-0123456789abcdef'")
      .replace(
        'await app.listen({ port: Number(process.env.PORT ?? 3000) });',
        [
          "await gatehouse.accounts.createUser({ username: 'fin', password: 'correct horse battery', isStaff: true });",
          "const address = await app.listen({ port: 0, host: '127.0.0.1' });",
          'console.log(JSON.stringify({ address }));',
          "process.stdin.on('end', () => app.close().then(() => database.close()));",
          'process.stdin.resume();',
        ].join('\n'),
      );
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    const file = join(dir, 'app.mts');
    writeFileSync(file, code);
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve((JSON.parse(line) as { address: string }).address);
        });
        child.on('exit', (code) => reject(new Error(`the app exited with ${code}`)));
      });
      const anonymous = await fetch(`${address}/invoices/`, { redirect: 'manual' });
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('location')).toBe('/accounts/login/?next=/invoices/');
      const form = await fetch(`${address}/accounts/login/`);
      const cookies = form.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await form.text())?.[1];
      expect(token).toBeDefined();
      const login = await fetch(`${address}/accounts/login/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded', origin: address },
        body: new URLSearchParams({ username: 'fin', password: 'correct horse battery', csrfmiddlewaretoken: token! }),
      });
      expect(login.status).toBe(302);
      const session = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const home = await fetch(`${address}/`, { headers: { cookie: session, accept: 'application/json' } });
      expect(await home.json()).toEqual({ hello: 'fin' });
      const forbidden = await fetch(`${address}/invoices/`, { headers: { cookie: session, accept: 'application/json' } });
      expect(forbidden.status).toBe(403);
    } finally {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
