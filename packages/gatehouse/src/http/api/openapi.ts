/**
 * The OpenAPI 3.1 document of the JSON account API, generated from its route table (routes.ts)
 * so it cannot drift from what is served. Adapters serve it in development; CI checks the
 * committed copy (docs/public/openapi.json) is fresh.
 */
import { API_ENDPOINTS, type ApiEndpoint } from './routes.js';
import { schemas } from './schemas.js';

/** `/sessions/:id` → `/sessions/{id}`. */
function openApiPath(prefix: string, path: string): string {
  return `${prefix}${path}`.replace(/:([A-Za-z_]+)/g, '{$1}');
}

const ERROR_STATUS: Record<string, string> = {
  invalid_credentials: '400',
  validation_failed: '400',
  invalid_token: '400',
  not_authenticated: '401',
  reauth_required: '401',
  forbidden: '403',
  csrf_failed: '403',
  not_found: '404',
  throttled: '429',
};

function operation(endpoint: ApiEndpoint): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    [String(endpoint.success.status)]: endpoint.success.schema
      ? { description: endpoint.success.description, content: { 'application/json': { schema: endpoint.success.schema } } }
      : { description: endpoint.success.description },
  };
  const byStatus = new Map<string, string[]>();
  for (const code of endpoint.errors) {
    const status = ERROR_STATUS[code] ?? '400';
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of byStatus) {
    responses[status] = { description: `error.code: ${codes.join(', ')}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const params = [...endpoint.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const unsafe = endpoint.method !== 'GET';
  return {
    operationId: endpoint.name,
    summary: endpoint.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(endpoint.request ? { requestBody: { required: true, content: { 'application/json': { schema: endpoint.request } } } } : {}),
    responses,
    security: endpoint.access.kind === 'public' ? [{}, { session: [] }] : endpoint.sessionOnly ? [{ session: [] }] : [{ session: [] }, { bearer: [] }],
    ...(unsafe ? { 'x-csrf': 'Cookie sessions send the token from GET csrf as the X-CSRFToken header; bearer requests need none.' } : {}),
  };
}

/** The document for the API mounted at `prefix` (`/api/auth` by default). */
export function openApiDocument(options: { prefix?: string; title?: string; version?: string } = {}): Record<string, unknown> {
  const prefix = options.prefix ?? '/api/auth';
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of API_ENDPOINTS) {
    const path = openApiPath(prefix, endpoint.path);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[endpoint.method.toLowerCase()] = operation(endpoint);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'gatehouse account API',
      version: options.version ?? '1',
      description:
        'JSON in and out. Errors are {"error": {"code", "message", "fields"?}} with stable codes. A cookie session sends the CSRF token on unsafe methods; a bearer token (Authorization: Bearer gh_…) needs no CSRF and sets no cookie, and never exceeds its user.',
    },
    paths,
    components: {
      schemas: { Error: schemas.error, User: schemas.user },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'sessionid', description: 'The session cookie (`__Host-sessionid` over HTTPS)' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token' },
      },
    },
  };
}
