/**
 * The route inventory and access matrix in four formats: a terminal table, Markdown (for a pull
 * request or a wiki), JSON (for scripts) and one self-contained HTML page (no scripts, no
 * external files; every value escaped, since paths and role names are data).
 */
import { type AccessMatrix, type RouteRow, routeNotes } from './access-matrix.js';
import { formatTable } from './output.js';

/** The formats `gatehouse routes` writes. */
export const ROUTE_FORMATS = ['table', 'markdown', 'json', 'html'] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];

const permissionsText = (r: RouteRow): string => (r.permissions.length === 0 ? '-' : r.permissions.join(', '));
const routeText = (r: RouteRow): string => `${r.method} ${r.url}`;

function asTable(routes: readonly RouteRow[], matrix: AccessMatrix): string {
  const inventory = formatTable(routes, [
    { header: 'METHOD', value: (r) => r.method },
    { header: 'PATH', value: (r) => r.url },
    { header: 'ACCESS', value: (r) => r.access },
    { header: 'PERMISSIONS', value: permissionsText },
    { header: 'NOTES', value: routeNotes },
  ]);
  const grid = formatTable(matrix.rows, [
    { header: 'ROUTE', value: (row) => routeText(row.route) },
    ...matrix.columns.map((name, i) => ({ header: name, value: (row: AccessMatrix['rows'][number]) => row.cells[i] ?? '' })),
  ]);
  return `Routes\n\n${inventory}\n\nAccess matrix (roles x routes)\n\n${grid}`;
}

/** Table cell text: pipes, backslashes and markup characters escaped, so a path stays literal. */
function md(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[&<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'))
    .replace(/[`*[\]]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

function mdTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.map(md).join(' | ')} |`, `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)].join('\n');
}

function asMarkdown(routes: readonly RouteRow[], matrix: AccessMatrix): string {
  const inventory = mdTable(
    ['Method', 'Path', 'Access', 'Permissions', 'Notes'],
    routes.map((r) => [r.method, r.url, r.access, permissionsText(r), routeNotes(r)]),
  );
  const grid = mdTable(
    ['Route', ...matrix.columns],
    matrix.rows.map((row) => [routeText(row.route), ...row.cells]),
  );
  return `## Routes\n\n${inventory}\n\n## Access matrix\n\n${grid}\n`;
}

function asJson(routes: readonly RouteRow[], matrix: AccessMatrix): string {
  return JSON.stringify(
    {
      routes: routes.map((r) => ({
        method: r.method,
        url: r.url,
        access: r.access,
        accessClass: r.accessClass,
        permissions: r.permissions,
        recentAuth: r.recentAuth,
        rule: r.rule,
        csrfExempt: r.csrfExempt,
      })),
      columns: matrix.columns,
      matrix: matrix.rows.map((row) => ({
        method: row.route.method,
        url: row.route.url,
        reach: Object.fromEntries(matrix.columns.map((c, i) => [c, row.cells[i]])),
      })),
    },
    null,
    2,
  );
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function asHtml(routes: readonly RouteRow[], matrix: AccessMatrix, title: string): string {
  const cell = (text: string, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
  const reachClass = (reach: string): string => (reach === 'yes' ? 'yes' : reach === 'no' ? 'no' : 'other');
  const inventory = routes
    .map(
      (r) =>
        `<tr>${cell(r.method)}<td><code>${escapeHtml(r.url)}</code></td>${cell(r.access, `access-${r.accessClass}`)}${cell(permissionsText(r))}${cell(routeNotes(r))}</tr>`,
    )
    .join('\n');
  const grid = matrix.rows
    .map((row) => `<tr><th scope="row"><code>${escapeHtml(routeText(row.route))}</code></th>${row.cells.map((c) => cell(c, reachClass(c))).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
thead th { background: #f0f0f0; }
td.yes { background: #e3f6e3; } td.no { background: #fbe4e4; } td.other { background: #fff4d6; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<h2>Routes</h2>
<table>
<thead><tr><th>Method</th><th>Path</th><th>Access</th><th>Permissions</th><th>Notes</th></tr></thead>
<tbody>
${inventory}
</tbody>
</table>
<h2>Access matrix</h2>
<p>Staff and critical routes also need the user's staff flag, which no role gives: "staff only". Object routes without the permissions that grant every object are decided by their rule ("per object").</p>
<table>
<thead><tr><th>Route</th>${matrix.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead>
<tbody>
${grid}
</tbody>
</table>
</body>
</html>
`;
}

/** Renders the report in one format. */
export function renderRouteReport(format: RouteFormat, routes: readonly RouteRow[], matrix: AccessMatrix, title = 'Routes and access'): string {
  switch (format) {
    case 'table':
      return asTable(routes, matrix);
    case 'markdown':
      return asMarkdown(routes, matrix);
    case 'json':
      return asJson(routes, matrix);
    case 'html':
      return asHtml(routes, matrix, title);
  }
}
