/**
 * `gatehouse init`: writes the app's config module, so the command works on the app's own
 * declarations (`migrate` syncs its permissions, `roles plan --check` compares its roles). It asks
 * nothing it can work out from the project folder:
 *
 * - TypeScript (a tsconfig.json, or typescript among the dependencies) → `gatehouse.config.ts`,
 *   else `gatehouse.config.mjs`;
 * - the default database from the driver the project depends on (better-sqlite3 → a SQLite file,
 *   pg → a PostgreSQL URL named after the package), always overridden by `DATABASE_URL`;
 * - the app label from the package name.
 *
 * It never overwrites an existing config module (unless `--force`), and needs no database.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE_NAMES } from '../app-module.js';
import { CliError } from '../errors.js';
import { note, out } from '../output.js';

/** What `init` learned about the project. */
export interface ProjectFacts {
  typescript: boolean;
  /** tsx is installed (loading a .ts config module needs it). */
  tsx: boolean;
  driver: 'sqlite' | 'postgres';
  appLabel: string;
  packageName: string;
}

type PackageJson = { name?: unknown; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

function readPackageJson(dir: string): PackageJson {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
  } catch {
    throw new CliError(`${path} is not valid JSON.`);
  }
}

/** `@acme/billing-api` → `billing_api`: lower case letters, digits and `_`, starting with a letter. */
function appLabelFrom(packageName: string): string {
  const base = packageName
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '');
  // `auth` is gatehouse's own app label.
  return base === '' || base === 'auth' ? 'app' : base.slice(0, 50);
}

/** Looks at the project in `dir`. */
function projectFacts(dir: string): ProjectFacts {
  const pkg = readPackageJson(dir);
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const has = (name: string): boolean => Object.hasOwn(deps, name) || existsSync(join(dir, 'node_modules', name, 'package.json'));
  const packageName = typeof pkg.name === 'string' && pkg.name !== '' ? pkg.name : 'app';
  return {
    typescript: existsSync(join(dir, 'tsconfig.json')) || Object.hasOwn(deps, 'typescript'),
    tsx: has('tsx'),
    driver: Object.hasOwn(deps, 'pg') && !Object.hasOwn(deps, 'better-sqlite3') ? 'postgres' : 'sqlite',
    appLabel: appLabelFrom(packageName),
    packageName,
  };
}

/** The config module's text for a project. */
export function configModule(facts: ProjectFacts): string {
  const database = facts.driver === 'postgres' ? `postgres://localhost/${facts.appLabel}` : 'sqlite:app.sqlite3';
  const rolesType = facts.typescript ? '<PermissionName<typeof apps>>' : '';
  const typeImport = facts.typescript ? "import type { PermissionName } from 'gatehouse';\n" : '';
  return `/**
 * gatehouse's view of this app: its permissions, its roles and its settings. The \`gatehouse\`
 * command reads this module (migrate, roles plan --check, perms, users...), and the server should
 * import \`apps\` and \`roles\` from here too, so that both always work on the same declarations.
 */
import { ALL_PERMISSIONS, defineApps, defineGatehouseApp, defineRoles } from 'gatehouse';
${typeImport}
/**
 * Apps and their models. Each model gets add/change/delete/view permissions
 * (\`${facts.appLabel}.view_invoice\`...); custom ones are listed by name.
 */
export const apps = defineApps({
  ${facts.appLabel}: {
    models: {
      // invoice: { permissions: { approve_invoice: 'Can approve invoices' } },
    },
    permissions: {
      // export_reports: 'Can export reports',
    },
  },
});

/** Roles kept in code: \`gatehouse migrate\` applies them, \`gatehouse roles plan --check\` finds drift. */
export const roles = defineRoles${rolesType}({
  Admin: ALL_PERMISSIONS,
  // Support: ['auth.view_user'],
});

export default defineGatehouseApp({
  apps,
  roles,
  config: {
    // At least 32 random characters (\`openssl rand -base64 48\`); several, comma-separated, rotate.
    ...(process.env.SECRET_KEY ? { secretKey: process.env.SECRET_KEY.split(',') } : {}),
  },
  // DATABASE_URL wins; this is the app's own default.
  databaseUrl: process.env.DATABASE_URL ?? '${database}',
});
`;
}

async function init(options: { force?: boolean; js?: boolean }): Promise<void> {
  const dir = process.cwd();
  const existing = CONFIG_FILE_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (existing && !options.force) throw new CliError(`${existing} already exists: edit it, or pass --force to replace it.`);
  const facts = projectFacts(dir);
  const typescript = facts.typescript && !options.js;
  const file = join(dir, typescript ? 'gatehouse.config.ts' : 'gatehouse.config.mjs');
  writeFileSync(file, configModule({ ...facts, typescript }), { flag: options.force ? 'w' : 'wx' });
  out(`Wrote ${file} (app label "${facts.appLabel}", default database ${facts.driver === 'postgres' ? 'PostgreSQL' : 'SQLite'}).`);
  if (typescript && !facts.tsx)
    note('Loading a .ts config module needs tsx: npm install --save-dev tsx (or run `gatehouse init --js --force` for a .mjs module).');
  out('Next: declare your models and roles in it, then run `npx gatehouse migrate`.');
}

/** Registers `init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write gatehouse.config.ts (or .mjs) for this project: apps, roles, settings, database')
    .option('--js', 'write a JavaScript module (gatehouse.config.mjs) even in a TypeScript project')
    .option('--force', 'replace an existing config module')
    .action((options) => init(options));
}
