/**
 * gatehouse's own handlers carry a mark, so the route walk (route-table.ts) can tell them from the
 * app's in `app.routes` and in a request's matched chain: the main middleware, the access guards
 * (with the declaration each enforces) and the account views' 405 answers. Hono keeps no route
 * options, so the handler itself is the only place such facts can live.
 */
import type { AccessDeclaration } from '../http/access.js';
import type { AuthorizeOptions } from '../http/authorize.js';

/** How a guard came to be: `access(...)` on the route, or one of Django's guard names. */
export type GuardOrigin = 'access' | 'guard';

/** What a marked handler is. */
export type HonoPart =
  | { readonly role: 'middleware' }
  | {
      readonly role: 'guard';
      readonly access: AccessDeclaration;
      /** How the exchange runs it (`userPassesTest`'s own test, `raiseException`...). */
      readonly options: AuthorizeOptions;
      readonly origin: GuardOrigin;
      /** The route skips the CSRF check (`access(decl, { csrf: false })`). */
      readonly csrfExempt: boolean;
      /**
       * An account view's guard: its path under the prefix (`/login/`), so the route check can tell
       * where the views were mounted; the account forms' body limit applies.
       */
      readonly accountView: string | null;
      /** Headers every answer on the route carries (the reset pages: no-store, no Referer). */
      readonly headers: Readonly<Record<string, string>>;
      /** The account views' 405 answers: enforced, but left out of the inventory. */
      readonly hidden: boolean;
      /** The JSON account API's routes: every answer JSON, denials and CSRF failures included. */
      readonly json: boolean;
    };

/** A guard's mark. */
export type GuardPart = Extract<HonoPart, { role: 'guard' }>;

const kPart = Symbol('gatehouse.hono.part');
/** Hono wraps a sub-app's handlers when the sub-app has its own error handler; the original sits here. */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

type Marked = { [kPart]?: HonoPart; [COMPOSED_HANDLER]?: unknown };

/** Marks `fn` as `part` and returns it. */
export function markPart<F extends object>(fn: F, part: HonoPart): F {
  Object.defineProperty(fn, kPart, { value: Object.freeze(part), enumerable: false });
  return fn;
}

/** The handler Hono registered, unwrapped from the sub-app error-handler wrappers. */
export function targetHandler(handler: unknown): unknown {
  let current = handler;
  for (let depth = 0; depth < 16 && typeof current === 'function'; depth += 1) {
    const inner = (current as Marked)[COMPOSED_HANDLER];
    if (inner === undefined) break;
    current = inner;
  }
  return current;
}

/** The mark of `handler`, if it is one of gatehouse's. */
export function partOf(handler: unknown): HonoPart | undefined {
  const target = targetHandler(handler);
  return typeof target === 'function' ? (target as Marked)[kPart] : undefined;
}
