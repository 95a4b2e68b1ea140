/**
 * `AuthExchange`: everything gatehouse knows and does about ONE request, created in one place by
 * the adapter (its first hook) and passed along, instead of flags handed from hook to hook.
 *
 * In request order an adapter calls:
 * 1. `AuthExchange.open(site, request, log, declaration)`: the Host/protocol check is the
 *    adapter's first step (`originResponse`), then the session and user are loaded (unless the
 *    route is `publicAccess({ session: false })`);
 * 2. `authorize(declaration)`: the route's guard, before the body is read;
 * 3. `checkCsrf(exempt)`: once the body is parsed, before the handler;
 * 4. `finish(response)`: what the response must carry (cookies, cache headers, the pending audit,
 *    the object-rule safety net, security headers);
 * 5. `end(...)`: after the exchange (or when the client went away), the last chance for a
 *    pending audit, and the start of work deferred until after the response.
 *
 * A critical route's decision is audited exactly once: the guard runs before the CSRF check, so
 * an allow is only marked pending and written by whichever comes first of `checkCsrf` (allowed,
 * or denied with the CSRF failure), `finish` (answered before the check: denied) and `end`.
 */
import type { ApiTokenInfo } from '../core/api-tokens.js';
import type { LoadedSession } from '../core/sessions.js';
import { REAUTH_AT } from '../core/session-keys.js';
import { type AnyUser, type User, anonymousUser } from '../core/user.js';
import type { AccessDeclaration } from './access.js';
import { type AuthorizeOptions, type Denial, declarationOutcome, outcomeDenial } from './authorize.js';
import { authenticateBearer, bearerCredential, needsSession, tokenRefusedResponse } from './bearer.js';
import { serializeCookie } from './cookies.js';
import { CSRF_COOKIE_LIFETIME_MS, csrfFailure, csrfSecretFromCookie, isSafeMethod, maskCsrfSecret, newCsrfSecret } from './csrf.js';
import { MAX_NEXT_LENGTH, denialLogFields, routeLabel, withNext } from './denials.js';
import type { HttpLogger } from './logger.js';
import { prefersJson } from './negotiate.js';
import { originProblem } from './origin.js';
import { baseContext } from './render.js';
import { type HttpRequest, requestPath } from './request.js';
import { type HttpResponse, htmlResponse, jsonResponse, redirectResponse, textResponse } from './response.js';
import type { HttpSite } from './site.js';
import type { LoginOptions } from './types.js';

/** How the adapter wants to hear about the exchange. */
export interface ExchangeHooks {
  /** Called whenever the session or user changes (login, logout...): Fastify mirrors them on the request. */
  onSessionChange?(exchange: AuthExchange): void;
  /** Calls `start` once the response has gone (or the client hung up); for deferred work. */
  whenSent?(start: () => void): void;
}

/** What the session cookie must do on the response. */
type CookieAction = 'keep' | 'set' | 'clear';

/** How to refuse. */
export interface DenyOptions {
  /** Write the decision to the audit log (critical routes). */
  audit?: boolean;
}

/**
 * The 400 for a request whose Host is not allowed or whose forwarded protocol is not http(s),
 * or null when its origin can be trusted. Adapters call it first, before `open`: a request this
 * site does not serve loads no session.
 */
export function originResponse(site: HttpSite, request: HttpRequest, log: HttpLogger): HttpResponse | null {
  const problem = originProblem(request, site.hostPatterns);
  if (problem === null) return null;
  log.warn(
    { gatehouse: { decision: 'deny', kind: 'host', ...denialLogFields(request, null), reason: problem.reason } },
    'request refused: untrusted Host or protocol',
  );
  const response = textResponse(400, problem.message);
  response.headers['cache-control'] = 'no-store';
  return finishWithoutExchange(site, response);
}

/**
 * What `finish` would add to an answer given before any exchange exists (the origin refusal, a
 * malformed URL, an error before the session was read): the site's security headers the answer
 * does not set itself. No cookies, nothing of a session.
 */
export function finishWithoutExchange(site: HttpSite, response: HttpResponse): HttpResponse {
  const security = site.securityHeaders;
  if (!security) return response;
  // One spread, the answer's own headers last so they win: adding a dozen keys one by one to a
  // copied object cost ~30 µs a response in V8 (dictionary-mode transitions), this ~0.4 µs.
  return { ...response, headers: { ...security, ...response.headers } };
}

