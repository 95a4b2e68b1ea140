/**
 * `gatehouse routes`: the route inventory (method, path, access class, permissions) and the
 * access matrix of roles x routes, from the `routes` function of the app's config module. It
 * reads the code only, never the database, so CI can publish the matrix without one.
 */
import type { Command } from 'commander';
import { permissionDefinitions } from '../../core/permissions.js';
import { ALL_PERMISSIONS } from '../../core/roles.js';
import { buildAccessMatrix, routeRows } from '../access-matrix.js';
import { type LoadedApp, loadApp } from '../app-module.js';
import type { GlobalOptions } from '../context.js';
import { CliError } from '../errors.js';
import { out, writeRaw } from '../output.js';
import { ROUTE_FORMATS, type RouteFormat, renderRouteReport } from '../route-report.js';
import { permissionNameOf } from '../../core/permission-name.js';

async function showRoutes(loaded: LoadedApp, options: { format: string; json?: boolean }): Promise<void> {
  const format = (options.json ? 'json' : options.format) as RouteFormat;
  if (!ROUTE_FORMATS.includes(format)) throw new CliError(`--format must be one of ${ROUTE_FORMATS.join(', ')}, got "${options.format}".`);
  const source = loaded.app.routes;
  if (source === null) {
    throw new CliError(
      loaded.path === null
        ? 'No config module (gatehouse.config.{js,mjs,ts,mts} or --config), so there is no route inventory to show.'
        : `${loaded.path} declares no \`routes\`: add \`routes: async () => ...\` returning the inventory (\`app.gatehouseRoutes()\` on Fastify, \`gh.routes(app)\` on Express).`,
    );
  }
  let inventory: Awaited<ReturnType<typeof source>>;
  try {
    inventory = await source();
  } catch (error) {
    throw new CliError(`The config module's routes() failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(inventory)) throw new CliError("The config module's routes() must return an array of { method, url, access, permissions }.");
  const routes = routeRows(inventory);
  const declared = permissionDefinitions(loaded.app.apps).map(permissionNameOf);
  const roles = new Map<string, ReadonlySet<string>>();
  for (const [name, perms] of Object.entries(loaded.app.roles)) {
    roles.set(name, new Set<string>(perms === ALL_PERMISSIONS ? declared : perms));
  }
  const report = renderRouteReport(format, routes, buildAccessMatrix(routes, roles));
  // JSON and HTML escape what they must themselves; the table and Markdown are for terminals too.
  if (format === 'json' || format === 'html') writeRaw(report);
  else out(report);
}

/** Registers `routes`. */
export function registerRoutes(program: Command): void {
  program
    .command('routes')
    .description('the route inventory and the access matrix (roles x routes)')
    .option('--format <format>', `output format: ${ROUTE_FORMATS.join(', ')}`, 'table')
    .option('--json', 'the same as --format json')
    .addHelpText(
      'after',
      '\nMatrix cells: yes; no; "staff only" (staff and critical routes also need the staff flag, which no role gives);\n' +
        '"per object" (an object rule decides); "custom test" (a test function decides); "undeclared" (no guard at all).',
    )
    .action(async (options, command: Command) => showRoutes(await loadApp(command.optsWithGlobals<GlobalOptions>().config), options));
}
