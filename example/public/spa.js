// The example's single-page sign-in: everything through /api/auth with fetch. The session cookie
// is HttpOnly (the page never sees it); the CSRF token comes from GET /api/auth/csrf and goes back
// as the X-CSRFToken header on every POST. Kept as a file (no inline script: the CSP forbids it).
const api = '/api/auth';
let csrfToken = '';

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(api + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function showSession() {
  const session = await call('GET', '/session');
  const signedIn = session.status === 200;
  document.getElementById('login').hidden = signedIn;
  document.getElementById('signed-in').hidden = !signedIn;
  if (signedIn) {
    document.getElementById('who').textContent = session.body.user.username;
    document.getElementById('permissions').textContent = session.body.permissions.join(', ') || '(none)';
  }
}

async function start() {
  csrfToken = (await call('GET', '/csrf')).body.csrfToken;
  await showSession();
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const result = await call('POST', '/login', { username: form.username.value, password: form.password.value });
    const error = document.getElementById('login-error');
    if (result.status === 200) {
      csrfToken = result.body.csrfToken;
      error.textContent = '';
      form.password.value = '';
      await showSession();
    } else {
      error.textContent = result.body.error.message;
    }
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await call('POST', '/logout');
    csrfToken = (await call('GET', '/csrf')).body.csrfToken;
    await showSession();
  });
}

start();
