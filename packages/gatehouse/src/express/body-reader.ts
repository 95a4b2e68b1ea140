/**
 * Reads a request body for gatehouse, since Express 5 parses none by default: urlencoded forms
 * (through the HTTP layer's field-counting parser) and JSON, each up to a byte limit (1 MiB, as
 * Fastify's default; 64 KiB on the account views). Anything else is left unread for the app's own
 * parsers. A body an app parser already read (`express.json()` before the guard) is used as it is.
 *
 * Too large: 413 before or while reading, and reading stops. Malformed JSON: 400. Invalid UTF-8
 * becomes U+FFFD, as with Fastify's parsers.
 */
import type { Request } from 'express';

/** A body gatehouse refused; `statusCode` is what the client gets. */
export class BodyReadError extends Error {
  constructor(
    readonly statusCode: 400 | 413 | 415,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'BodyReadError';
  }
}

/** The body's media type, lower-case without parameters, or '' when none. */
export function mediaType(req: Request): string {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return '';
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** True when the request says it carries a body. */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/** True when the body has been read already (by gatehouse or an app parser). */
export function bodyConsumed(req: Request): boolean {
  return req.complete && !req.readable;
}

function tooLarge(limit: number): BodyReadError {
  return new BodyReadError(413, `The request body is too large (at most ${limit} bytes are accepted).`, 'GATEHOUSE_BODY_TOO_LARGE');
}

/** The raw body as text, refusing more than `limit` bytes. */
export function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        // Drain what is left without keeping it, so the answer can still be written.
        req.resume();
        reject(error);
        return;
      }
      resolve(new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks, size)));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onError = (error: Error): void => finish(error);
    const onAborted = (): void => finish(new BodyReadError(400, 'The request body was cut short.', 'GATEHOUSE_BODY_ABORTED'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Parses JSON text; only an object counts as fields (arrays and scalars give null). */
export function parseJsonFields(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyReadError(400, 'The request body is not valid JSON.', 'GATEHOUSE_BODY_INVALID_JSON');
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
