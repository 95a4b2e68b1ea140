/**
 * The session cookie: it carries the raw session id (only its hash is stored), is HttpOnly and
 * SameSite=Lax by default, and when Secure it takes the `__Host-` prefix, which browsers accept
 * only over HTTPS, without a Domain and for the whole site — so a sibling subdomain cannot plant
 * or overwrite it. Cookie changes are recorded on the request and written when the response is
 * sent, so `request.login()` needs no access to the reply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatehouseConfig } from '../core/config.js';
import { type LoadedSession, SessionRevokedError } from '../core/sessions.js';
import { anonymousUser, type User } from '../core/user.js';
import { type CookieSpec, contextOf, stateOf } from './context.js';
import { rotateCsrfSecret } from './csrf.js';
import type { RequestLoginOptions } from './types.js';
import { clientAddress } from './client-address.js';

/** Session data key: when the user last proved their password (epoch ms). */
export const REAUTH_AT = 'reauthAt';
/** Session data keys of a pending password reset (the user id and the token from the link). */
export const RESET_UID = 'passwordResetUid';
export const RESET_TOKEN = 'passwordResetToken';

/**
 * The name a cookie gets: `__Host-` when it is Secure, host-only and for `/` (the strongest
 * form), `__Secure-` when Secure otherwise, the plain name over HTTP.
 */
export function prefixedCookieName(name: string, spec: Omit<CookieSpec, 'name'>): string {
  if (name.startsWith('__Host-') || name.startsWith('__Secure-') || !spec.secure) return name;
  return spec.domain === null && spec.path === '/' ? `__Host-${name}` : `__Secure-${name}`;
}

/** The session and CSRF cookie specs from the configuration. */
export function cookieSpecs(config: GatehouseConfig): { session: CookieSpec; csrf: CookieSpec } {
  const base = {
    secure: config.session.cookieSecure,
    sameSite: config.session.cookieSameSite,
    domain: config.session.cookieDomain,
    path: config.session.cookiePath,
  };
  const session: CookieSpec = { ...base, httpOnly: config.session.cookieHttpOnly, name: prefixedCookieName(config.session.cookieName, { ...base, httpOnly: true }) };
  // The CSRF cookie is HttpOnly too: scripts take the token from the page (`request.csrfToken()`)
  // rather than from the cookie, so script injection gains nothing it could not read anyway.
  const csrfBase = { ...base, domain: null, path: '/' };
  const csrf: CookieSpec = { ...csrfBase, httpOnly: true, name: prefixedCookieName(config.csrf.cookieName, { ...csrfBase, httpOnly: true }) };
  return { session, csrf };
}

/** Cookie attributes for `reply.setCookie`. */
export function cookieOptions(spec: CookieSpec, expires?: Date): {
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain?: string;
  expires?: Date;
} {
  return {
    path: spec.path,
    httpOnly: spec.httpOnly,
    secure: spec.secure,
    sameSite: spec.sameSite,
    ...(spec.domain !== null ? { domain: spec.domain } : {}),
    ...(expires ? { expires } : {}),
  };
}

/** The raw cookies of a request, parsed even if the cookie plugin's hook did not run. */
export function requestCookies(request: FastifyRequest): Record<string, string | undefined> {
  if (request.cookies) return request.cookies;
  const header = request.headers.cookie;
  return header ? request.server.parseCookie(header) : {};
}

/**
 * onRequest: loads the session named by the cookie, and sets `request.user`. A malformed,
 * unknown, expired or revoked id is simply no session (and the stale cookie is cleared).
 */
export async function loadSession(request: FastifyRequest): Promise<void> {
  const context = contextOf(request);
  const state = stateOf(request);
  const raw = requestCookies(request)[context.sessionCookie.name];
  let session: LoadedSession | null = null;
  if (typeof raw === 'string' && raw.length > 0) {
    session = await context.gatehouse.sessions.load(raw);
    if (!session) state.sessionCookie = 'clear';
  }
  setSession(request, session);
}

/** onRequest of a `publicAccess({ session: false })` route: anonymous, nothing read. */
export function deferSession(request: FastifyRequest): void {
  setSession(request, null);
}

/** Reads the session now if the route deferred it, before anything that changes it. */
async function ensureSession(request: FastifyRequest): Promise<void> {
  const state = stateOf(request);
  if (!state.sessionDeferred) return;
  state.sessionDeferred = false;
  await loadSession(request);
}

