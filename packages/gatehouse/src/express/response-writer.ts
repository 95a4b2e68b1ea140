/**
 * Writing answers on Express's response.
 *
 * `sendHttpResponse` writes one of the HTTP layer's answers (a denial, an account page, an
 * error). `finishOnWrite` makes every answer of the request, the app's own included, pass through
 * `exchange.finish` before its head goes out: session and CSRF cookies, cache headers,
 * `Vary: Cookie`, security headers, the pending audit and the object-rule safety net. Express has
 * no `onSend` hook, so the first `writeHead`/`write`/`end`/`flushHeaders` call is held, `finish`
 * (asynchronous: it may write an audit entry) runs, its headers are merged, and the held calls
 * are replayed in order. When `finish` replaces the answer (an `objectRule` route that answered
 * without `authorizeObject`), the app's headers and body are dropped and the 500 is sent instead.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Response } from 'express';
import type { AuthExchange } from '../http/exchange.js';
import type { HttpLogger } from '../http/logger.js';
import type { HttpResponse } from '../http/response.js';

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

interface HeldCall {
  method: Method;
  args: unknown[];
}

/** Adds `cookies` to the `Set-Cookie` values already on `res`. */
function appendCookies(res: Response, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  res.setHeader('set-cookie', [...list, ...cookies]);
}

/** Writes an HTTP-layer answer (nothing has been sent yet). */
export function sendHttpResponse(res: Response, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  appendCookies(res, response.cookies);
  if (response.body === null) {
    res.end();
    return;
  }
  const body = Buffer.from(response.body, 'utf8');
  res.setHeader('content-length', String(body.length));
  res.end(body);
}

function headerText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/** `writeHead`'s headers argument (object, or flat [name, value, ...] array) as lower-case pairs. */
function writeHeadHeaders(args: readonly unknown[]): Record<string, string> {
  const raw = typeof args[1] === 'string' ? args[2] : args[1];
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = headerText(raw[i + 1]);
  } else if (raw && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw as OutgoingHttpHeaders)) if (value !== undefined) out[name.toLowerCase()] = headerText(value);
  }
  return out;
}

/** The answer as the app is about to send it: its status and headers (minus cookies), no body. */
function pendingAnswer(res: Response, first: HeldCall): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined && name !== 'set-cookie') headers[name] = headerText(value);
  }
  let status = res.statusCode;
  if (first.method === 'writeHead') {
    if (typeof first.args[0] === 'number') status = first.args[0];
    Object.assign(headers, writeHeadHeaders(first.args));
    delete headers['set-cookie'];
  }
  return { status, headers, cookies: [], body: null };
}

/** Puts `finished`'s header values into a held `writeHead` call, whose own headers would win. */
function patchWriteHead(call: HeldCall, finished: HttpResponse): void {
  const index = typeof call.args[1] === 'string' ? 2 : 1;
  const raw = call.args[index];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return;
  const patched: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(raw as OutgoingHttpHeaders)) {
    const lower = name.toLowerCase();
    patched[name] = lower in finished.headers && lower !== 'set-cookie' ? finished.headers[lower] : value;
  }
  call.args[index] = patched;
}

const kHold = Symbol('gatehouse.express.hold');

/** One response's hold: what `finish` needs, and the calls held until it resolves. */
interface Hold {
  readonly exchange: AuthExchange;
  readonly log: HttpLogger;
  calls: HeldCall[] | null;
  /** `finish` has been applied: calls go straight through. */
  done: boolean;
}

type Writer = (this: Response, ...args: unknown[]) => unknown;
type HoldingResponse = Response & { [kHold]?: Hold };

/** Prototypes (each app's `app.response`) whose writers already consult the hold. */
const patched = new WeakSet<object>();

function replay(res: Response, originals: Record<Method, Writer>, hold: Hold, calls: readonly HeldCall[]): void {
  for (const call of calls) {
    try {
      Reflect.apply(originals[call.method], res, call.args);
    } catch (error) {
      // e.g. an error handler answering a second time after the first answer was held.
      hold.log.error({ err: error }, 'gatehouse: writing the response failed');
    }
  }
}

function replaceWith(res: Response, answer: HttpResponse): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  sendHttpResponse(res, answer);
}

function settle(res: Response, originals: Record<Method, Writer>, hold: Hold, first: HeldCall, before: HttpResponse, finished: HttpResponse): void {
  const calls = hold.calls ?? [];
  hold.calls = null;
  hold.done = true;
  if (finished.status !== before.status || finished.body !== null) {
    replaceWith(res, finished);
    return;
  }
  for (const [name, value] of Object.entries(finished.headers)) {
    const current = res.getHeader(name);
    if (current === undefined || headerText(current) !== value) res.setHeader(name, value);
  }
  appendCookies(res, finished.cookies);
  if (first.method === 'writeHead') patchWriteHead(first, finished);
  replay(res, originals, hold, calls);
}

function fail(res: Response, hold: Hold, error: unknown): void {
  hold.calls = null;
  hold.done = true;
  hold.log.error({ err: error }, 'gatehouse: finishing the response failed');
  if (!res.headersSent)
    replaceWith(res, {
      status: 500,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      cookies: [],
      body: 'Server error.',
    });
}

/**
 * Makes the writers of `proto` (an app's response prototype) hold the first call of a response
 * that has a hold, once per prototype. Done on the prototype rather than on each response, so a
 * response keeps its shape (no per-request closures or deleted properties, which would slow every
 * later property access in Node's HTTP code), and a writer captured by other middleware
 * (compression wraps `res.write`) still passes through once the answer is finished.
 */
function patchPrototype(proto: object): void {
  if (patched.has(proto)) return;
  patched.add(proto);
  const target = proto as Record<Method, Writer>;
  const originals = {} as Record<Method, Writer>;
  for (const method of METHODS) originals[method] = target[method];
  for (const method of METHODS) {
    const original = originals[method];
    target[method] = function gatehouseWriter(this: HoldingResponse, ...args: unknown[]): unknown {
      const hold = this[kHold];
      if (hold === undefined || hold.done) return Reflect.apply(original, this, args);
      const call: HeldCall = { method, args };
      if (hold.calls !== null) {
        hold.calls.push(call);
      } else {
        hold.calls = [call];
        const before = pendingAnswer(this, call);
        hold.exchange.finish(before).then(
          (finished) => settle(this, originals, hold, call, before, finished),
          (error: unknown) => fail(this, hold, error),
        );
      }
      // write() reports no back-pressure while held; the others return the response.
      return method === 'write' ? true : this;
    };
  }
}

/** Routes every answer of this request through `exchange.finish`; see the module comment. */
export function finishOnWrite(res: Response, exchange: AuthExchange, log: HttpLogger): void {
  patchPrototype(Object.getPrototypeOf(res) as object);
  (res as HoldingResponse)[kHold] = { exchange, log, calls: null, done: false };
}
