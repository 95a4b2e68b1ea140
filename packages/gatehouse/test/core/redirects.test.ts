import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_REDIRECT_LENGTH, isSafeRedirect, resolveSafeRedirect, safeRedirectOr } from '../../src/core/redirects.js';

const HOST = 'app.example.com';
const http = { host: HOST };
const https = { host: HOST, requireHttps: true };

/** What a browser would make of a Location header value served from https://HOST/some/page. */
function browserTarget(location: string, scheme = 'http'): URL {
  return new URL(location, `${scheme}://${HOST}/some/page`);
}

describe('isSafeRedirect: accepted', () => {
  test.each([
    '/',
    '/dashboard/',
    '/invoices/?page=2&sort=-date',
    '/orders/1/#items',
    '/search/?q=a%20b',
    'dashboard/',
    '?tab=security',
    '/caf%C3%A9/',
    '/café/',
    `http://${HOST}/dashboard/`,
    `HTTP://${HOST.toUpperCase()}/x`,
  ])('%s', (url) => {
    expect(isSafeRedirect(url, http)).toBe(true);
  });

  test('an allowed host', () => {
    expect(resolveSafeRedirect('https://admin.example.com/x?y=1', { host: HOST, allowedHosts: ['admin.example.com'] })).toBe('https://admin.example.com/x?y=1');
  });

  test('an absolute URL to this host over https when https is required', () => {
    expect(isSafeRedirect(`https://${HOST}/x`, https)).toBe(true);
  });

  test('relative results are root paths, percent-encoded, so a Location header can carry them', () => {
    expect(resolveSafeRedirect('/café/?q=é', http)).toBe('/caf%C3%A9/?q=%C3%A9');
    expect(resolveSafeRedirect('dashboard/', http)).toBe('/dashboard/');
  });
});

describe('isSafeRedirect: refused (attack corpus)', () => {
  test.each([
    '',
    '//evil.com',
    '//evil.com/path',
    '///evil.com',
    '////evil.com',
    '/\\evil.com',
    '\\\\evil.com',
    '\\/evil.com',
    '/\\/evil.com',
    'https:evil.com',
    'http:evil.com',
    'https:/evil.com',
    'http:///evil.com',
    'https://evil.com',
    'http://evil.com/dashboard/',
    `http://${HOST}.evil.com/`,
    `http://evil.com/${HOST}`,
    `http://evil.com?${HOST}`,
    `http://evil.com#${HOST}`,
    `http://${HOST}@evil.com/`,
    `http://evil.com@${HOST}/`,
    `http://user:pass@${HOST}/`,
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'javascript://%0aalert(1)',
    `javascript://${HOST}/%0aalert(1)`,
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'ftp://evil.com/',
    `ftp://${HOST}/`,
    'mailto:a@evil.com',
    '\t//evil.com',
    '\n//evil.com',
    ' //evil.com',
    '\u0000//evil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    '/\r/evil.com',
    '\u0001http://evil.com',
    '/.//evil.com',
    '/x/..//evil.com',
    '/\u2028/evil.com',
    '/\u202e/moc.live',
    '/\ufeff/evil.com',
    `http://${HOST}\\@evil.com/`,
    'x'.repeat(MAX_REDIRECT_LENGTH + 1),
    `/${'a'.repeat(MAX_REDIRECT_LENGTH)}`,
  ])('%j', (url) => {
    expect(isSafeRedirect(url, http)).toBe(false);
    expect(isSafeRedirect(url, https)).toBe(false);
  });

  test('HTTPS to HTTP is refused when https is required', () => {
    expect(isSafeRedirect(`http://${HOST}/dashboard/`, https)).toBe(false);
    expect(isSafeRedirect('http://admin.example.com/', { ...https, allowedHosts: ['admin.example.com'] })).toBe(false);
  });

  test('non-strings are refused', () => {
    for (const value of [undefined, null, 42, ['/x'], { toString: () => '/x' }]) expect(isSafeRedirect(value, http)).toBe(false);
  });

  test('a broken own host refuses everything rather than throwing', () => {
    for (const host of ['', 'evil.com/x', 'a b', 'user@host', '[::1']) expect(isSafeRedirect('/x', { host })).toBe(false);
  });

  test('safeRedirectOr falls back', () => {
    expect(safeRedirectOr('//evil.com', http, '/dashboard/')).toBe('/dashboard/');
    expect(safeRedirectOr('/orders/', http, '/dashboard/')).toBe('/orders/');
  });
});