/** One request's auth state; see the module comment. */
export class AuthExchange {
  user: AnyUser = anonymousUser;
  session: LoadedSession | null = null;
  /** The personal API token this request authenticated with (bearer), or null (a session, or nobody). */
  apiToken: ApiTokenInfo | null = null;
  /** A bearer credential that did not authenticate: every route answers with this (401/429). */
  private bearerRefusal: HttpResponse | null = null;
  /** The route speaks JSON only (the account API): denials and CSRF failures too, whatever Accept says. */
  private jsonOnly = false;
  private cookieAction: CookieAction = 'keep';
  /** The route never reads the session (`publicAccess({ session: false })`): loaded only when needed. */
  private sessionDeferred = false;
  private csrfSecret: Buffer | null = null;
  private csrfSecretChanged = false;
  private objectChecked = false;
  private storeNothing = false;
  private csrfChecked = false;
  private auditPending = false;
  private sent = false;
  private readonly sentCallbacks: (() => void)[] = [];

  private constructor(
    readonly site: HttpSite,
    readonly request: HttpRequest,
    readonly log: HttpLogger,
    /** The route's declaration, when it has one (the object-rule safety net reads it). */
    readonly declaration: AccessDeclaration | undefined,
    private readonly hooks: ExchangeHooks,
  ) {}

  /** Creates the exchange and loads the session, unless the declaration says the route never reads it. */
  static async open(site: HttpSite, request: HttpRequest, log: HttpLogger, declaration?: AccessDeclaration, hooks: ExchangeHooks = {}): Promise<AuthExchange> {
    const exchange = new AuthExchange(site, request, log, declaration, hooks);
    const bearer = bearerCredential(request);
    if (bearer !== null) {
      // A bearer request is authenticated by its token alone; the cookie, if any, is not read.
      const outcome = await authenticateBearer(site, request, log, bearer);
      if (outcome.ok) {
        exchange.apiToken = outcome.token;
        exchange.user = outcome.user;
      } else {
        exchange.bearerRefusal = outcome.response;
      }
    } else if (declaration?.kind === 'public' && declaration.session === false) {
      // No session query (a health check with a cookie costs what one without does); anything
      // that does need the session (login, logout, session data) loads it first.
      exchange.sessionDeferred = true;
    } else {
      await exchange.loadSession();
    }
    exchange.hooks.onSessionChange?.(exchange);
    return exchange;
  }

  private async loadSession(): Promise<void> {
    const raw = this.request.cookie(this.site.sessionCookie.name);
    let session: LoadedSession | null = null;
    if (typeof raw === 'string' && raw.length > 0) {
      session = await this.site.gatehouse.sessions.load(raw);
      if (!session) this.cookieAction = 'clear';
    }
    this.setSession(session);
  }

  /** Reads the session now if the route deferred it, before anything that changes it. */
  private async ensureSession(): Promise<void> {
    if (!this.sessionDeferred) return;
    this.sessionDeferred = false;
    await this.loadSession();
  }

  private setSession(session: LoadedSession | null): void {
    this.session = session;
    this.user = session?.user ?? anonymousUser;
    this.hooks.onSessionChange?.(this);
  }

  /** Session metadata and audit address of this request. */
  meta(): { ip: string; userAgent: string | null } {
    return { ip: this.request.clientAddress, userAgent: this.request.header('user-agent') ?? null };
  }

  /**
   * Logs `user` in: the core rotates the session (the old id deleted, so a planted id is
   * worthless) with `reauthAt` set and a pending reset dropped, in one write; a new CSRF secret;
   * last login and an audit entry. Throws `SessionRevokedError` when `user`'s credentials moved on
   * meanwhile; the request's session and cookies are then left untouched.
   */
  async login(user: User, options: LoginOptions = {}): Promise<void> {
    await this.ensureSession();
    const session = await this.site.gatehouse.login(user, this.session, { ...this.meta(), backend: options.backend ?? 'model', passwordChecked: true });
    this.replaceSession(session);
    // A CSRF token seen before login (perhaps planted) must not be valid after it.
    this.rotateCsrfSecret();
  }

  /** Ends the session (if any) and clears the cookie. */
  async logout(): Promise<void> {
    await this.ensureSession();
    const previous = this.session;
    if (previous) await this.site.gatehouse.logout(previous, this.meta());
    const wasSet = this.cookieAction === 'set';
    this.setSession(null);
    if (previous || wasSet) this.cookieAction = 'clear';
  }

