/**
 * A browser-like HTTP client over fetch: keeps cookies, reads the CSRF token from the last page
 * it saw, never follows redirects (the tests look at each one).
 */

/** A response as the tests look at it. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  /** The Location header, if any. */
  location: string | null;
  json<T = Record<string, unknown>>(): T;
}

/** Options of one request. */
export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An urlencoded form body. */
  form?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
}

/** Accept headers of a browser and of an API client. */
export const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
export const JSON_ACCEPT = 'application/json';

export class HttpClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last form seen. */
  csrf = '';

  constructor(
    readonly origin: string,
    private readonly accept: string = HTML,
  ) {}

  async request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: this.accept, ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const method = options.method ?? (body !== undefined ? 'POST' : 'GET');
    // Browsers send Origin on every POST; the CSRF check compares it with the host.
    if (method !== 'GET' && method !== 'HEAD' && headers.origin === undefined) headers.origin = this.origin;
    const res = await fetch(new URL(path, this.origin), { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(text);
    if (token?.[1]) this.csrf = token[1];
    return { status: res.status, headers: res.headers, body: text, location: res.headers.get('location'), json: <T>() => JSON.parse(text) as T };
  }

  /** Loads `page` for a fresh token, then posts `form` (with the token) to `action` (default: the page). */
  async submit(page: string, form: Record<string, string>, action = page): Promise<HttpResponse> {
    await this.request(page);
    return this.request(action, { form: { csrfmiddlewaretoken: this.csrf, ...form } });
  }

  /** Logs in through the form; throws unless it redirects. */
  async login(username: string, password: string): Promise<HttpResponse> {
    const res = await this.submit('/accounts/login/', { username, password });
    if (res.status !== 302) throw new Error(`login as ${username} failed with ${res.status}`);
    return res;
  }

  /** Posts with the current CSRF token (after any page load), as a form. */
  post(path: string, form: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(path, { form: { csrfmiddlewaretoken: this.csrf, ...form }, headers });
  }
}
