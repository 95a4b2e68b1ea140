/**
 * Page and mail templates (Eta), looked up as Django does: the app's own folder first, under the
 * same names (`registration/login.html`, `403.html`...), then the defaults shipped here. A name
 * starting with `/` (as in `layout('/layout.html')`) is looked up the same way, so an app can
 * replace just the layout, or just one page.
 *
 * HTML templates escape every `<%= %>` interpolation; the mail's text templates do not (they are
 * not HTML), and their subject is flattened to one line so a value cannot inject a header.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta, type Options as EtaOptions } from 'eta';
import { ConfigError } from '../core/errors.js';

/**
 * The first of `candidates` holding `marker`: shipped templates live beside their module in
 * `src/` (tests, tsx) or where the build copied them in `dist/`; else the `src/` copy next to
 * `dist/` in a repository checkout. `what` names them in the error.
 */
export function shippedTemplatesDir(candidates: readonly URL[], marker: string, what: string): string {
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, marker))) return dir;
  }
  throw new ConfigError(
    'gatehouse.config.templates_missing',
    `${what} were not found in ${candidates.map((c) => fileURLToPath(c)).join(' or ')}: copy them to dist/ when building.`,
  );
}

function defaultTemplatesDir(): string {
  return shippedTemplatesDir(
    [new URL('./templates/', import.meta.url), new URL('../../src/http/templates/', import.meta.url)],
    'layout.html',
    "gatehouse's default templates",
  );
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Eta with a two-folder lookup: the app's folder, then the defaults. */
class LayeredEta extends Eta {
  private readonly found = new Map<string, string>();

  constructor(
    private readonly dirs: readonly string[],
    autoEscape: boolean,
  ) {
    // `views` must be set for Eta to resolve names at all; the lookup below replaces its own.
    super({ views: dirs[dirs.length - 1] ?? '/', autoEscape, autoTrim: false, cache: true, defaultExtension: '' });
  }

  override resolvePath = (name: string, options?: Partial<EtaOptions>): string => {
    const base = options?.filepath;
    // A relative name inside a template resolves next to that template, in the same folder tree.
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

/** Renders the plugin's pages and mails. */
export class Templates {
  private readonly html: LayeredEta;
  private readonly text: LayeredEta;
  private readonly assets = new Map<string, string>();

  /** `appDir`: the app's template folder, searched before `defaultsDir` (the account views' by default). */
  constructor(appDir?: string | null, defaultsDir: string = defaultTemplatesDir()) {
    const dirs = [...(appDir ? [resolve(appDir)] : []), defaultsDir];
    this.html = new LayeredEta(dirs, true);
    this.text = new LayeredEta(dirs, false);
  }

  /** An HTML page, every interpolation escaped. */
  page(name: string, data: object): string {
    return this.html.render(name, data);
  }

  /** A plain-text body (a mail), not escaped. */
  textBody(name: string, data: object): string {
    return this.text.render(name, data);
  }

  /** A static file from the template folders (the stylesheet), read once. */
  asset(name: string): string {
    let content = this.assets.get(name);
    if (content === undefined) {
      content = readFileSync(this.html.resolvePath(`/${name}`), 'utf8');
      this.assets.set(name, content);
    }
    return content;
  }

  /** A mail subject: one line, trimmed, however the template is written. */
  subject(name: string, data: object): string {
    return this.text
      .render(name, data)
      .replace(/[\r\n\u2028\u2029]+/g, ' ')
      .trim();
  }
}