  /** The user proved their password again: the core rotates the session with `reauthAt` now. */
  async reauthenticated(user: User): Promise<void> {
    await this.ensureSession();
    this.replaceSession(await this.site.gatehouse.reauthenticated(this.session, user, this.meta()));
  }

  /** Replaces the session (after a rotation) and sends the new cookie. */
  replaceSession(session: LoadedSession): void {
    this.setSession(session);
    this.cookieAction = 'set';
  }

  /** Forgets the session without ending it in the store (it was ended elsewhere). */
  dropSession(): void {
    const had = this.session !== null || this.cookieAction === 'set';
    this.setSession(null);
    if (had) this.cookieAction = 'clear';
  }

  /** The session's data bag (empty without a session). */
  sessionData(): Readonly<Record<string, unknown>> {
    return this.session?.record.data ?? {};
  }

  /**
   * Merges `patch` into the session's data (`undefined` deletes a key), starting an anonymous
   * session if there is none: only views that need one (the reset flow) call this.
   */
  async updateSessionData(patch: Record<string, unknown>): Promise<void> {
    await this.ensureSession();
    const data: Record<string, unknown> = { ...(this.session?.record.data ?? {}) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete data[key];
      else data[key] = value;
    }
    const sessions = this.site.gatehouse.sessions;
    if (this.session && (await sessions.saveData(this.session, data))) {
      this.setSession({ ...this.session, record: { ...this.session.record, data } });
      return;
    }
    this.replaceSession(await sessions.start(null, this.meta(), data));
  }

  private currentSecret(): Buffer {
    if (this.csrfSecret) return this.csrfSecret;
    const fromCookie = csrfSecretFromCookie(this.site, this.request);
    if (fromCookie) {
      this.csrfSecret = fromCookie;
    } else {
      this.csrfSecret = newCsrfSecret();
      this.csrfSecretChanged = true;
    }
    return this.csrfSecret;
  }

  private rotateCsrfSecret(): void {
    this.csrfSecret = newCsrfSecret();
    this.csrfSecretChanged = true;
  }

  /** A CSRF token for a form or a script, masked anew on each call (BREACH). */
  csrfToken(): string {
    return maskCsrfSecret(this.currentSecret());
  }

  /** This route answers JSON only (the account API), denials and CSRF failures included. */
  answerJson(): void {
    this.jsonOnly = true;
  }

  /**
   * The answer every route gives this request whatever it declares, or null: a bearer credential
   * that did not authenticate (401 `invalid_token`, or 429 while its address is blocked).
   * Adapters send it right after `open`; `authorize` returns it too.
   */
  credentialRefusal(): HttpResponse | null {
    return this.bearerRefusal;
  }

  /** How this request authenticated: a session cookie, a bearer token, or nobody. */
  get authenticatedBy(): 'session' | 'token' | null {
    if (this.apiToken) return 'token';
    return this.user.isAuthenticated ? 'session' : null;
  }

  /** The 403 for a bearer token on what needs a session (critical, recent password check). */
  tokenRefused(): HttpResponse {
    this.noStore();
    return tokenRefusedResponse();
  }

  /** `authorizeObject` (or a rule filter) ran for this request. */
  markObjectChecked(): void {
    this.objectChecked = true;
  }

  /** Asks every cache not to keep this response. */
  noStore(): void {
    this.storeNothing = true;
  }

  /** Renders `template` (with the base context) as a page nobody may cache. */
  page(template: string, title: string, values: object = {}, status = 200): HttpResponse {
    this.noStore();
    const html = this.site.templates.page(template, { ...baseContext(this.site, title, this.user, this.csrfToken()), ...values });
    return htmlResponse(status, html);
  }

  /**
   * Runs `declaration` (or `options.test`) for this request's user: null lets the request
   * through, else the negotiated denial. Critical declarations audit every decision; an allow
   * before the CSRF check is written when the check settles it.
   */
  async authorize(declaration: AccessDeclaration, options: AuthorizeOptions = {}): Promise<HttpResponse | null> {
    if (this.bearerRefusal) return this.bearerRefusal;
    if (this.apiToken && needsSession(declaration)) {
      if (declaration.kind === 'critical') await this.auditDecision(false, 'API tokens cannot use critical routes');
      return this.tokenRefused();
    }
    const audit = options.audit ?? declaration.kind === 'critical';
    const name = options.name ?? declaration.kind;
    const outcome = options.test
      ? await options.test(this.user, this.request.native)
      : await declarationOutcome({ site: this.site, user: this.user, reauthAt: this.sessionData()[REAUTH_AT], native: this.request.native }, declaration);
    const denial = outcomeDenial(outcome, this.user, { name, raiseException: options.raiseException ?? false });
    if (denial === null) {
      if (audit) {
        if (this.csrfChecked) await this.auditDecision(true, '');
        else this.auditPending = true;
      }
      return null;
    }
    return this.deny(denial, { audit });
  }

