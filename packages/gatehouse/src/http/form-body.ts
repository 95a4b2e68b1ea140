/**
 * The urlencoded body parser every adapter uses (Fastify through `@fastify/formbody`). It bounds the number of fields before parsing, as Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS`: a body
 * of thousands of tiny fields costs far more to parse and walk than its byte size suggests, and no
 * form of the account views (or a sane app form) has more than a handful.
 */
import { parse } from 'node:querystring';

/** Fields a urlencoded body may hold unless the app says otherwise. */
export const MAX_FORM_FIELDS = 200;

/** The error a body with too many fields fails with: 413, with a message the error page shows. */
export class TooManyFieldsError extends Error {
  readonly statusCode = 413;
  readonly code = 'GATEHOUSE_TOO_MANY_FORM_FIELDS';

  constructor(maxFields: number) {
    super(`The form has too many fields (at most ${maxFields} are accepted).`);
    this.name = 'TooManyFieldsError';
  }
}

/** Counts `&`-separated fields without building anything: stops as soon as the bound is passed. */
function fieldCountExceeds(body: string, maxFields: number): boolean {
  let fields = 1;
  for (let at = body.indexOf('&'); at !== -1; at = body.indexOf('&', at + 1)) {
    fields += 1;
    if (fields > maxFields) return true;
  }
  return false;
}

/** Limits of `parseFormBody`. */
export interface FormBodyLimits {
  /** Fields at most (default `MAX_FORM_FIELDS`). */
  maxFields?: number;
  /** Characters at most; longer bodies fail with 413 (no limit by default: adapters bound bytes). */
  maxLength?: number;
}

/** The error a body over the size limit fails with: 413. */
export class FormBodyTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'GATEHOUSE_FORM_TOO_LARGE';

  constructor() {
    super('The request body is too large.');
    this.name = 'FormBodyTooLargeError';
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` body; throws `TooManyFieldsError` or
 * `FormBodyTooLargeError` (both 413) rather than parse a body beyond the limits. A repeated field
 * becomes an array (and so reads as absent through `field`).
 */
export function parseFormBody(body: string, limits: FormBodyLimits = {}): Record<string, unknown> {
  const maxFields = limits.maxFields ?? MAX_FORM_FIELDS;
  if (limits.maxLength !== undefined && body.length > limits.maxLength) throw new FormBodyTooLargeError();
  if (fieldCountExceeds(body, maxFields)) throw new TooManyFieldsError(maxFields);
  // maxKeys 0: no silent cut (the count above already refused long bodies).
  return { ...parse(body, '&', '=', { maxKeys: 0 }) };
}
