/**
 * The suite's browser: a small HTTP client over `fetch` that keeps cookies, reads the CSRF token
 * from the last page it saw, and never follows redirects (the scenarios look at each one). For the
 * few requests `fetch` cannot express as an attacker sends them — a forged `Host`, a path `fetch`
 * would normalise (`/\evil.com`), raw bytes — `rawRequest` speaks HTTP through `node:http`.
 */
import { request as httpRequest } from 'node:http';

/** `Accept` of a browser navigating. */
export const ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** `Accept` of an API client. */
export const ACCEPT_JSON = 'application/json';

/** A response as the scenarios look at it. */
export interface ClientResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, ` (Set-Cookie is in `setCookies`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Each `Set-Cookie` line as sent. */
  readonly setCookies: readonly string[];
  readonly body: string;
  /** The `Location` header, if any. */
  readonly location: string | undefined;
  /** The body parsed as JSON (throws with the body when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** Options of one request. */
export interface ClientRequestOptions {
  /** Defaults to POST when a body is given, else GET. */
  method?: string;
  headers?: Readonly<Record<string, string>>;
  /** An urlencoded form body. */
  form?: Readonly<Record<string, string>>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body with the content type given in `headers`. */
  body?: string | Uint8Array;
}

function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new Error(`expected a JSON body, got: ${body.slice(0, 300)}`);
  }
}

function response(status: number, headers: Record<string, string>, setCookies: string[], body: string): ClientResponse {
  return { status, headers, setCookies, body, location: headers.location, json: <T>() => parseJson<T>(body) };
}

/** True when a Set-Cookie line removes its cookie (empty value, Max-Age=0, or an expiry in 1970). */
function clears(line: string, value: string): boolean {
  return value === '' || /;\s*max-age=0\s*(;|$)/i.test(line) || /;\s*expires=[^;]*1970/i.test(line);
}

/** A browser-like client of one origin; see the module comment. */
export class ConformanceClient {
  /** Name → value, as the server set them. */
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  lastToken = '';

  constructor(
    readonly origin: string,
    /** The `Accept` header sent unless a request gives its own. */
    readonly accept: string = ACCEPT_HTML,
  ) {}

  /** The `Cookie` header this client sends, or undefined when it holds none. */
  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The session cookie's value (`sessionid`), if any. */
  session(): string | undefined {
    return this.cookies.get('sessionid');
  }

  /** Sends one request with this client's cookies; applies the cookies of the answer. */
  async request(path: string, options: ClientRequestOptions = {}): Promise<ClientResponse> {
    const headers: Record<string, string> = { accept: this.accept };
    const cookie = this.cookieHeader();
    if (cookie !== undefined) headers.cookie = cookie;
    let body: string | Uint8Array | undefined = options.body;
    if (options.form !== undefined) {
      body = new URLSearchParams(options.form as Record<string, string>).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    const method = options.method ?? (body !== undefined ? 'POST' : 'GET');
    const res = await fetch(new URL(path, this.origin), { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (name !== 'set-cookie') out[name] = value;
    });
    const text = await res.text();
    const answer = response(res.status, out, res.headers.getSetCookie(), text);
    this.absorb(answer);
    return answer;
  }

  /** Applies a response's cookies and remembers its CSRF token (for `rawRequest` answers too). */
  absorb(answer: ClientResponse): void {
    for (const line of answer.setCookies) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (clears(line, value)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(answer.body)?.[1];
    if (token !== undefined) this.lastToken = token;
  }

  /** GETs `pagePath` (for its form's token), then POSTs `form` with that token to `postPath`. */
  async submit(
    pagePath: string,
    form: Readonly<Record<string, string>>,
    postPath: string = pagePath,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<ClientResponse> {
    await this.request(pagePath);
    return this.request(postPath, { form: { csrfmiddlewaretoken: this.lastToken, ...form }, headers });
  }

  /** Logs in through the login form; fails unless the answer is the redirect of a success. */
  async login(username: string, password: string): Promise<ClientResponse> {
    const res = await this.submit('/accounts/login/', { username, password });
    if (res.status !== 302 || this.session() === undefined) throw new Error(`login as ${username} failed: ${res.status} ${res.body.slice(0, 300)}`);
    return res;
  }

  /** A copy holding the same cookies (another tab, or a thief with the cookie). */
  clone(accept: string = this.accept): ConformanceClient {
    const copy = new ConformanceClient(this.origin, accept);
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    copy.lastToken = this.lastToken;
    return copy;
  }
}

/** What `rawRequest` sends: the path and headers exactly as given. */
export interface RawRequestOptions {
  method?: string;
  /** Sent byte for byte on the request line (no normalisation). */
  path: string;
  /** Sent as given, `host` included; `host` defaults to the origin's. */
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
}

/** One request through `node:http`, for what `fetch` would refuse or rewrite. */
export function rawRequest(origin: string, options: RawRequestOptions): Promise<ClientResponse> {
  const url = new URL(origin);
  const headers: Record<string, string> = { host: url.host, ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise<ClientResponse>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const out: Record<string, string> = {};
        let setCookies: string[] = [];
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          if (name === 'set-cookie') setCookies = Array.isArray(value) ? value : [value];
          else out[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve(response(res.statusCode ?? 0, out, setCookies, Buffer.concat(chunks).toString('utf8')));
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`raw request to ${options.path} timed out`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
