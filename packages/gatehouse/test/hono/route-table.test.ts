/**
 * The route walk's pattern rule: a guard on `app.use(pattern)` counts for a route only when the
 * pattern surely covers the route's path. Wrong in the generous direction would let an
 * undeclared route pass the start-up check, so every doubtful pattern covers nothing.
 */
import { describe, expect, it } from 'vitest';
import type { RouterRoute } from 'hono/types';
import { untypedAccess } from '../../src/http/access.js';
import { access } from '../../src/hono/guards.js';
import { patternCovers, planChain, roleOf } from '../../src/hono/route-table.js';

describe('patternCovers', () => {
  it.each([
    ['*', '/anything/:id/'],
    ['/*', '/'],
    ['/admin/*', '/admin'],
    ['/admin/*', '/admin/'],
    ['/admin/*', '/admin/users/:id/'],
    ['/orders/:id/*', '/orders/:id/items/'],
    ['/orders/:id/', '/orders/:key/'],
    ['/files/*', '/files/*'],
  ])('%s covers %s', (pattern, path) => {
    expect(patternCovers(pattern, path)).toBe(true);
  });

  it.each([
    ['/admin/*', '/administrator/'],
    ['/admin/', '/admin/users/'],
    ['/api/:version{v[0-9]+}/*', '/api/v1/users/'],
    ['/orders/:id?', '/orders/'],
    ['/a/*/c', '/a/b/c'],
    ['/orders/:id/', '/orders/*'],
    ['/admin/users/', '/admin/'],
  ])('%s does not cover %s', (pattern, path) => {
    expect(patternCovers(pattern, path)).toBe(false);
  });
});

describe('the roles of route entries', () => {
  const entry = (method: string, handler: unknown): RouterRoute => ({ basePath: '/', path: '/x', method, handler: handler as RouterRoute['handler'] });

  it('tells middleware, routes and guards apart, counting a method handler that takes next as a route', () => {
    expect(roleOf(entry('ALL', (_c: unknown, _next: unknown) => undefined))).toBe('middleware');
    expect(roleOf(entry('ALL', (_c: unknown) => undefined))).toBe('handler');
    expect(roleOf(entry('GET', (_c: unknown, _next: unknown) => undefined))).toBe('handler');
    expect(roleOf(entry('GET', access(untypedAccess.publicAccess())))).toBe('guard');
  });

  it('takes the guards before the first handler only: later ones belong to other routes on the same path', () => {
    const own = access(untypedAccess.authenticated());
    const other = access(untypedAccess.permission('shop.view_order'));
    const plan = planChain([entry('GET', own), entry('GET', (_c: unknown) => undefined), entry('GET', other), entry('GET', (_c: unknown) => undefined)]);
    expect(plan.guards.map((guard) => guard.access.kind)).toEqual(['authenticated']);
    expect(plan.hasHandler).toBe(true);
  });
});
