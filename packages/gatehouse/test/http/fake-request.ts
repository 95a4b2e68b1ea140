/** A plain `HttpRequest` for unit tests of the HTTP layer: no framework, no socket. */
import type { HttpRequest } from '../../src/http/index.js';

/** What a fake request is made of. */
export interface FakeRequestInit {
  method?: string;
  url?: string;
  route?: string | null;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  body?: Record<string, unknown> | null;
  clientAddress?: string;
  protocol?: string;
  host?: string;
}

/** A request to `localhost` from 127.0.0.1 over HTTP unless told otherwise. */
export function fakeRequest(init: FakeRequestInit = {}): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: (init.method ?? 'GET').toUpperCase(),
    url: init.url ?? '/',
    route: init.route ?? null,
    header: (name) => headers[name],
    cookie: (name) => init.cookies?.[name],
    clientAddress: init.clientAddress ?? '127.0.0.1',
    protocol: init.protocol ?? 'http',
    host: init.host ?? 'localhost',
    body: init.body ?? null,
    native: { fake: true },
  };
}

/** A logger that keeps what it is given. */
export function memoryLogger(): {
  lines: { level: string; object: object; message?: string | undefined }[];
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
} {
  const lines: { level: string; object: object; message?: string | undefined }[] = [];
  return {
    lines,
    info: (object, message) => lines.push({ level: 'info', object, message }),
    warn: (object, message) => lines.push({ level: 'warn', object, message }),
    error: (object, message) => lines.push({ level: 'error', object, message }),
  };
}
