/**
 * Reading admin forms and query strings defensively, and collecting errors by field so each
 * message is shown beside (and tied with `aria-describedby` to) its input.
 */
import { DuplicateError, ValidationError } from '../core/errors.js';
import { queryParam } from '../http/request.js';
import type { HttpRequest } from '../http/request.js';

/** Messages by field name; `__all__` for the form as a whole. */
export type FieldErrors = Record<string, string[]>;

/** A single string field of the body, or '' (absent, repeated or not a string). */
export function bodyField(request: HttpRequest, name: string, maxLength = 1000): string {
  const value = request.body?.[name];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/** Every value of a repeated body field (checkbox groups), strings only, at most `max`. */
export function bodyList(request: HttpRequest, name: string, max = 500): string[] {
  const value = request.body?.[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string').slice(0, max);
}

/** Whether a checkbox was ticked. */
export function bodyFlag(request: HttpRequest, name: string): boolean {
  return bodyField(request, name) !== '';
}

/** A query parameter, cut to `maxLength`. */
export function query(request: HttpRequest, name: string, maxLength = 200): string {
  return queryParam(request, name).slice(0, maxLength);
}

/** Adds `message` under `field`. */
export function addError(errors: FieldErrors, field: string, message: string): void {
  const list = errors[field] ?? [];
  list.push(message);
  errors[field] = list;
}

/** Whether any error was collected. */
export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some((list) => list.length > 0);
}

/**
 * Files a core error under the field it is about (by its code prefix or the duplicate's field);
 * returns false for errors that are not about input, which the caller rethrows.
 */
export function fileError(errors: FieldErrors, error: unknown, passwordField = 'password1'): boolean {
  if (error instanceof DuplicateError) {
    addError(
      errors,
      error.field === 'email' ? 'email' : error.field === 'group' ? 'name' : 'username',
      `This ${error.field === 'group' ? 'name' : error.field} is already taken.`,
    );
    return true;
  }
  if (error instanceof ValidationError) {
    for (const problem of error.errors) {
      const field = problem.code.startsWith('username')
        ? 'username'
        : problem.code.startsWith('email')
          ? 'email'
          : problem.code.startsWith('group')
            ? 'name'
            : passwordField;
      addError(errors, field, problem.message);
    }
    return true;
  }
  return false;
}

/** Parses a positive database id from a URL segment, or null. */
export function parseId(text: string | undefined): number | null {
  if (!text || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const id = Number(text);
  return id <= 2_147_483_647 ? id : null;
}
