/**
 * Finds and loads the app's config module: `--config <path>`, else the first of
 * `gatehouse.config.{js,mjs,ts,mts}` in the current folder. TypeScript modules go through tsx's
 * ESM API, so an app does not have to compile its config to use the command.
 */
import type { Mailer } from '../core/ports.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type GatehouseApp, defineGatehouseApp } from '../core/app-definition.js';
import { GatehouseError } from '../core/errors.js';
import { CliError } from './errors.js';

/** The conventional names, in the order they are looked for. */
export const CONFIG_FILE_NAMES = ['gatehouse.config.js', 'gatehouse.config.mjs', 'gatehouse.config.ts', 'gatehouse.config.mts'] as const;

/** A loaded config module, or the fact that there is none. */
export interface LoadedApp {
  /** The module's path, or null when there is no config module. */
  path: string | null;
  app: GatehouseApp;
  /**
   * The module's `export const mailer` (anything with `send(message)`), handed to the core so a
   * password set from the command line is announced to the account like one set on the site.
   */
  mailer?: Mailer;
}

function isMailer(value: unknown): value is Mailer {
  return value !== null && typeof value === 'object' && typeof (value as { send?: unknown }).send === 'function';
}

const EMPTY_APP: GatehouseApp = defineGatehouseApp({ apps: {} });

/** The config module's path: the given one (which must exist), a conventional one, or null. */
function findConfigModule(given: string | undefined, cwd: string = process.cwd()): string | null {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new CliError(`The config module ${given} does not exist.`);
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

type TsImport = (specifier: string, options: string | { parentURL: string }) => Promise<unknown>;

/** tsx's `tsImport`, from gatehouse's own dependencies or else from the app's folder. */
async function loadTsImport(path: string): Promise<TsImport> {
  try {
    return (await import('tsx/esm/api')).tsImport as TsImport;
  } catch {
    try {
      // Installed in the app but not beside gatehouse (e.g. gatehouse linked from elsewhere).
      const resolved = createRequire(path).resolve('tsx/esm/api');
      return ((await import(pathToFileURL(resolved).href)) as { tsImport: TsImport }).tsImport;
    } catch {
      throw new CliError(
        `${path} is TypeScript, and loading it needs tsx: npm install --save-dev tsx (or compile the config module to .js/.mjs and pass --config).`,
      );
    }
  }
}

/** Imports the module and checks that it exports an app definition. */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const extension = extname(path);
  try {
    if (extension === '.ts' || extension === '.mts' || extension === '.cts' || extension === '.tsx') {
      const tsImport = await loadTsImport(path);
      return (await tsImport(pathToFileURL(path).href, { parentURL: import.meta.url })) as Record<string, unknown>;
    }
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof CliError) throw error;
    // A ConfigError from defineGatehouseApp/defineApps is already a clear sentence.
    if (error instanceof GatehouseError) throw new CliError(`${path}: ${error.message}`);
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError(`Cannot load the config module ${path}: ${message}`);
  }
}

function isAppShape(value: unknown): value is { apps: object } {
  return value !== null && typeof value === 'object' && 'apps' in value && typeof (value as { apps: unknown }).apps === 'object';
}

/** Loads the app's declarations; an app with nothing declared when there is no module. */
export async function loadApp(given: string | undefined, cwd: string = process.cwd()): Promise<LoadedApp> {
  const path = findConfigModule(given, cwd);
  if (path === null) return { path: null, app: EMPTY_APP };
  const mod = await importModule(path);
  // `export default defineGatehouseApp(...)`, or `export const app = ...`; tsx may wrap a
  // CommonJS-style default once more.
  const candidates = [mod.default, mod.app, (mod.default as Record<string, unknown> | undefined)?.default];
  const found = candidates.find(isAppShape);
  if (!found) {
    throw new CliError(`${path} does not export an app: write \`export default defineGatehouseApp({ apps, roles, config })\`.`);
  }
  try {
    // Runs the checks again for modules that built the object by hand.
    const app = defineGatehouseApp(found as Parameters<typeof defineGatehouseApp>[0]);
    return isMailer(mod.mailer) ? { path, app, mailer: mod.mailer } : { path, app };
  } catch (error) {
    if (error instanceof GatehouseError) throw new CliError(`${path}: ${error.message}`);
    throw error;
  }
}
