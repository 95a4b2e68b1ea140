/**
 * The Host allow-list (Django's `ALLOWED_HOSTS`): which `Host` header values this site answers.
 *
 * A Host header is whatever the client typed, or whatever an attacker sends: left unchecked it
 * ends up in absolute links (a reset mail pointing at the attacker's domain), in the CSRF origin
 * comparison and in redirect checks. So a request naming a host that is not listed is refused
 * with 400 before anything else reads it.
 *
 * Patterns, as Django's: `example.com` matches that name exactly, `.example.com` matches it and
 * every subdomain. Unlike Django a pattern may carry a port (`example.com:8443`), which then must
 * match too; without one any port matches. There is no `*`: a list that lets every Host in is
 * exactly what this check exists to prevent.
 */
import { ConfigError } from '../core/errors.js';

/** One compiled entry of the allow-list. */
export interface HostPattern {
  /** Lower-case host name or IP literal (`[::1]`), without the leading dot. */
  readonly name: string;
  /** The port it must come with, or null for any port. */
  readonly port: string | null;
  /** A leading `.` in the setting: subdomains match too. */
  readonly subdomains: boolean;
}

/** A Host header split into name and port. */
export interface ParsedHost {
  /** Lower-case, trailing dot removed. */
  readonly name: string;
  readonly port: string | null;
}

/**
 * The allow-list used in development when none is given: this machine under its usual names,
 * as Django allows with `DEBUG` and an empty `ALLOWED_HOSTS`.
 */
export const DEVELOPMENT_HOSTS: readonly string[] = ['localhost', '.localhost', '127.0.0.1', '[::1]'];

// Django's host_validation_re: a DNS name or IPv4 address, or a bracketed IPv6 literal, then an
// optional port. Anything else (spaces, `@`, `/`, a second colon) is not a host.
const HOST_PATTERN = /^([a-z0-9.-]{1,253}|\[[a-f0-9]*:[a-f0-9.:]+\])(?::(\d{1,5}))?$/;

/** Splits and normalises a Host header value; null when it is not a well-formed host. */
export function parseHost(value: string): ParsedHost | null {
  if (value.length === 0 || value.length > 300) return null;
  const match = HOST_PATTERN.exec(value.toLowerCase());
  if (!match) return null;
  let name = match[1] ?? '';
  // `example.com.` is the same name as `example.com` (Django strips the dot as well).
  if (name.endsWith('.') && !name.startsWith('[')) name = name.slice(0, -1);
  if (name === '' || name.startsWith('.') || name.includes('..')) return null;
  const port = match[2] ?? null;
  if (port !== null && Number(port) > 65535) return null;
  return { name, port };
}

/** Compiles the `allowedHosts` setting; a malformed entry is a `ConfigError` naming it. */
export function compileAllowedHosts(list: readonly string[]): HostPattern[] {
  return list.map((entry) => {
    if (typeof entry !== 'string') {
      throw new ConfigError('gatehouse.http.invalid_allowed_host', `allowedHosts must list host names as strings, got ${typeof entry}.`);
    }
    const trimmed = entry.trim();
    if (trimmed === '*') {
      throw new ConfigError(
        'gatehouse.http.invalid_allowed_host',
        'allowedHosts: "*" would let any Host header in (and into links and origin checks); list the names this site answers to, e.g. ["billing.example.com", ".example.com"].',
      );
    }
    const subdomains = trimmed.startsWith('.');
    const parsed = parseHost(subdomains ? trimmed.slice(1) : trimmed);
    if (!parsed) {
      throw new ConfigError(
        'gatehouse.http.invalid_allowed_host',
        `allowedHosts: "${entry}" is not a host name; use "example.com", ".example.com" (with subdomains), "example.com:8443" or "[::1]".`,
      );
    }
    return { name: parsed.name, port: parsed.port, subdomains };
  });
}

/** True when `host` (already parsed) is allowed by one of `patterns`. */
export function hostMatches(host: ParsedHost, patterns: readonly HostPattern[]): boolean {
  return patterns.some((pattern) => {
    if (pattern.port !== null && pattern.port !== host.port) return false;
    if (host.name === pattern.name) return true;
    return pattern.subdomains && host.name.endsWith(`.${pattern.name}`);
  });
}
