/**
 * The request's own origin (`https://billing.example.com`), built in this one place for every
 * part of gatehouse that needs it: the CSRF origin check, the redirect policy and links in mail.
 *
 * Both halves can come from headers a client writes (forwarded headers behind a trusted proxy),
 * so the protocol must be exactly `http` or `https` and the host well formed and on the
 * allow-list (`allowedHosts`). A request failing either is refused with 400 by `checkOrigin`,
 * before its session is loaded; the functions below return null for it rather than trust it.
 */
import { type HostPattern, type ParsedHost, hostMatches, parseHost } from './allowed-hosts.js';
import type { HttpRequest } from './request.js';

/** `http` or `https`. */
export type Protocol = 'http' | 'https';

/** The longest Host value repeated in a log line: enough to recognise, too short to flood. */
const LOGGED_HOST_LENGTH = 100;

/** The request's protocol, or null when a proxy header gave anything but `http`/`https`. */
export function requestProtocol(request: Pick<HttpRequest, 'protocol'>): Protocol | null {
  const raw: unknown = request.protocol;
  if (typeof raw !== 'string') return null;
  const protocol = raw.toLowerCase();
  return protocol === 'http' || protocol === 'https' ? protocol : null;
}

/** The request's host, parsed, when it is well formed and allowed; else null. */
export function requestHost(request: Pick<HttpRequest, 'host'>, patterns: readonly HostPattern[]): ParsedHost | null {
  const raw: unknown = request.host;
  if (typeof raw !== 'string') return null;
  const host = parseHost(raw);
  return host && hostMatches(host, patterns) ? host : null;
}

/** `host[:port]` as it goes into a URL. */
export function hostString(host: ParsedHost): string {
  return host.port === null ? host.name : `${host.name}:${host.port}`;
}

/** `scheme://host[:port]` of this request (default ports left out), or null when not trustworthy. */
export function requestOrigin(request: Pick<HttpRequest, 'protocol' | 'host'>, patterns: readonly HostPattern[]): string | null {
  const protocol = requestProtocol(request);
  const host = requestHost(request, patterns);
  if (protocol === null || host === null) return null;
  try {
    return new URL(`${protocol}://${hostString(host)}`).origin;
  } catch {
    return null;
  }
}

/** Why the request's origin cannot be trusted (for the log, and the client's message), or null. */
export function originProblem(request: Pick<HttpRequest, 'protocol' | 'host'>, patterns: readonly HostPattern[]): { reason: string; message: string } | null {
  if (requestProtocol(request) === null) {
    return { reason: 'forwarded protocol is not http or https', message: 'Bad request: X-Forwarded-Proto must be http or https.' };
  }
  const raw = typeof request.host === 'string' ? request.host : '';
  if (requestHost(request, patterns) === null) {
    return { reason: `host not allowed: ${JSON.stringify(raw.slice(0, LOGGED_HOST_LENGTH))}`, message: 'Bad request: this site does not answer to that Host.' };
  }
  return null;
}
