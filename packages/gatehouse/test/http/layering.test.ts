/**
 * The layering issue 11 asks for, checked on the source: nothing in src/http imports a framework
 * or a database driver (or src/db, src/fastify...), and src/http and src/fastify have no import
 * cycles, type-only imports included.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)];
  return found.map((m) => m[1] ?? '');
}

describe('src/http', () => {
  test('imports no framework, no driver, and no other layer than src/core (and src/mail types)', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(join(SRC, 'http'))) {
      for (const spec of specifiers(file)) {
        const relativeOk = spec.startsWith('.') && !/\.\.\/(db|fastify|express|hono|cli|testing)\//.test(spec);
        const nodeOk = spec.startsWith('node:');
        // The only packages the layer uses: Eta (templates) and Kysely's types for object rules.
        const packageOk = spec === 'eta' || spec === 'kysely';
        if (!relativeOk && !nodeOk && !packageOk) offending.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('import cycles', () => {
  test('none among src/http and src/fastify, type-only imports included', () => {
    const files = [...sourceFiles(join(SRC, 'http')), ...sourceFiles(join(SRC, 'fastify'))];
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const deps = specifiers(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
        .filter((d) => files.includes(d));
      graph.set(file, deps);
    }
    const cycles: string[] = [];
    const done = new Set<string>();
    const onPath: string[] = [];
    const visit = (node: string): void => {
      if (onPath.includes(node)) {
        cycles.push(
          onPath
            .slice(onPath.indexOf(node))
            .concat(node)
            .map((f) => relative(SRC, f))
            .join(' → '),
        );
        return;
      }
      if (done.has(node)) return;
      onPath.push(node);
      for (const dep of graph.get(node) ?? []) visit(dep);
      onPath.pop();
      done.add(node);
    };
    for (const file of files) visit(file);
    expect(cycles).toEqual([]);
  });
});
