/**
 * Errors gatehouse throws. Expected outcomes (a wrong password, an expired token, no session) are
 * returned as values; these are for misuse, misconfiguration, conflicts and denials. Every error
 * carries a stable `code` so callers and adapters can branch on it without parsing messages, and
 * the HTTP mapping lives only in the adapters.
 */

/** Every error gatehouse throws on purpose. */
export class GatehouseError extends Error {
  /** Stable, machine-readable identifier, e.g. `gatehouse.config.secret_key_missing`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatehouseError';
    this.code = code;
  }
}

/** A configuration value is missing or wrong; the message says what to set. */
export class ConfigError extends GatehouseError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'ConfigError';
  }
}

/**
 * The server is too busy to do this now and did none of it; the client should retry after
 * `retryAfterSeconds`. Thrown, for instance, as `gatehouse.hashers.busy` when the queue of
 * password hashes waiting for a core is full. Adapters answer it with 503 and `Retry-After`.
 */
export class BusyError extends GatehouseError {
  /** Seconds after which a retry may succeed. */
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds = 1) {
    super(code, message);
    this.name = 'BusyError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A unique value (username, email, group name) is taken. Nothing was written. */
export class DuplicateError extends GatehouseError {
  /** Which field collided: `username`, `email`, `group`, ... */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`gatehouse.duplicate.${field}`, message, options);
    this.name = 'DuplicateError';
    this.field = field;
  }
}

/** A lookup by id or name found nothing where something was required. */
export class NotFoundError extends GatehouseError {
  constructor(what: string, message: string) {
    super(`gatehouse.not_found.${what}`, message);
    this.name = 'NotFoundError';
  }
}

/** Input failed validation (too long, malformed, a weak password). `errors` lists each problem. */
export class ValidationError extends GatehouseError {
  readonly errors: readonly { code: string; message: string }[];

  constructor(errors: readonly { code: string; message: string }[]) {
    super(errors[0]?.code ?? 'gatehouse.invalid', errors.map((e) => e.message).join(' '));
    this.name = 'ValidationError';
    this.errors = errors;
  }
}

/**
 * The user is authenticated (or not) but may not do this. `reason` is for the server log and the
 * audit log only; adapters must never show it to the client.
 */
export class PermissionDenied extends GatehouseError {
  readonly reason: string;

  constructor(reason: string) {
    super('gatehouse.permission_denied', 'Permission denied');
    this.name = 'PermissionDenied';
    this.reason = reason;
  }
}

/**
 * A change was verified against a user's state that has since moved on (another password change
 * or reset committed first): nothing was written. Code `gatehouse.user.state_changed`; views answer
 * it as an invalid link (reset) or a form error (change).
 */
export class StaleUserError extends GatehouseError {
  constructor(message = 'The account changed while this request was being handled; nothing was changed.') {
    super('gatehouse.user.state_changed', message);
    this.name = 'StaleUserError';
  }
}
