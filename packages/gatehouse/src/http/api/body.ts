/**
 * Reading a JSON (or form) body defensively: each field is a string of bounded length or it is
 * reported missing — never a number, array or object the handler did not expect — so bad input
 * becomes a `validation_failed` naming the field, not a 500.
 */
import type { HttpRequest } from '../request.js';
import type { FieldErrors } from './errors.js';

/** Collects string fields from a request body and the problems found on the way. */
export class BodyReader {
  readonly problems: FieldErrors = {};
  private readonly body: Record<string, unknown>;

  constructor(request: Pick<HttpRequest, 'body'>) {
    const body = request.body;
    this.body = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  }

  private problem(name: string, message: string): void {
    const list = this.problems[name] ?? [];
    list.push(message);
    this.problems[name] = list;
  }

  /** A required string field, at most `max` characters; '' when missing (and reported). */
  string(name: string, max: number, options: { required?: boolean } = {}): string {
    const value = this.body[name];
    if (value === undefined || value === null || value === '') {
      if (options.required !== false) this.problem(name, 'This field is required.');
      return '';
    }
    if (typeof value !== 'string') {
      this.problem(name, 'Must be a string.');
      return '';
    }
    if (value.length > max) {
      this.problem(name, `Must be at most ${max} characters.`);
      return '';
    }
    return value;
  }

  /** An optional whole number from `min` to `max`; undefined when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(name, `Must be a whole number from ${min} to ${max}.`);
      return undefined;
    }
    return value;
  }

  /** An optional list of at most `maxItems` strings of at most `max` characters each. */
  strings(name: string, maxItems: number, max: number): string[] | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.length > maxItems || !value.every((v) => typeof v === 'string' && v.length <= max)) {
      this.problem(name, `Must be a list of at most ${maxItems} names.`);
      return undefined;
    }
    return value as string[];
  }

  /** True when no field had a problem. */
  get ok(): boolean {
    return Object.keys(this.problems).length === 0;
  }
}
