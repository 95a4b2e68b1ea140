/**
 * Safe redirects: deciding whether a `next` value from a query string or form may be followed.
 * An open redirect on a login page turns a trusted link into a phishing link, so anything that is
 * not plainly "a path on this site" or "an absolute http(s) URL to an allowed host" is refused.
 *
 * The checks are on the raw string first, because browsers are more lenient than URL parsers:
 * they strip tabs and newlines anywhere in a URL and leading control characters, treat `\` as
 * `/` (so `/\evil.com` is scheme-relative), and read `https:evil.com` as an absolute URL. Such
 * inputs never need to be accepted, so they are refused outright rather than normalised.
 * The result is the parsed, percent-encoded form, safe to put in a `Location` header as is.
 *
 * A space inside the value is the one exception, and is kept: a query parser decodes `%20` and
 * `+` to a space, so `next=/files/a%20b/` and `next=/search/?q=a+b` arrive with one, and they are
 * ordinary paths. Parsing encodes it again (`%20`), so the result never holds a space; a space
 * at either end (which browsers strip, changing what follows) is still refused.
 */

/** Where a redirect may go. */
export interface SafeRedirectOptions {
  /** The request's own host (`example.com` or `example.com:8443`), from the Host header. */
  host: string;
  /** Other hosts (with port when not the default) that absolute URLs may point to. */
  allowedHosts?: readonly string[];
  /** Refuse `http:` targets: set when the request itself came over HTTPS. */
  requireHttps?: boolean;
}

/** Longer values are refused before any parsing; no legitimate `next` is this long. */
export const MAX_REDIRECT_LENGTH = 2000;

// C0 controls and DEL anywhere (browsers drop some of them silently, changing the URL's
// meaning), backslashes (read as `/`), and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\\u2028\u2029]/;
// Spaces at either end: browsers strip them, so what the check saw is not what they would follow.
const EDGE_SPACE = /^ | $/;
// Bidirectional controls and other format characters can make a URL display differently from
// what it is; there is no need for them in a redirect target.
const FORMAT_CHARS = /[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const ABSOLUTE_HTTP = /^(https?):\/\/([^/?#]*)/i;

/**
 * The redirect target to use for `url`, or null when it is not safe: the same host (a path, or
 * an absolute URL naming this host) or an allowed host, over http(s) (https only when
 * `requireHttps`). Never throws, whatever the input.
 */
export function resolveSafeRedirect(url: unknown, options: SafeRedirectOptions): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_REDIRECT_LENGTH) return null;
  if (FORBIDDEN_CHARS.test(url) || FORMAT_CHARS.test(url) || EDGE_SPACE.test(url)) return null;
  const requireHttps = options.requireHttps ?? false;
  const ownHost = normaliseHost(options.host);
  if (ownHost === null) return null;
  const base = new URL(`${requireHttps ? 'https' : 'http'}://${ownHost}/`);

  if (HAS_SCHEME.test(url)) {
    // Absolute: only the full `scheme://authority` form, so `https:evil.com` and `http:/x` fail.
    const match = ABSOLUTE_HTTP.exec(url);
    if (!match) return null;
    const scheme = (match[1] ?? '').toLowerCase();
    const authority = match[2] ?? '';
    if (requireHttps && scheme !== 'https') return null;
    // Userinfo (`http://good.com@evil.com`) is refused outright: it only ever serves to mislead.
    if (authority.length === 0 || authority.includes('@')) return null;
    const parsed = parse(url);
    if (parsed?.username !== '' || parsed.password !== '') return null;
    if (parsed.protocol !== `${scheme}:`) return null;
    const allowed = new Set([ownHost, ...(options.allowedHosts ?? []).map(normaliseHost).filter((h): h is string => h !== null)]);
    if (!allowed.has(parsed.host)) return null;
    return parsed.href;
  }

  // Relative: scheme-relative (`//evil.com`) would leave the host; everything else stays on it.
  if (url.startsWith('//')) return null;
  const parsed = parse(url, base);
  if (!parsed || parsed.origin !== base.origin) return null;
  // Only the path onwards, so the result is relative too and cannot be read as another host.
  const target = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  return target.startsWith('//') ? null : target;
}

/** True when `resolveSafeRedirect` would accept `url`. */
export function isSafeRedirect(url: unknown, options: SafeRedirectOptions): boolean {
  return resolveSafeRedirect(url, options) !== null;
}

/** `url` when it is safe, else `fallback` (a trusted local path from configuration). */
export function safeRedirectOr(url: unknown, options: SafeRedirectOptions, fallback: string): string {
  return resolveSafeRedirect(url, options) ?? fallback;
}

function parse(url: string, base?: URL): URL | null {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}

/** `Example.COM:80` as the URL parser writes it for comparison, or null if it is no host. */
function normaliseHost(host: string): string | null {
  if (typeof host !== 'string' || host.length === 0 || host.length > 300 || /[/?#@\\\s]/.test(host)) return null;
  const parsed = parse(`http://${host}/`);
  if (parsed?.pathname !== '/' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.host;
}
