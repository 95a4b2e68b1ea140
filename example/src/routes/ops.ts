/** Ops: internal metrics, for holders of ops.view_metrics only (not for every staff user). */
import type { FastifyInstance } from 'fastify';
import { asJson, sendPage } from '../views.js';
import type { RouteDeps } from './common.js';
import { compileOnce } from './compiled.js';

/** `/internal/metrics/`. */
export function registerOpsRoutes(app: FastifyInstance, { services, access }: RouteDeps): void {
  const { db, gatehouse } = services;
  // Compiled once (compiled.ts): the same SQL on every request.
  const metricRows = compileOnce(db, (q) => q.selectFrom('ops_metric').select(['name', 'value']).orderBy('name'));
  const sessionCount = compileOnce(db, (q) => q.selectFrom('gh_session').select((eb) => eb.fn.countAll<number>().as('n')));
  app.get('/internal/metrics/', { config: { access: access.permission('ops.view_metrics') } }, async (request, reply) => {
    const metrics = await metricRows();
    const [sessions] = await sessionCount();
    const users = await gatehouse.stores.users.count();
    const all = [
      ...metrics.map((m) => ({ name: m.name, value: Number(m.value) })),
      { name: 'users', value: users },
      { name: 'stored_sessions', value: Number(sessions?.n ?? 0) },
    ];
    if (asJson(request)) return { metrics: Object.fromEntries(all.map((m) => [m.name, m.value])) };
    return sendPage(request, reply, gatehouse, 'metrics.html', 'Internal metrics', { metrics: all });
  });
}
