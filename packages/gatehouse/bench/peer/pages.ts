/** The peer app's few HTML pages (the measured routes answer JSON): a plain layout, values escaped. */

/** How many orders a list page shows, the same number the example shows. */
export const ORDER_LIST_LIMIT = Number(process.env.ORDER_LIST_LIMIT ?? 200);

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A whole page. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
