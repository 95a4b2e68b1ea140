/**
 * A client that talks to the JSON account API the way a single-page app does: fetch with a cookie
 * jar (the browser's), the CSRF token from `GET csrf` sent back as `X-CSRFToken`, JSON bodies —
 * or the way a script does, with `Authorization: Bearer`. It never parses HTML.
 */

/** One answer, body parsed as JSON when it is JSON. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  setCookies: string[];
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read any field
  body: any;
}

/** An SPA (cookies + CSRF header) or a script (bearer token) against `origin`. */
export class SpaClient {
  readonly jar = new Map<string, string>();
  csrfToken = '';
  bearer: string | null = null;

  constructor(
    readonly origin: string,
    private readonly prefix = '/api/auth',
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    // API paths are short (`/session`) and have no trailing slash; the app's routes end in one.
    const url = path.endsWith('/') || path.startsWith(this.prefix) ? path : `${this.prefix}${path}`;
    const all: Record<string, string> = { accept: 'application/json', origin: this.origin, ...headers };
    if (this.bearer !== null) all.authorization = `Bearer ${this.bearer}`;
    else {
      if (this.jar.size > 0) all.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (method !== 'GET' && this.csrfToken) all['x-csrftoken'] = this.csrfToken;
    }
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      all['content-type'] ??= 'application/json';
    }
    const res = await fetch(new URL(url, this.origin), { method, headers: all, body: payload, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && text !== '') parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, setCookies, body: parsed };
  }

  /** GET csrf, keeping the token. */
  async fetchCsrf(): Promise<string> {
    const answer = await this.call('GET', '/csrf');
    this.csrfToken = answer.body.csrfToken;
    return this.csrfToken;
  }

  /** csrf + login; keeps the new token from the login answer. */
  async login(username: string, password: string): Promise<ApiAnswer> {
    if (!this.csrfToken) await this.fetchCsrf();
    const answer = await this.call('POST', '/login', { username, password });
    if (answer.status === 200) this.csrfToken = answer.body.csrfToken;
    return answer;
  }
}
