/**
 * Reading a request body once, with a size limit, and sharing it. The web-standard `Request`
 * offers `text()`/`formData()`, which read everything whatever its size; Hono caches what they
 * return on `c.req.bodyCache`. So gatehouse reads the stream itself, stops (413) as soon as the
 * limit is passed — before a byte more is buffered — and leaves the bytes in Hono's cache, where
 * the app's own `c.req.text()`, `json()`, `parseBody()` or `formData()` find them.
 */
import type { Context } from 'hono';
import { HttpClientError } from '../http/errors.js';
import { MAX_FORM_FIELDS, TooManyFieldsError, parseFormBody } from '../http/form-body.js';

/** The body was larger than the limit. */
export class BodyTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'GATEHOUSE_BODY_TOO_LARGE';

  constructor(limit: number) {
    super(`The request body is too large (at most ${limit} bytes are accepted).`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body is not what its Content-Type says (invalid JSON, a broken multipart body). */
export class MalformedBodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'GATEHOUSE_MALFORMED_BODY';

  constructor(message: string) {
    super(message);
    this.name = 'MalformedBodyError';
  }
}

/** The kinds of body gatehouse reads; anything else is left to the app, unread. */
export type BodyKind = 'form' | 'json' | 'multipart';

/** Which kind the Content-Type names, or null. */
export function bodyKind(contentType: string | undefined): BodyKind | null {
  if (contentType === undefined) return null;
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (media === 'application/x-www-form-urlencoded') return 'form';
  if (media === 'multipart/form-data') return 'multipart';
  if (media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))) return 'json';
  return null;
}

/** The body as bytes, at most `limit` of them; throws `BodyTooLargeError` past it. */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw new BodyTooLargeError(limit);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads the body of `c` within `limit` and caches it for the app (`c.req.text()` and friends).
 * Returns the text (UTF-8, invalid sequences replaced, as a form parser would read it).
 */
export async function readBodyOnce(c: Context, limit: number): Promise<{ bytes: Uint8Array; text: string }> {
  const bytes = await readLimited(c.req.raw, limit);
  const text = new TextDecoder().decode(bytes);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // Hono types the cache as the Body methods, but stores the promises they return.
  const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
  cache.arrayBuffer = Promise.resolve(buffer);
  cache.text = Promise.resolve(text);
  return { bytes, text };
}

/**
 * The body's fields for the CSRF check and the handlers: a urlencoded form (at most
 * `MAX_FORM_FIELDS` fields, as the other adapters), a JSON object, or a multipart form's fields
 * (files kept as `File`s). Null when the Content-Type is none of these (the body is left unread
 * for the app) or the JSON is not an object. Throws `BodyTooLargeError`, `TooManyFieldsError`
 * (both 413) or `MalformedBodyError` (400); with `onlyKnownTypes` (the account views), any other
 * Content-Type is refused with 415.
 */
export async function readFields(c: Context, limit: number, options: { onlyKnownTypes?: boolean } = {}): Promise<Record<string, unknown> | null> {
  const contentType = c.req.raw.headers.get('content-type') ?? undefined;
  const kind = bodyKind(contentType);
  if (kind === null) {
    // gatehouse's own views take forms and JSON only; an app's routes may take anything.
    if (options.onlyKnownTypes && contentType !== undefined) throw new HttpClientError(415, 'This content type is not accepted here.');
    return null;
  }
  const { bytes, text } = await readBodyOnce(c, limit);
  if (kind === 'form') return parseFormBody(text, { maxFields: MAX_FORM_FIELDS });
  if (kind === 'json') {
    if (text.trim() === '') throw new MalformedBodyError('The request body is empty.');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new MalformedBodyError('The request body is not valid JSON.');
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  }
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType as string } }).formData();
  } catch {
    throw new MalformedBodyError('The form data is malformed.');
  }
  // No prototype: a field named `__proto__` is a field like any other.
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let count = 0;
  for (const [name, value] of form.entries()) {
    count += 1;
    if (count > MAX_FORM_FIELDS) throw new TooManyFieldsError(MAX_FORM_FIELDS);
    const previous = fields[name];
    // A repeated field becomes an array, as in a urlencoded form (and reads as absent through `field`).
    if (previous === undefined) fields[name] = value;
    else fields[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return fields;
}
