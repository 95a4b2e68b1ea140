/** The admin's index (the sections the staff user may open, or a note that there are none) and its stylesheet. */
import type { HttpResponse } from '../../http/response.js';
import type { AdminRequest, AdminSettings } from '../context.js';

/** GET `/`: one card per section the user may open. */
export async function indexView(request: AdminRequest): Promise<HttpResponse> {
  return request.render('admin/index.html', 'Administration');
}

/** GET `/admin.css`: cacheable for an hour (it is the same for everyone). */
export function cssView(settings: AdminSettings): HttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' },
    cookies: [],
    body: settings.templates.css(),
  };
}
