/**
 * "Where am I logged in": the user's live sessions (browser, address, when; the current one
 * marked) and personal API tokens, each with a button that ends it, and "log out everywhere
 * else". The same operations as the JSON API's `sessions` and `tokens` (api/devices.ts): ids of
 * other users' sessions or tokens change nothing and say only "not found".
 */
import { NotFoundError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { endOtherSessions, endOwnSession, sessionsList } from '../api/devices.js';
import type { AuthExchange } from '../exchange.js';
import { field } from '../forms.js';
import { type HttpResponse, redirectResponse } from '../response.js';

async function showPage(exchange: AuthExchange, notice: string, errors: string[] = [], status = 200): Promise<HttpResponse> {
  const sessions = await sessionsList(exchange);
  const tokens = await exchange.site.gatehouse.apiTokens.list(exchange.user as User);
  const when = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16));
  return exchange.page(
    'registration/sessions.html',
    'Where you are logged in',
    {
      notice,
      form: { errors, fieldErrors: {} },
      sessions: sessions.map((s) => ({ ...s, createdAt: s.createdAt.replace('T', ' ').slice(0, 16), lastSeenAt: s.lastSeenAt.replace('T', ' ').slice(0, 16) })),
      tokens: tokens.map((t) => ({
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        expiresAt: when(t.expiresAt),
        lastUsedAt: when(t.lastUsedAt),
        lastUsedIp: t.lastUsedIp ?? '',
      })),
    },
    status,
  );
}

/** GET: the lists. */
export async function sessionsGet(exchange: AuthExchange): Promise<HttpResponse> {
  const done = new URL(exchange.request.url, 'http://x').searchParams.get('done');
  const notices: Record<string, string> = { session: 'The session was ended.', others: 'Every other session was ended.', token: 'The token was revoked.' };
  return showPage(exchange, (done !== null && notices[done]) || '');
}

/** POST: end one session, every other one, or revoke a token; then back to the list. */
export async function sessionsPost(exchange: AuthExchange): Promise<HttpResponse> {
  const action = field(exchange.request, 'action', 20);
  const back = exchange.site.urls.sessions;
  if (action === 'end_others') {
    await endOtherSessions(exchange);
    return redirectResponse(`${back}?done=others`);
  }
  if (action === 'end_session') {
    const id = field(exchange.request, 'session', 64).toLowerCase();
    if (!(await endOwnSession(exchange, id))) return showPage(exchange, '', ['No such session.'], 404);
    // Ending this very session is a logout: there is no list to go back to.
    return redirectResponse(exchange.user.isAuthenticated ? `${back}?done=session` : exchange.site.gatehouse.config.loginUrl);
  }
  if (action === 'revoke_token') {
    const raw = field(exchange.request, 'token', 20);
    const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
    try {
      if (!Number.isSafeInteger(id)) throw new NotFoundError('api_token', 'No such token.');
      await exchange.site.gatehouse.apiTokens.revoke(id, { owner: exchange.user as User, ip: exchange.request.clientAddress });
    } catch (error) {
      if (error instanceof NotFoundError) return showPage(exchange, '', ['No such token.'], 404);
      throw error;
    }
    return redirectResponse(`${back}?done=token`);
  }
  return showPage(exchange, '', ['Choose what to end.'], 400);
}