  /** The response refusing this request, after logging (and auditing, if asked) the reason. */
  async deny(denial: Denial, options: DenyOptions = {}): Promise<HttpResponse> {
    const entry = { gatehouse: { decision: 'deny', kind: denial.kind, ...denialLogFields(this.request, this.user), reason: denial.reason } };
    if (denial.kind === 'forbidden') this.log.warn(entry, 'access denied');
    else this.log.info(entry, 'access denied');
    if (options.audit) await this.auditDecision(false, denial.reason);
    this.noStore();
    if (this.jsonOnly) return apiDenial(denial, this.site);
    const json = prefersJson(this.request);
    if (denial.kind === 'forbidden') {
      if (json) return jsonResponse(403, { error: 'forbidden', message: 'You do not have permission to do this.' });
      return this.page('403.html', 'Access denied', {}, 403);
    }
    if (denial.kind === 'reauth') {
      const reauthUrl = this.site.urls.reauth;
      if (json) return jsonResponse(401, { error: 'reauthentication_required', message: 'Confirm your password to continue.', reauthUrl });
      return redirectResponse(withNext(reauthUrl, this.request.url));
    }
    const loginUrl = this.site.loginUrl;
    if (json) return jsonResponse(401, { error: 'not_authenticated', message: 'Log in to continue.', loginUrl });
    return redirectResponse(withNext(loginUrl, this.request.url));
  }

  /**
   * The CSRF check, once the body is parsed: null lets the request through, else the 403 (page or
   * JSON). `exempt`: the route opted out, or no route matched. Settles a pending critical audit.
   */
  async checkCsrf(exempt: boolean): Promise<HttpResponse | null> {
    this.csrfChecked = true;
    // A bearer request carries no ambient credential (no cookie is read), so nothing to forge.
    const tokenRequest = this.apiToken !== null || this.bearerRefusal !== null;
    const failure = exempt || tokenRequest || isSafeMethod(this.request.method) ? null : csrfFailure(this.site, this.request);
    await this.settleAudit(failure === null, `csrf ${failure}`);
    if (failure === null) return null;
    this.log.warn({ gatehouse: { decision: 'deny', kind: 'csrf', ...denialLogFields(this.request, this.user), reason: failure } }, 'CSRF check failed');
    this.noStore();
    if (this.jsonOnly)
      return jsonResponse(403, { error: { code: 'csrf_failed', message: 'CSRF check failed: send the token from GET csrf as the X-CSRFToken header.' } });
    if (prefersJson(this.request)) return jsonResponse(403, { error: 'csrf_failed', message: 'The form has expired. Reload the page and try again.' });
    return this.page('csrf_failure.html', 'Form expired', {}, 403);
  }

  /** Records an access decision on a critical route. */
  private async auditDecision(allowed: boolean, reason: string): Promise<void> {
    await this.site.gatehouse.audit.record({
      actor: this.user.isAuthenticated ? this.user.username : null,
      action: allowed ? 'access.allowed' : 'access.denied',
      target: routeLabel(this.request),
      ip: this.request.clientAddress,
      // The path names what was acted on; the query string is left out (it may carry a token).
      data: { url: requestPath(this.request).slice(0, MAX_NEXT_LENGTH), ...(allowed ? {} : { reason }) },
    });
  }

  /** Writes the pending decision, if there is one; later calls do nothing. */
  private async settleAudit(allowed: boolean, reason: string): Promise<void> {
    if (!this.auditPending) return;
    // Cleared before the write starts, so two settlements racing cannot both write.
    this.auditPending = false;
    await this.auditDecision(allowed, allowed ? '' : reason);
  }

