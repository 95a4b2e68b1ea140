/**
 * What the types promise Hono apps, checked by `tsc` (the `@ts-expect-error` lines must fail to
 * compile, or tsc reports the unused directive): `c.get('user')` is a logged-in `User` after a
 * guard that needs one and `AnyUser` elsewhere, and typed guards refuse misspelt permissions.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/core/gatehouse.js';
import { type GatehouseEnv, access, authenticated, guardsFor, loginRequired, permissionRequired, publicAccess, staffOnly } from '../../src/hono/index.js';

/** Built only to be type-checked; the test below just proves it builds. */
function typedRoutes(gatehouse: Gatehouse<'billing.view_invoice'>): Hono<GatehouseEnv> {
  const app = new Hono<GatehouseEnv>();
  app.get('/me/', access(authenticated()), (c) => {
    const id: number = c.get('user').id;
    return c.json({ id });
  });
  app.get('/staff/', access(staffOnly()), (c) => c.text(c.get('user').username));
  app.get('/guarded/', loginRequired(), (c) => c.json({ id: c.get('user').id satisfies number }));
  app.get('/invoices/', permissionRequired('billing.view_invoice'), (c) => c.json({ id: c.get('user').id satisfies number }));
  app.get('/open/', access(publicAccess()), (c) => {
    // @ts-expect-error: on a public route the user may be anonymous (id null)
    const id: number = c.get('user').id;
    return c.json({ id, anonymous: !c.get('user').isAuthenticated });
  });
  const typed = guardsFor(gatehouse);
  app.get('/typed/', typed.permissionRequired('billing.view_invoice'), (c) => c.text('ok'));
  // @ts-expect-error: not one of this gatehouse's permissions
  app.get('/misspelt/', typed.permissionRequired('billing.view_invoices'), (c) => c.text('no'));
  // @ts-expect-error: access() takes a declaration, not a permission name
  app.get('/wrong/', access('billing.view_invoice'), (c) => c.text('no'));
  return app;
}

describe('gatehouse/hono types', () => {
  it('type-checks the routes above (tsc is the real test)', () => {
    expect(typeof typedRoutes).toBe('function');
  });
});
