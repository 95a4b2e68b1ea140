/**
 * The request's own origin (`https://billing.example.com`), built in this one place for every
 * part of gatehouse that needs it: the CSRF origin check, the redirect policy and links in mail.
 *
 * Both halves can come from headers a client writes. Behind a trusted proxy Fastify takes the
 * protocol from `X-Forwarded-Proto` and the host from `X-Forwarded-Host` as they are, so a
 * client whose proxy passes the header on can send `X-Forwarded-Proto: https://evil.example/?`,
 * and `${protocol}://${host}` then starts with the attacker's domain. So:
 *
 * - the protocol must be exactly `http` or `https` (any case);
 * - the host must be well formed and on the allow-list (`allowedHosts`).
 *
 * A request failing either gets a plain 400 from `originCheckHook`, the first `onRequest` hook,
 * before its session is loaded or anything else reads those values; the functions below return
 * null for it rather than trusting it, in case they are reached some other way.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ParsedHost, hostMatches, parseHost } from './allowed-hosts.js';
import { type PluginContext, contextOf } from './context.js';
import { denialLogFields } from './denials.js';
import { markNoStore } from './render.js';

/** `http` or `https`. */
export type Protocol = 'http' | 'https';

/** The longest Host value repeated in a log line: enough to recognise, too short to flood. */
const LOGGED_HOST_LENGTH = 100;

/** The request's protocol, or null when a proxy header gave anything but `http`/`https`. */
export function requestProtocol(request: FastifyRequest): Protocol | null {
  const raw: unknown = request.protocol;
  if (typeof raw !== 'string') return null;
  const protocol = raw.toLowerCase();
  return protocol === 'http' || protocol === 'https' ? protocol : null;
}

/** The request's host, parsed, when it is well formed and allowed; else null. */
export function requestHost(request: FastifyRequest): ParsedHost | null {
  const raw: unknown = request.host;
  if (typeof raw !== 'string') return null;
  const host = parseHost(raw);
  return host && hostMatches(host, contextOf(request).hostPatterns) ? host : null;
}

/** `host[:port]` as it goes into a URL. */
export function hostString(host: ParsedHost): string {
  return host.port === null ? host.name : `${host.name}:${host.port}`;
}

/** `scheme://host[:port]` of this request (default ports left out), or null when not trustworthy. */
export function requestOrigin(request: FastifyRequest): string | null {
  const protocol = requestProtocol(request);
  const host = requestHost(request);
  if (protocol === null || host === null) return null;
  try {
    return new URL(`${protocol}://${hostString(host)}`).origin;
  } catch {
    return null;
  }
}

/**
 * Where links in mail point: `siteUrl`; in development without one, this request's origin
 * (its host is on the allow-list, by default this machine's names). Null in production without
 * `siteUrl`, which the plugin refuses at start-up anyway.
 */
export function mailLinkOrigin(request: FastifyRequest, context: PluginContext): string | null {
  if (context.siteUrl) return context.siteUrl;
  if (context.gatehouse.config.production) return null;
  return requestOrigin(request);
}

/** Why the request's origin cannot be trusted, or null when it can. */
function originProblem(request: FastifyRequest): { reason: string; message: string } | null {
  if (requestProtocol(request) === null) {
    return { reason: 'forwarded protocol is not http or https', message: 'Bad request: X-Forwarded-Proto must be http or https.' };
  }
  const raw = typeof request.host === 'string' ? request.host : '';
  if (requestHost(request) === null) {
    return { reason: `host not allowed: ${JSON.stringify(raw.slice(0, LOGGED_HOST_LENGTH))}`, message: 'Bad request: this site does not answer to that Host.' };
  }
  return null;
}

/**
 * onRequest, first of the plugin's hooks: refuses (400, plain text) a request whose Host is not
 * allowed or whose forwarded protocol is not http(s), before its session is loaded.
 */
export async function originCheckHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const problem = originProblem(request);
  if (problem === null) return undefined;
  request.log.warn({ gatehouse: { decision: 'deny', kind: 'host', ...denialLogFields(request), reason: problem.reason } }, 'request refused: untrusted Host or protocol');
  markNoStore(request);
  return reply.code(400).type('text/plain; charset=utf-8').send(problem.message);
}