function setSession(request: FastifyRequest, session: LoadedSession | null): void {
  stateOf(request).session = session;
  request.session = session;
  request.user = session?.user ?? anonymousUser;
}

/** onSend: writes the session cookie change, if any. */
export function writeSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const state = stateOf(request);
  const spec = contextOf(request).sessionCookie;
  if (state.sessionCookie === 'set' && state.session) {
    reply.setCookie(spec.name, state.session.id, cookieOptions(spec, new Date(state.session.record.expiresAt)));
  } else if (state.sessionCookie === 'clear') {
    reply.clearCookie(spec.name, cookieOptions(spec));
  }
}

function meta(request: FastifyRequest): { ip: string; userAgent: string | null } {
  const agent = request.headers['user-agent'];
  return { ip: clientAddress(request), userAgent: typeof agent === 'string' ? agent : null };
}

/**
 * `request.login(user)`: see the type's documentation. `user` must be the snapshot that was
 * authenticated. Throws `SessionRevokedError` when its credentials moved on meanwhile (or the
 * new session was revoked at once); the request's session and cookies are then left untouched,
 * and a login view answers it as a failed login.
 */
export async function loginRequest(request: FastifyRequest, user: User, options: RequestLoginOptions = {}): Promise<void> {
  await ensureSession(request);
  const context = contextOf(request);
  const gatehouse = context.gatehouse;
  const state = stateOf(request);
  let session = await gatehouse.login(user, state.session, { ...meta(request), backend: options.backend ?? 'model' });
  // Logging in is a password check: it counts for routes that want recent authentication. A
  // pending reset token from before the login has no business in the logged-in session.
  const { [RESET_UID]: _uid, [RESET_TOKEN]: _token, ...kept } = session.record.data;
  const data = { ...kept, [REAUTH_AT]: gatehouse.clock.now() };
  // False: a revocation deleted the session the moment it was made; hand out no cookie for it.
  if (!(await gatehouse.sessions.saveData(session, data))) throw new SessionRevokedError();
  session = { ...session, record: { ...session.record, data } };
  setSession(request, session);
  state.sessionCookie = 'set';
  // A CSRF token seen before login (perhaps planted) must not be valid after it.
  rotateCsrfSecret(request);
}

/** `request.logout()`: ends the session and clears the cookie. */
export async function logoutRequest(request: FastifyRequest): Promise<void> {
  await ensureSession(request);
  const state = stateOf(request);
  const previous = state.session;
  if (previous) await contextOf(request).gatehouse.logout(previous, meta(request));
  setSession(request, null);
  state.sessionCookie = previous || state.sessionCookie === 'set' ? 'clear' : state.sessionCookie;
}

/** Replaces the request's session (after a rotation done by a view) and sends the new cookie. */
export function replaceSession(request: FastifyRequest, session: LoadedSession): void {
  setSession(request, session);
  stateOf(request).sessionCookie = 'set';
}

/** Forgets the request's session without ending it in the store (it was ended elsewhere). */
export function dropSession(request: FastifyRequest): void {
  const state = stateOf(request);
  const had = state.session !== null || state.sessionCookie === 'set';
  setSession(request, null);
  if (had) state.sessionCookie = 'clear';
}

/** The session's data bag (empty without a session). */
export function sessionData(request: FastifyRequest): Record<string, unknown> {
  return stateOf(request).session?.record.data ?? {};
}

/**
 * Merges `patch` into the session's data (`undefined` deletes a key), starting an anonymous
 * session if there is none: only views that need one (the reset flow) call this.
 */
export async function updateSessionData(request: FastifyRequest, patch: Record<string, unknown>): Promise<void> {
  await ensureSession(request);
  const gatehouse = contextOf(request).gatehouse;
  const state = stateOf(request);
  const data: Record<string, unknown> = { ...(state.session?.record.data ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete data[key];
    else data[key] = value;
  }
  if (state.session && (await gatehouse.sessions.saveData(state.session, data))) {
    setSession(request, { ...state.session, record: { ...state.session.record, data } });
    return;
  }
  replaceSession(request, await gatehouse.sessions.start(null, meta(request), data));
}

/** Request metadata for sessions and the audit log. */
export { meta as requestMeta };