  /**
   * What the response must carry, merged over `response` (the app's or gatehouse's answer, with
   * the status and the cache headers it already has; `body` null unless it is to be replaced):
   * the pending audit settled as denied, the object-rule safety net, the session and CSRF
   * cookies, `Cache-Control`, `Vary: Cookie`, and the security headers it does not set itself.
   */
  async finish(response: HttpResponse): Promise<HttpResponse> {
    const status = response.status;
    // Answered without reaching the CSRF check: nothing ran, so it was refused.
    if (this.auditPending) await this.settleAudit(false, unsettledReason(status));
    const out: HttpResponse = { status, headers: { ...response.headers }, cookies: [...response.cookies], body: response.body };
    if (this.declaration?.kind === 'object' && status < 300 && !this.objectChecked) {
      // Fail closed: the route promised an object check and answered without one.
      this.log.error({ gatehouse: { route: routeLabel(this.request) } }, 'gatehouse: objectRule route answered without authorizeObject()');
      out.status = 500;
      out.headers['content-type'] = 'text/plain; charset=utf-8';
      out.body = 'Server error.';
    }
    const sessionSpec = this.site.sessionCookie;
    const bearer = this.apiToken !== null || this.bearerRefusal !== null;
    if (bearer) {
      // Nothing for a bearer client to keep: no cookie, no cache.
      out.headers['cache-control'] = 'no-store';
    } else {
      if (this.cookieAction === 'set' && this.session) out.cookies.push(serializeCookie(sessionSpec, this.session.id, new Date(this.session.record.expiresAt)));
      else if (this.cookieAction === 'clear') out.cookies.push(serializeCookie(sessionSpec, '', null));
      if (this.csrfSecretChanged && this.csrfSecret) {
        out.cookies.push(serializeCookie(this.site.csrfCookie, this.csrfSecret.toString('base64url'), new Date(Date.now() + CSRF_COOKIE_LIFETIME_MS)));
      }
    }
    // Pages for a logged-in user must not land in a shared cache; the app may set its own policy.
    if (this.storeNothing) out.headers['cache-control'] = 'no-store';
    else if (this.user.isAuthenticated && !out.headers['cache-control']) out.headers['cache-control'] = 'private, no-store';
    if (this.session || this.cookieAction !== 'keep') {
      const vary = out.headers.vary;
      if (!vary) out.headers.vary = 'Cookie';
      else if (!vary.toLowerCase().includes('cookie')) out.headers.vary = `${vary}, Cookie`;
    }
    return finishWithoutExchange(this.site, out);
  }

  /**
   * The exchange is over: `status` was sent, or (`aborted`) the client went away first. Writes a
   * decision still pending as denied and starts the work deferred until after the response.
   * Never throws.
   */
  async end(outcome: { status?: number; aborted?: boolean } = {}): Promise<void> {
    this.responseSent();
    if (!this.auditPending) return;
    const reason = outcome.aborted ? 'client closed the connection before the CSRF check' : unsettledReason(outcome.status ?? 500);
    try {
      await this.settleAudit(false, reason);
    } catch (error) {
      this.log.error({ err: error, gatehouse: { route: routeLabel(this.request) } }, 'gatehouse: writing a pending access decision failed');
    }
  }

  /** Runs `job` after the response has gone (the reset mails); false when the queue was full. */
  afterResponse(name: string, job: () => Promise<void>): boolean {
    const whenSent =
      this.hooks.whenSent ??
      ((start: () => void): void => {
        if (this.sent) start();
        else this.sentCallbacks.push(start);
      });
    return this.site.tasks.afterResponse(whenSent, name, job);
  }

  /** The response has gone (or the client left): deferred work may start. Idempotent. */
  responseSent(): void {
    if (this.sent) return;
    this.sent = true;
    for (const start of this.sentCallbacks.splice(0)) start();
  }
}

/** The denial reason for a request answered before its CSRF check. */
export function unsettledReason(status: number): string {
  return status >= 400 ? `request failed before the CSRF check (${status})` : `request answered before the CSRF check (${status})`;
}

/** A denial in the account API's shape: `{ error: { code, message } }`. */
function apiDenial(denial: Denial, site: HttpSite): HttpResponse {
  const body =
    denial.kind === 'forbidden'
      ? { error: { code: 'forbidden', message: 'You do not have permission to do this.' } }
      : denial.kind === 'reauth'
        ? { error: { code: 'reauth_required', message: 'Confirm your password first (POST reauth).', reauthUrl: site.urls.reauth } }
        : { error: { code: 'not_authenticated', message: 'Log in to continue.', loginUrl: site.gatehouse.config.loginUrl } };
  return jsonResponse(denial.kind === 'forbidden' ? 403 : 401, body);
}
