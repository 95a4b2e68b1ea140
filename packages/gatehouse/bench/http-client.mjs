// Logging in from outside, as a browser would, for the benchmark (scripts/bench.mjs) and its
// login storm (bench/login-storm.mjs). Plain Node ESM: no build step, runs under `node` directly.

/** `name=value` pairs of a response's Set-Cookie headers, merged over `jar` (a Map). */
export function storeCookies(jar, response) {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    // A cleared cookie comes back empty (and expired): forget it.
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
  return jar;
}

/** The Cookie header for `jar`. */
export function cookieHeader(jar) {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The value of the hidden CSRF field in a page, or null. */
export function csrfField(html, field = 'csrfmiddlewaretoken') {
  for (const match of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = match[0];
    if (!new RegExp(`name="${field}"`).test(tag)) continue;
    const value = /value="([^"]*)"/.exec(tag);
    if (value) return value[1];
  }
  return null;
}

/**
 * Logs in on a gatehouse app (the example): GET the form for the CSRF cookie and token, POST it.
 * Returns the cookie jar on success (302 away from the login page), or throws with what came back.
 */
export async function loginGatehouse(base, username, password, jar = new Map()) {
  const form = await fetch(`${base}/accounts/login/`, { headers: { cookie: cookieHeader(jar) }, redirect: 'manual' });
  storeCookies(jar, form);
  const token = csrfField(await form.text());
  if (form.status !== 200 || token === null) throw new Error(`GET /accounts/login/ gave ${form.status}${token === null ? ' without a CSRF field' : ''}`);
  return postLogin(base, username, password, jar, token);
}

/** The POST half of `loginGatehouse`, for a client that already holds a CSRF cookie and token. */
export async function postLogin(base, username, password, jar, token) {
  const body = new URLSearchParams({ username, password, csrfmiddlewaretoken: token });
  const response = await fetch(`${base}/accounts/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), origin: base },
    body,
    redirect: 'manual',
  });
  storeCookies(jar, response);
  await response.arrayBuffer();
  const location = response.headers.get('location') ?? '';
  if (response.status !== 302 || location.startsWith('/accounts/login/')) {
    throw new Error(`POST /accounts/login/ as ${username} gave ${response.status}${location ? ` → ${location}` : ''}`);
  }
  return jar;
}

/** Logs in on the Express/Passport peer: one POST (it has no CSRF check). */
export async function loginPeer(base, username, password, jar = new Map()) {
  const response = await fetch(`${base}/accounts/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ username, password }),
    redirect: 'manual',
  });
  storeCookies(jar, response);
  await response.arrayBuffer();
  const location = response.headers.get('location') ?? '';
  if (response.status !== 302 || location.startsWith('/accounts/login/')) {
    throw new Error(`peer POST /accounts/login/ as ${username} gave ${response.status}${location ? ` → ${location}` : ''}`);
  }
  return jar;
}
