/**
 * The JSON API's errors: `{ "error": { "code", "message", "fields"? } }` with stable codes a
 * client can switch on. Messages are for people and may change; codes do not.
 */
import { type HttpResponse, jsonResponse } from '../response.js';

/** Every code the JSON account API answers with. */
export type ApiErrorCode =
  | 'invalid_credentials'
  | 'throttled'
  | 'csrf_failed'
  | 'not_authenticated'
  | 'forbidden'
  | 'reauth_required'
  | 'validation_failed'
  | 'invalid_token'
  | 'not_found'
  | 'bad_request'
  | 'busy';

/** Per-field messages (`{ newPassword: ['This password is too common.'] }`). */
export type FieldErrors = Record<string, string[]>;

/** An error answer. `retryAfter` (seconds) also sets `Retry-After`. */
export function apiError(status: number, code: ApiErrorCode, message: string, extra: { fields?: FieldErrors; retryAfter?: number } = {}): HttpResponse {
  const error: { code: ApiErrorCode; message: string; fields?: FieldErrors } = { code, message };
  if (extra.fields && Object.keys(extra.fields).length > 0) error.fields = extra.fields;
  const response = jsonResponse(status, { error });
  if (extra.retryAfter !== undefined) response.headers['retry-after'] = String(Math.max(1, Math.ceil(extra.retryAfter)));
  response.headers['cache-control'] = 'no-store';
  return response;
}

/** 400 `validation_failed` with the problems by field. */
export function validationFailed(fields: FieldErrors, message = 'Some fields are missing or invalid.'): HttpResponse {
  return apiError(400, 'validation_failed', message, { fields });
}

/** 429 `throttled`. */
export function throttled(retryAfterSeconds: number): HttpResponse {
  return apiError(429, 'throttled', 'Too many failed attempts. Please wait a while and try again.', { retryAfter: retryAfterSeconds });
}

/** 204 No Content. */
export function noContent(): HttpResponse {
  return { status: 204, headers: { 'cache-control': 'no-store' }, cookies: [], body: null };
}

/** A JSON answer nobody may cache (every API answer speaks of one account). */
export function apiJson(status: number, value: unknown): HttpResponse {
  const response = jsonResponse(status, value);
  response.headers['cache-control'] = 'no-store';
  return response;
}
