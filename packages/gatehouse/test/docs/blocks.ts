/**
 * The documentation's runnable code blocks: a TypeScript fence right after an
 * `<!-- runnable -->` comment (invisible on the rendered page). Each is a complete program a user
 * can paste; the tests run it with the package's imports pointed at the sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One runnable block: where it is and its code. */
export interface RunnableBlock {
  /** `getting-started.md:42` (the fence's line). */
  label: string;
  code: string;
}

const MARKER = /^<!--\s*runnable\s*-->\s*$/;

/** Every runnable block of docs/*.md, in file order. */
export function runnableBlocks(docsDir: string): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  for (const file of readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const lines = readFileSync(join(docsDir, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i += 1) {
      if (!MARKER.test(lines[i] ?? '')) continue;
      const fence = lines[i + 1] ?? '';
      if (!/^```(ts|typescript)\b/.test(fence)) throw new Error(`${file}:${i + 1}: <!-- runnable --> must be followed by a \`\`\`ts fence`);
      const end = lines.findIndex((line, j) => j > i + 1 && line.startsWith('```'));
      if (end < 0) throw new Error(`${file}:${i + 2}: unclosed fence`);
      blocks.push({ label: `${file}:${i + 2}`, code: lines.slice(i + 2, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

/** Points `gatehouse`, `gatehouse/db`... at the sources under `root`. */
export function withSourceImports(code: string, root: string): string {
  const entry: Record<string, string> = {
    gatehouse: 'src/core/index.ts',
    'gatehouse/db': 'src/db/index.ts',
    'gatehouse/fastify': 'src/fastify/index.ts',
    'gatehouse/mail': 'src/mail/index.ts',
    'gatehouse/testing': 'src/testing/index.ts',
  };
  return code.replace(/(from\s+|import\s*\(\s*|declare module\s+)'(gatehouse(?:\/[a-z]+)?)'/g, (_whole, lead: string, name: string) => {
    const target = entry[name];
    if (!target) throw new Error(`unknown entry point '${name}'`);
    // `declare module` is rewritten too, so an augmentation reaches the same source module.
    return `${lead}'${join(root, target)}'`;
  });
}

/** A block that starts a server: listening on a spare loopback port, then closing, so it ends. */
export function withoutListening(code: string): string {
  return code.replace(/await (\w+)\.listen\([^;]*\);/g, "await $1.listen({ port: 0, host: '127.0.0.1' });\nawait $1.close();");
}
