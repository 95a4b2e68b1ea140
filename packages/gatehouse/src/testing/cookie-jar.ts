/**
 * The cookies a test client keeps between requests: set from each response's `Set-Cookie`,
 * removed when the server clears them, sent back as one `Cookie` header. Expiry dates are not
 * compared with the wall clock, because tests often run the server on a manual clock; a cookie is
 * dropped only when the server clears it (empty value, `Max-Age=0`, or an expiry in 1970).
 */

/** A cookie as `inject` reports it. */
export interface ResponseCookie {
  name: string;
  value: string;
  expires?: Date;
  maxAge?: number;
}

/** Name → value, in the order first set. */
export class CookieJar {
  private readonly values = new Map<string, string>();

  /** The value of `name`, if the jar holds it. */
  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Sets `name` (as if the server had). */
  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  /** Forgets `name`. */
  delete(name: string): void {
    this.values.delete(name);
  }

  /** Applies a response's cookies. */
  update(cookies: readonly ResponseCookie[]): void {
    for (const cookie of cookies) {
      const cleared =
        cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0) || (cookie.expires !== undefined && cookie.expires.getTime() <= 86_400_000);
      if (cleared) this.values.delete(cookie.name);
      else this.values.set(cookie.name, cookie.value);
    }
  }

  /** The `Cookie` header value, or null when the jar is empty. */
  header(): string | null {
    if (this.values.size === 0) return null;
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
