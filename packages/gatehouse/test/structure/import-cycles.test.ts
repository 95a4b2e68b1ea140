/**
 * No import cycles in the package: every relative import (type-only ones included, static,
 * re-exporting and dynamic) of every source file, and the strongly connected components of that
 * graph. A cycle makes module load order matter and hides which file owns a concept.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const LEFT_OUT: string[] = [];

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) files.push(path);
  }
  return files;
}

// A statement starting a line (not inside a doc comment, whose lines start with `*`), through to its
// module specifier; `import('./x.js')` anywhere; `import './x.js'` for side effects.
const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
];

/** The module specifiers a source text imports. */
function importedSpecifiers(text: string): string[] {
  return IMPORT_PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] as string));
}

/** Each file's relative imports that resolve to another file of the graph. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importedSpecifiers(readFileSync(file, 'utf8'))
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Groups of files that import each other, directly or around a loop (Tarjan's algorithm). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(group.map((file) => relative(SRC, file)).sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('import structure', () => {
  test('no source folder imports itself in a loop', () => {
    const files = sourceFiles(SRC).filter((file) => !LEFT_OUT.some((folder) => relative(SRC, file).startsWith(`${folder}/`)));
    expect(files.length).toBeGreaterThan(50);
    expect(cycles(importGraph(files))).toEqual([]);
  });

  test('the reader finds static, type-only, re-exporting and dynamic imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n} from './b.js';",
      "export { c } from './c.js';",
      "const d = await import('./d.js');",
      " * import { e } from './e.js' (in a doc comment: not an import)",
    ].join('\n');
    expect(importedSpecifiers(text).sort()).toEqual(['./a.js', './b.js', './c.js', './d.js']);
  });

  test('the check sees a loop when there is one', () => {
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts']]);
  });
});
