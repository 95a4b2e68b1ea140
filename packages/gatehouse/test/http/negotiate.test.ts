/**
 * The one negotiation rule (`prefersJson`) and the pure request helpers: what a script, a browser
 * fetch and Node's own fetch each get.
 */
import { describe, expect, test } from 'vitest';
import { acceptsHtml, parseCookieHeader, prefersJson, queryParam, requestPath } from '../../src/http/index.js';
import { fakeRequest } from './fake-request.js';

const json = (headers: Record<string, string>): boolean => prefersJson(fakeRequest({ headers }));

describe('prefersJson', () => {
  test('an Accept that prefers JSON to HTML', () => {
    expect(json({ accept: 'application/json' })).toBe(true);
    expect(json({ accept: 'text/html;q=0.5, application/json' })).toBe(true);
    expect(json({ accept: 'text/html, application/json;q=0.9' })).toBe(false);
    expect(json({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })).toBe(false);
    expect(json({ accept: '*/*' })).toBe(false);
    expect(json({ accept: 'application/json;q=0' })).toBe(false);
  });

  test('X-Requested-With: XMLHttpRequest (any case) is a script', () => {
    expect(json({ 'x-requested-with': 'XMLHttpRequest' })).toBe(true);
    expect(json({ 'x-requested-with': 'xmlhttprequest' })).toBe(true);
    expect(json({ 'x-requested-with': 'something-else' })).toBe(false);
  });

  test('a browser fetch/XHR (Sec-Fetch-Mode not navigate, Sec-Fetch-Dest empty) is a script', () => {
    expect(json({ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' })).toBe(true);
    expect(json({ 'sec-fetch-mode': 'same-origin', 'sec-fetch-dest': 'empty' })).toBe(true);
    // A page load or a form post navigates.
    expect(json({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).toBe(false);
    expect(json({ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'empty' })).toBe(false);
    // An image or a script tag is no fetch.
    expect(json({ 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })).toBe(false);
  });

  test("Node's own fetch (Sec-Fetch-Mode: cors, no Sec-Fetch-Dest, Accept */*) keeps getting pages", () => {
    expect(json({ accept: '*/*', 'sec-fetch-mode': 'cors', 'user-agent': 'node' })).toBe(false);
    expect(json({})).toBe(false);
  });

  test('an overlong Accept is ignored rather than parsed', () => {
    expect(json({ accept: `application/json, ${'x/y, '.repeat(300)}` })).toBe(false);
  });

  test('acceptsHtml: an Accept naming text/html, unless JSON is preferred', () => {
    expect(acceptsHtml(fakeRequest({ headers: { accept: 'text/html' } }))).toBe(true);
    expect(acceptsHtml(fakeRequest({ headers: { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' } }))).toBe(false);
    expect(acceptsHtml(fakeRequest({ headers: { accept: '*/*' } }))).toBe(false);
  });
});

describe('request helpers', () => {
  test('requestPath and queryParam', () => {
    expect(requestPath({ url: '/a/b/?next=/x/&next=/y/' })).toBe('/a/b/');
    expect(queryParam({ url: '/a/?next=%2Fx%2F&next=/y/' }, 'next')).toBe('/x/');
    expect(queryParam({ url: '/a/' }, 'next')).toBe('');
  });

  test('parseCookieHeader: first occurrence wins, malformed escapes kept as written', () => {
    expect(parseCookieHeader('a=1; b=%41; a=2; c="q"; d=%E0%A4%A; =x; e')).toEqual({ a: '1', b: 'A', c: 'q', d: '%E0%A4%A' });
    expect(parseCookieHeader(undefined)).toEqual({});
  });
});
