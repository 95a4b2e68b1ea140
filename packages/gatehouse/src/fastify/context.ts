/**
 * The plugin's shared parts, resolved once at registration, and the small per-request state the
 * hooks pass along (the session, what the response must do with the cookies). Internal: apps use
 * the request decorations instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../core/gatehouse.js';
import type { HostPattern } from './allowed-hosts.js';
import type { LoadedSession } from '../core/sessions.js';
import type { LoginThrottle, Mailer } from './ports.js';
import type { BackgroundTasks } from './tasks.js';
import type { Templates } from './templates.js';

/** The account view URLs, for links, redirects and templates. */
export interface AccountUrls {
  login: string;
  logout: string;
  passwordChange: string;
  passwordChangeDone: string;
  passwordReset: string;
  passwordResetDone: string;
  passwordResetComplete: string;
  reauth: string;
  /** `/accounts/reset/` — the confirm URLs continue with `<uidb64>/<token>/`. */
  resetBase: string;
  /** The default pages' stylesheet ('' when the account views are not mounted). */
  stylesheet: string;
}

/** Everything the hooks and views share. */
export interface PluginContext {
  gatehouse: Gatehouse<string>;
  templates: Templates;
  tasks: BackgroundTasks;
  mailer: Mailer | null;
  throttle: LoginThrottle | null;
  siteName: string;
  /** `https://example.com`, for absolute links in mail; null (development only): the request's origin. */
  siteUrl: string | null;
  /** The Host allow-list as configured (or the development default). */
  allowedHosts: readonly string[];
  /** The same, compiled: a request whose Host matches none gets 400. */
  hostPatterns: readonly HostPattern[];
  urls: AccountUrls;
  /** Whether the account views are mounted (so `urls` point somewhere). */
  accountViews: boolean;
  /** Logout shows `registration/logged_out.html` instead of redirecting. */
  loggedOutPage: boolean;
  sessionCookie: CookieSpec;
  csrfCookie: CookieSpec;
}

/** A cookie's name and attributes. */
export interface CookieSpec {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain: string | null;
  path: string;
}

/** Per-request state. */
export interface RequestState {
  session: LoadedSession | null;
  /** What the response does with the session cookie. */
  sessionCookie: 'keep' | 'set' | 'clear';
  /**
   * The route is `publicAccess({ session: false })`: the session was not read at `onRequest`
   * (`request.user` is anonymous there). `request.login()`, `logout()` and session-data writes
   * read it first, so they still rotate or end the browser's real session.
   */
  sessionDeferred?: boolean;
  /** The CSRF secret (raw bytes) in use for this request, once known. */
  csrfSecret: Buffer | null;
  /** The secret must be (re)sent as a cookie. */
  csrfSecretChanged: boolean;
  /** `authorizeObject` (or a rule filter) ran for this request. */
  objectChecked: boolean;
  /** The page must not be stored by any cache. */
  noStore: boolean;
  /** The CSRF hook has run for this request. */
  csrfChecked: boolean;
  /**
   * An audited guard let the request through before the CSRF check ran: the CSRF hook writes
   * the allow (or, if the token fails, the deny), so the log never says "allowed" for a request
   * that was refused.
   */
  auditPending: boolean;
}

export const kContext = Symbol('gatehouse.context');
export const kState = Symbol('gatehouse.state');
/** Marks the plugin's own 405 answers, left out of the route inventory. */
export const kHidden = Symbol('gatehouse.hidden');

type WithContext = { [kContext]?: PluginContext };
type WithState = { [kState]?: RequestState | null };

/** The plugin context for the instance serving `request`. */
export function contextOf(source: FastifyRequest | FastifyInstance): PluginContext {
  const server = ('server' in source ? source.server : source) as unknown as WithContext;
  const context = server[kContext];
  if (!context) throw new Error('gatehouse: the plugin is not registered on this Fastify instance.');
  return context;
}

/** The request's state, created on first use. */
export function stateOf(request: FastifyRequest): RequestState {
  const holder = request as unknown as WithState;
  let state = holder[kState];
  if (!state) {
    state = { session: null, sessionCookie: 'keep', csrfSecret: null, csrfSecretChanged: false, objectChecked: false, noStore: false, csrfChecked: false, auditPending: false };
    holder[kState] = state;
  }
  return state;
}