describe('isSafeRedirect: properties', () => {
  const hosts = fc.constantFrom(HOST, 'app.example.com:8443', '127.0.0.1:3000', '[::1]:3000');
  const options = fc.record({
    host: hosts,
    requireHttps: fc.boolean(),
    allowedHosts: fc.array(fc.constantFrom('admin.example.com', 'other.example.org:8080'), { maxLength: 2 }),
  });
  // Strings heavy in the characters that matter for URL parsing.
  const urlish = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '/',
          '\\',
          ':',
          '@',
          '?',
          '#',
          '.',
          '%',
          ' ',
          '\t',
          '\n',
          '\u0000',
          '\u2028',
          'http',
          'https',
          'javascript',
          '//',
          'evil.com',
          HOST,
          'é',
          '%2f',
          '%5c',
        ),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
  const anyInput = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), urlish, fc.webUrl(), fc.webPath(), fc.anything());

  test('never throws, whatever the input', () => {
    fc.assert(
      fc.property(anyInput, options, (url, opts) => {
        resolveSafeRedirect(url, opts);
      }),
      { numRuns: 3000 },
    );
  });

  test('anything accepted leads a browser to this host or an allowed host, over an allowed scheme', () => {
    fc.assert(
      fc.property(anyInput, options, (url, opts) => {
        const target = resolveSafeRedirect(url, opts);
        if (target === null) return;
        expect(target).not.toMatch(/[\u0000-\u0020\u007f\\]/);
        const scheme = opts.requireHttps ? 'https' : 'http';
        const landed = new URL(target, `${scheme}://${opts.host}/some/page`);
        const own = new URL(`${scheme}://${opts.host}/`);
        const allowed = [own.host, ...opts.allowedHosts.map((h) => new URL(`http://${h}/`).host)];
        expect(allowed).toContain(landed.host);
        expect(landed.username + landed.password).toBe('');
        expect(opts.requireHttps ? ['https:'] : ['http:', 'https:']).toContain(landed.protocol);
        if (!/^https?:\/\//i.test(target)) {
          // Relative results are root-relative and can never be read as scheme-relative.
          expect(target.startsWith('/')).toBe(true);
          expect(target.startsWith('//')).toBe(false);
          expect(landed.host).toBe(own.host);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('every plain path on this site is accepted and kept', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_.~-]{1,10}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.boolean(), (segments, trailing) => {
        const path = `/${segments.join('/')}${trailing && segments.length > 0 ? '/' : ''}`;
        expect(resolveSafeRedirect(path, http)).toBe(browserTarget(path).pathname);
      }),
    );
  });

  test('anything pointing at another host is refused', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        fc.pre(new URL(url).host !== HOST);
        expect(isSafeRedirect(url, http)).toBe(false);
      }),
    );
  });

  test('prefixing a scheme-relative URL with control or space characters never helps', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\u0000-\u0020\u007f]{1,3}$/), fc.constantFrom('//evil.com', '/\\evil.com', 'javascript:alert(1)'), (prefix, attack) => {
        expect(isSafeRedirect(prefix + attack, http)).toBe(false);
      }),
    );
  });
});

describe('next values with spaces (issue 9 item 17)', () => {
  test.each([
    ['/files/a b/', '/files/a%20b/'],
    ['/reports/export/?q=a b', '/reports/export/?q=a%20b'],
    ['/reports/export/?q=a%20b', '/reports/export/?q=a%20b'],
    [`http://${HOST}/a b#c d`, `http://${HOST}/a%20b#c%20d`],
  ])('%s is kept, re-encoded: %s', (url, expected) => {
    expect(resolveSafeRedirect(url, http)).toBe(expected);
  });

  test.each([
    ' /x',
    '/x ',
    ' //evil.com',
    '//evil.com ',
    'http://evil.com /x',
    `http://${HOST} /x`,
    'https: //evil.com',
    'http:// evil.com',
    ' javascript:alert(1)',
  ])('%j is refused', (url) => {
    expect(resolveSafeRedirect(url, http)).toBeNull();
  });

  test('an interior space never lets a value leave the host', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('/', ' ', '\\', ':', '@', '?', '#', '.', 'evil.com', 'http', 'https', HOST, 'a'), { maxLength: 8 }), (parts) => {
        const target = resolveSafeRedirect(parts.join(''), http);
        if (target === null) return;
        expect(target).not.toContain(' ');
        expect(browserTarget(target).host).toBe(HOST);
      }),
      { numRuns: 3_000 },
    );
  });
});
