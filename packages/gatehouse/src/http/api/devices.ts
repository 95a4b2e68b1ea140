/**
 * Users managing where they are signed in: their own sessions (device, address, when; the
 * current one marked) and personal API tokens. Ids of other users' sessions or tokens are "not
 * found", never "forbidden", so they cannot be probed. A session is named by the SHA-256 of its
 * id (what the store keeps): knowing it lets nobody in, since the cookie holds the raw id.
 */
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { hashSessionId } from '../../core/sessions.js';
import type { User } from '../../core/user.js';
import type { AuthExchange } from '../exchange.js';
import type { HttpResponse } from '../response.js';
import { BodyReader } from './body.js';
import { apiError, apiJson, noContent, validationFailed } from './errors.js';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function notFound(what: string): HttpResponse {
  return apiError(404, 'not_found', `No such ${what}.`);
}

/** The live sessions of the request's user, newest first, the current one marked. */
export async function sessionsList(
  exchange: AuthExchange,
): Promise<{ id: string; current: boolean; createdAt: string; lastSeenAt: string; expiresAt: string; ip: string | null; userAgent: string | null }[]> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  const now = gatehouse.clock.now();
  const idle = gatehouse.config.session.idleTimeout * 1000;
  const current = exchange.session ? hashSessionId(exchange.session.id) : null;
  const records = await gatehouse.sessions.listForUser(user.id);
  return records
    .filter((s) => s.authEpoch === user.authEpoch && now < s.expiresAt && now - s.lastSeenAt <= idle)
    .map((s) => ({
      id: s.idHash,
      current: s.idHash === current,
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeenAt).toISOString(),
      expiresAt: new Date(s.expiresAt).toISOString(),
      ip: s.ip,
      userAgent: s.userAgent,
    }));
}

/** GET sessions. */
export async function sessionsGet(exchange: AuthExchange): Promise<HttpResponse> {
  return apiJson(200, { sessions: await sessionsList(exchange) });
}

/** Ends one of the user's own sessions; false when it is not theirs (or gone). */
export async function endOwnSession(exchange: AuthExchange, idHash: string): Promise<boolean> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  if (!/^[0-9a-f]{64}$/.test(idHash)) return false;
  const record = await gatehouse.stores.sessions.get(idHash);
  if (!record || record.userId !== user.id) return false;
  if (exchange.session && hashSessionId(exchange.session.id) === idHash) {
    // Ending the current session is a logout, with its cookie cleared.
    await exchange.logout();
    return true;
  }
  if (!(await gatehouse.sessions.endByHash(idHash))) return false;
  await gatehouse.audit.record({
    actor: user.username,
    action: 'auth.session_ended',
    target: user.username,
    ip: exchange.request.clientAddress,
    data: { session: idHash.slice(0, 16) },
  });
  return true;
}

/** DELETE sessions/:id → 204, or 404 for an id that is not one of the user's sessions. */
export async function sessionDelete(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  // Ending sessions is for a logged-in person; a token may not reach into them.
  if (exchange.apiToken) return exchange.tokenRefused();
  return (await endOwnSession(exchange, (params.id ?? '').toLowerCase())) ? noContent() : notFound('session');
}

/** Ends every other session of the user (this one goes on); how many. */
export async function endOtherSessions(exchange: AuthExchange): Promise<number> {
  const gatehouse = exchange.site.gatehouse;
  const user = exchange.user as User;
  const ended = await gatehouse.sessions.endAllForUser(user.id, exchange.session ? { except: exchange.session } : {});
  await gatehouse.audit.record({
    actor: user.username,
    action: 'auth.sessions_ended_others',
    target: user.username,
    ip: exchange.request.clientAddress,
    data: { count: ended },
  });
  return ended;
}

/** DELETE sessions: "log out everywhere else" → 200 `{ ended }`. */
export async function otherSessionsDelete(exchange: AuthExchange): Promise<HttpResponse> {
  return apiJson(200, { ended: await endOtherSessions(exchange) });
}

function tokenJson(token: {
  id: number;
  name: string;
  prefix: string;
  permissions: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}): object {
  return { ...token, createdAt: iso(token.createdAt), expiresAt: iso(token.expiresAt), lastUsedAt: iso(token.lastUsedAt) };
}

/** GET tokens: the user's personal API tokens (never the secrets). */
export async function tokensGet(exchange: AuthExchange): Promise<HttpResponse> {
  const tokens = await exchange.site.gatehouse.apiTokens.list(exchange.user as User);
  return apiJson(200, { tokens: tokens.map(tokenJson) });
}

/**
 * POST tokens: `{ name, expiresInDays?, permissions? }` → 201 `{ token, ... }`, the secret shown
 * this once. The route asks for a recent password check, which only a session can have.
 */
export async function tokensPost(exchange: AuthExchange): Promise<HttpResponse> {
  const body = new BodyReader(exchange.request);
  const name = body.string('name', 100);
  const expiresInDays = body.integer('expiresInDays', 1, 366);
  const permissions = body.strings('permissions', 500, 255);
  if (!body.ok) return validationFailed(body.problems);
  try {
    const made = await exchange.site.gatehouse.apiTokens.create(exchange.user as User, {
      name,
      ...(expiresInDays !== undefined ? { expiresInDays } : {}),
      ...(permissions !== undefined ? { permissions } : {}),
      ip: exchange.request.clientAddress,
    });
    return apiJson(201, { token: made.token, ...tokenJson(made.info) });
  } catch (error) {
    if (error instanceof ValidationError) {
      const fields: Record<string, string[]> = {};
      for (const e of error.errors) {
        const field = e.code.includes('name') ? 'name' : e.code.includes('expiry') ? 'expiresInDays' : e.code.includes('permission') ? 'permissions' : 'token';
        fields[field] = [...(fields[field] ?? []), e.message];
      }
      return validationFailed(fields);
    }
    throw error;
  }
}

/** DELETE tokens/:id → 204, or 404 for an id that is not one of the user's tokens. */
export async function tokenDelete(exchange: AuthExchange, params: Record<string, string>): Promise<HttpResponse> {
  const id = Number(params.id);
  if (!/^[1-9][0-9]{0,15}$/.test(params.id ?? '') || !Number.isSafeInteger(id)) return notFound('token');
  // A token may revoke itself (a script retiring its credential), never its user's other tokens.
  if (exchange.apiToken && exchange.apiToken.id !== id) return exchange.tokenRefused();
  try {
    await exchange.site.gatehouse.apiTokens.revoke(id, { owner: exchange.user as User, ip: exchange.request.clientAddress });
  } catch (error) {
    if (error instanceof NotFoundError) return notFound('token');
    throw error;
  }
  return noContent();
}
