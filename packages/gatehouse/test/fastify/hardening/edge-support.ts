/**
 * Helpers for the edge-hardening tests (Host allow-list, proxy trust, audit, denial logs): a
 * listening app, and raw HTTP requests for what fetch will not send (a forged Host header).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from '../helpers.js';

/** Starts `h.app` on a free loopback port; its origin. */
export async function listen(h: TestApp): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}

/** A response read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with exactly these headers (Host included), over a real socket. */
export function rawHttp(origin: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers ?? {},
        setHost: options.headers?.host === undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The `gatehouse` object of log lines whose message is `msg`. */
export function gatehouseLines(h: TestApp, msg: string): Record<string, unknown>[] {
  return h.logs.filter((l) => l.msg === msg).map((l) => l.gatehouse as Record<string, unknown>);
}
