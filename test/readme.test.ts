/**
 * The README's core snippet is run as written (imports pointed at the sources), so the first
 * code a new user copies keeps working.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function snippet(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
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
      const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([{ hasPerm: true }, { summary: 'fin has billing.approve_payout through group "Finance Approver".' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
