/**
 * gatehouse/express translates and decides nothing of its own: it imports the HTTP layer and the
 * core (never the Fastify adapter, src/db or a driver), Express and Node, and has no import
 * cycles, type-only imports included.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const DIR = join(SRC, 'express');
const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(DIR, name));

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ];
  return found.map((m) => m[1] ?? '');
}

describe('src/express', () => {
  it('imports src/http, src/core, Express and Node only', () => {
    const offending: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(file)) {
        const ok = spec === 'express' || spec.startsWith('node:') || /^\.\.\/(http|core)\//.test(spec) || /^\.\/[a-z-]+\.js$/.test(spec);
        if (!ok) offending.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map(
      files.map((file) => [
        file,
        specifiers(file)
          .filter((s) => s.startsWith('./'))
          .map((s) => join(DIR, s.replace(/\.js$/, '.ts'))),
      ]),
    );
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (node: string): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].map((f) => relative(DIR, f)).join(' → '));
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
