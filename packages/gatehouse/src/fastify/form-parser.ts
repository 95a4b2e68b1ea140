/**
 * The urlencoded body parser the plugin registers: `@fastify/formbody` with the HTTP layer's
 * `parseFormBody`, which refuses (413) bodies of more than `maxFields` fields before parsing them.
 */
import type { FastifyFormbodyOptions } from '@fastify/formbody';
import { MAX_FORM_FIELDS, parseFormBody } from '../http/form-body.js';

export { MAX_FORM_FIELDS, TooManyFieldsError } from '../http/form-body.js';

/** `@fastify/formbody` options whose parser refuses bodies of more than `maxFields` fields. */
export function formBodyOptions(maxFields: number = MAX_FORM_FIELDS): FastifyFormbodyOptions {
  return { parser: (body: string): Record<string, unknown> => parseFormBody(body, { maxFields }) };
}
