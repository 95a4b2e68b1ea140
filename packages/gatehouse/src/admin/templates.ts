/**
 * The admin's templates (Eta), looked up as the account views' are (the same `Templates`): the
 * app's `templatesDir` first, under the same names (`admin/users/list.html`, `admin/layout.html`...),
 * then the defaults shipped beside this module. An app can so replace one screen, or only the layout.
 */
import { Templates, shippedTemplatesDir } from '../http/templates.js';

/** The shipped admin templates: beside this module (src/, tsx) or copied to dist/admin/templates by the build. */
function defaultDir(): string {
  return shippedTemplatesDir(
    [new URL('./templates/', import.meta.url), new URL('../../src/admin/templates/', import.meta.url)],
    'admin/layout.html',
    "gatehouse's admin templates",
  );
}

/** Renders the admin's pages and serves its stylesheet. */
export class AdminTemplates {
  private readonly templates: Templates;

  /** `appDir`: the app's template folder, searched before the defaults. */
  constructor(appDir: string | null) {
    this.templates = new Templates(appDir, defaultDir());
  }

  /** One page, every interpolation escaped. */
  page(name: string, data: object): string {
    return this.templates.page(name, data);
  }

  /** `admin/admin.css` (the app's copy if it has one), read once. */
  css(): string {
    return this.templates.asset('admin/admin.css');
  }
}
