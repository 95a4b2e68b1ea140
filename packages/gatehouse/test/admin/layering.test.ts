/**
 * The admin is framework-free like the HTTP layer it is built on: src/admin imports no framework,
 * no driver and no adapter (only src/core, src/http and the CLI's pure access-matrix logic), and
 * has no import cycle with src/http or src/fastify.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? '');
}

describe('src/admin', () => {
  test('imports no framework, no driver, no adapter', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(SRC, 'admin'))) {
      for (const spec of specifiers(file)) {
        const target = spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)) : null;
        const relativeOk = target !== null && (/^(admin|core|http)\//.test(target) || target === 'cli/access-matrix.js');
        if (!relativeOk && !spec.startsWith('node:') && spec !== 'eta' && spec !== 'kysely') offending.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  test('has no import cycle with src/http or src/fastify', () => {
    const files = ['admin', 'http', 'fastify'].flatMap((d) => sourceFiles(join(SRC, d)));
    const graph = new Map(
      files.map((file) => [
        file,
        specifiers(file)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
          .filter((d) => files.includes(d)),
      ]),
    );
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (node: string): void => {
      if (path.includes(node)) {
        cycles.push(
          path
            .slice(path.indexOf(node))
            .concat(node)
            .map((f) => relative(SRC, f))
            .join(' → '),
        );
        return;
      }
      if (done.has(node)) return;
      path.push(node);
      for (const dep of graph.get(node) ?? []) visit(dep);
      path.pop();
      done.add(node);
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });
});
