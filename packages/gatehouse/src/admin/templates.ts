/**
 * The admin's templates (Eta), looked up as the account views' are: the app's `templatesDir`
 * first, under the same names (`admin/users/list.html`, `admin/layout.html`...), then the
 * defaults shipped beside this module. An app can so replace one screen, or only the layout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta, type Options as EtaOptions } from 'eta';
import { ConfigError } from '../core/errors.js';

/** The shipped templates: beside this module (src/, tsx) or copied to dist/admin/templates by the build. */
function defaultDir(): string {
  for (const candidate of [new URL('./templates/', import.meta.url), new URL('../../src/admin/templates/', import.meta.url)]) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'admin', 'layout.html'))) return dir;
  }
  throw new ConfigError(
    'gatehouse.config.templates_missing',
    `gatehouse's admin templates were not found beside ${fileURLToPath(import.meta.url)}: copy src/admin/templates to dist/admin/templates when building.`,
  );
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Eta over the two folders, every `<%= %>` escaped. */
class AdminEta extends Eta {
  private readonly found = new Map<string, string>();

  constructor(private readonly dirs: readonly string[]) {
    super({ views: dirs[dirs.length - 1] ?? '/', autoEscape: true, autoTrim: false, cache: true, defaultExtension: '' });
  }

  override resolvePath = (name: string, options?: Partial<EtaOptions>): string => {
    const base = options?.filepath;
    if (base && !name.startsWith('/')) {
      const file = resolve(dirname(base), name);
      if (this.dirs.some((dir) => isInside(dir, file)) && existsSync(file)) return file;
      throw new ConfigError('gatehouse.templates.not_found', `Template "${name}" (from ${base}) was not found.`);
    }
    const key = name.replace(/^\/+/, '');
    const cached = this.found.get(key);
    if (cached) return cached;
    for (const dir of this.dirs) {
      const file = resolve(dir, key);
      if (isInside(dir, file) && existsSync(file)) {
        this.found.set(key, file);
        return file;
      }
    }
    throw new ConfigError('gatehouse.templates.not_found', `Template "${key}" was not found in ${this.dirs.join(' or ')}.`);
  };
}

/** Renders the admin's pages and serves its stylesheet. */
export class AdminTemplates {
  private readonly eta: AdminEta;
  private stylesheet: string | undefined;

  /** `appDir`: the app's template folder, searched before the defaults. */
  constructor(appDir: string | null) {
    this.eta = new AdminEta([...(appDir ? [resolve(appDir)] : []), defaultDir()]);
  }

  /** One page, every interpolation escaped. */
  page(name: string, data: object): string {
    return this.eta.render(name, data);
  }

  /** `admin/admin.css` (the app's copy if it has one), read once. */
  css(): string {
    this.stylesheet ??= readFileSync(this.eta.resolvePath('/admin/admin.css'), 'utf8');
    return this.stylesheet;
  }
}
