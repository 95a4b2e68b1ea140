/**
 * The logger the HTTP layer writes to: pino-shaped, so Fastify's `request.log` fits as it is and
 * other adapters pass their app's logger or `consoleLogger`.
 */

/** A pino-shaped logger. */
export interface HttpLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A logger writing JSON-ish lines to the console (for adapters without a logger of their own). */
export const consoleLogger: HttpLogger = {
  info: (object, message) => console.info(message ?? '', object),
  warn: (object, message) => console.warn(message ?? '', object),
  error: (object, message) => console.error(message ?? '', object),
};
