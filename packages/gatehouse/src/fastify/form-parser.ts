/**
 * The urlencoded body parser the plugin registers (`@fastify/formbody` with this parser). It
 * bounds the number of fields before parsing, as Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS`: a body
 * of thousands of tiny fields costs far more to parse and walk than its byte size suggests, and no
 * form of the account views (or a sane app form) has more than a handful.
 */
import { parse } from 'node:querystring';
import type { FastifyFormbodyOptions } from '@fastify/formbody';

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

/** `@fastify/formbody` options whose parser refuses bodies of more than `maxFields` fields. */
export function formBodyOptions(maxFields: number = MAX_FORM_FIELDS): FastifyFormbodyOptions {
  return {
    parser: (body: string): Record<string, unknown> => {
      if (fieldCountExceeds(body, maxFields)) throw new TooManyFieldsError(maxFields);
      // maxKeys 0: no silent cut (the count above already refused long bodies).
      return parse(body, '&', '=', { maxKeys: 0 }) as Record<string, unknown>;
    },
  };
}
