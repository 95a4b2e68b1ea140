/**
 * What the plugin adds to Fastify's types: `request.user` and friends, `fastify.gatehouse`, the
 * route inventory, and the `access` / `csrf` keys of a route's `config`.
 *
 * Apps that want the free builders (`permission(...)`, `permissionRequired(...)`) typed by their
 * own permission names register their gatehouse once:
 *
 * ```ts
 * declare module 'gatehouse/fastify' {
 *   interface GatehouseTypes { gatehouse: typeof gatehouse }
 * }
 * ```
 *
 * Without that, those builders accept any string and `accessFor(gatehouse)` gives typed ones.
 */
import type { Gatehouse } from '../core/gatehouse.js';
import type { LoadedSession } from '../core/sessions.js';
import type { AnyUser, User } from '../core/user.js';
import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifySchema,
  FastifyTypeProvider,
  FastifyTypeProviderDefault,
  RawRequestDefaultExpression,
  RawServerBase,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import type { FastifyRequestType, ResolveFastifyRequestType } from 'fastify/types/type-provider.js';
import type { AccessDeclaration, RestrictedDeclaration } from '../http/access.js';
import type { RouteAccessEntry } from '../http/inventory.js';
import type { BackgroundTasks } from '../http/tasks.js';
import type { LoginOptions, RegisteredPermission } from '../http/types.js';

// Declared in the HTTP layer, so an augmentation of `gatehouse/fastify` (re-exporting it) types
// the builders every adapter shares.
export type { GatehouseTypes, RegisteredPermission } from '../http/types.js';

/** Options of `request.login`. */
export type RequestLoginOptions = LoginOptions;

/**
 * The user a route's handler sees: a logged-in `User` on a route whose declared access needs one
 * (every class but `publicAccess()`), `AnyUser` elsewhere (public routes, hooks).
 */
export type UserForRoute<ContextConfig> = ContextConfig extends { access: RestrictedDeclaration } ? User : AnyUser;

declare module 'fastify' {
  // The type parameters repeat Fastify's own (merged interfaces must declare the same ones), so
  // `user` can follow the route's `config`: `request.user.id` is a number on an authenticated route.
  interface FastifyRequest<
    RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
    RawServer extends RawServerBase = RawServerDefault,
    RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
    SchemaCompiler extends FastifySchema = FastifySchema,
    TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
    ContextConfig = ContextConfigDefault,
    Logger extends FastifyBaseLogger = FastifyBaseLogger,
    RequestType extends FastifyRequestType = ResolveFastifyRequestType<TypeProvider, SchemaCompiler, RouteGeneric>,
  > {
    /**
     * The logged-in user, or the anonymous user: never null once the plugin's hook has run. Typed
     * as a logged-in `User` in the handler of a route whose access declaration requires one.
     */
    user: UserForRoute<ContextConfig>;
    /** The server-side session, or null when the browser has none. */
    session: LoadedSession | null;
    /**
     * Logs `user` in: a new session id (the old one is deleted, so a planted id is worthless),
     * a new CSRF secret, last login and an audit entry. The cookie is set on the response.
     */
    login(user: User, options?: RequestLoginOptions): Promise<void>;
    /** Ends the session (if any) and clears the cookie. */
    logout(): Promise<void>;
    /** A CSRF token for a form or a script, masked anew on each call (BREACH). */
    csrfToken(): string;
  }
  interface FastifyInstance {
    /** The gatehouse the plugin was registered with. */
    gatehouse: Gatehouse<RegisteredPermission>;
    /** Every route with its access class (the route inventory). */
    gatehouseRoutes(): RouteAccessEntry[];
    /** Work the account views do after responding (reset mails); tests await `settled()`. */
    gatehouseTasks: BackgroundTasks;
  }
  interface FastifyContextConfig {
    /** Who may call this route. Every route needs one (or an entry in `allowUndeclaredRoutes`). */
    access?: AccessDeclaration;
    /**
     * `false` exempts the route from CSRF checks (Django's `csrf_exempt`), for endpoints that
     * authenticate otherwise (signed webhooks). Visible in the route inventory.
     */
    csrf?: boolean;
  }
}
