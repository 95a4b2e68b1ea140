/**
 * The request's body fields for the CSRF check and the handler: read once per request, by
 * whoever needs it first (the middleware for routes without a guard, else the first guard, after
 * access is decided), and left on `req.body` as `express.urlencoded()`/`express.json()` would.
 */
import type { Request } from 'express';
import { parseFormBody } from '../http/form-body.js';
import { BodyReadError, bodyConsumed, hasBody, mediaType, parseJsonFields, readText } from './body-reader.js';
import type { ExpressRequestState } from './request-state.js';

/** Bytes a body may have unless the route says otherwise (Fastify's default `bodyLimit`). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

function fieldsOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isJson(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** How a route takes bodies. */
export interface BodyRules {
  /** Bytes at most (default 1 MiB). */
  limit?: number;
  /** Only forms and JSON: any other body is refused with 415 (the account views). */
  formsOnly?: boolean;
}

/** Reads and parses the body if not done yet; throws 400/413/415 errors the error handler answers. */
export async function ensureBody(req: Request, state: ExpressRequestState, rules: BodyRules = {}): Promise<void> {
  const limit = rules.limit ?? DEFAULT_BODY_LIMIT;
  if (state.bodyRead) return;
  state.bodyRead = true;
  if (req.body !== undefined || bodyConsumed(req)) {
    // An app parser ran first (`express.json()` in front of the guard): take what it found.
    state.view.body = fieldsOf(req.body);
    return;
  }
  const type = mediaType(req);
  let fields: Record<string, unknown> | null;
  if (type === 'application/x-www-form-urlencoded') fields = parseFormBody(await readText(req, limit));
  else if (isJson(type)) fields = parseJsonFields(await readText(req, limit));
  else if (rules.formsOnly && hasBody(req)) throw new BodyReadError(415, 'This content type is not accepted here.', 'GATEHOUSE_UNSUPPORTED_MEDIA_TYPE');
  else return; // Multipart, raw and the rest are the app's to read.
  state.view.body = fields;
  req.body = fields ?? {};
}
