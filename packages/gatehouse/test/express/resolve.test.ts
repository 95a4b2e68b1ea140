/**
 * The route resolution the middleware relies on (which route a request will reach, and which
 * guards run first) agrees with Express's own dispatch: for a set of apps with parameters,
 * trailing slashes, case, nested routers under parameterised prefixes, arrays of paths and
 * regular expressions, every probe is sent to the real app and the route that answered is
 * compared with what `resolveRoute` foresaw.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, loginRequired, publicAccess, staffMemberRequired } from '../../src/express/index.js';
import { resolveRoute } from '../../src/express/route-resolve.js';
import { routerOf } from '../../src/express/router-stack.js';

/** Answers with the name of the route that took the request. */
const named = (name: string) => (_req: Request, res: Response) => {
  res.json({ route: name });
};
/** Stands in for a guard at dispatch time (no gatehouse middleware here): passes on. */
const passThrough = <F extends object>(guard: F): F => Object.assign((_req: Request, _res: Response, next: NextFunction) => next(), guard);

const app = express();
const users = express.Router({ mergeParams: true });
users.get('/', named('users list'));
users.get('/:userId/', passThrough(loginRequired()), named('user'));
users.post('/:userId/ban/', named('ban'));
const orgs = express.Router();
orgs.use(passThrough(staffMemberRequired()));
orgs.use('/:org/users', users);
app.use('/orgs', orgs);
app.get('/orders/:id/', passThrough(access(publicAccess())), named('order'));
app.get(['/a/', '/b/'], named('a or b'));
app.get(/^\/re\/(\d+)$/, named('regex'));
app.route('/items/').get(named('items get')).post(named('items post'));
app.get('/files/*rest', named('files'));

let origin = '';
let close: () => void = () => {};

beforeAll(async () => {
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ route: null });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const PROBES: [string, string][] = [
  ['GET', '/orgs/acme/users/'],
  ['GET', '/orgs/acme/users'],
  ['GET', '/orgs/acme/users/42/'],
  ['GET', '/orgs/acme/users/42'],
  ['POST', '/orgs/acme/users/42/ban/'],
  ['GET', '/orgs/acme/users/42/ban/'],
  ['GET', '/ORDERS/7/'],
  ['GET', '/orders/7'],
  ['HEAD', '/orders/7/'],
  ['POST', '/orders/7/'],
  ['GET', '/orders/'],
  ['GET', '/a/'],
  ['GET', '/b'],
  ['GET', '/re/12'],
  ['GET', '/re/x'],
  ['GET', '/items/'],
  ['POST', '/items/'],
  ['DELETE', '/items/'],
  ['GET', '/files/x/y/z.txt'],
  ['GET', '/nothing/'],
];

describe('resolveRoute agrees with Express', () => {
  it.each(PROBES)('%s %s', async (method, path) => {
    const res = await fetch(`${origin}${path}`, { method });
    const answered = method === 'HEAD' ? (res.status === 200 ? 'order' : null) : ((await res.json()) as { route: string | null }).route;
    const resolved = resolveRoute(routerOf(app as never), method, path);
    expect(resolved !== null, `resolved ${JSON.stringify(resolved)} vs answered ${answered}`).toBe(answered !== null);
  });

  it('names the full pattern and the guards that run first, in order', () => {
    const user = resolveRoute(routerOf(app as never), 'GET', '/orgs/acme/users/42/');
    expect(user?.pattern).toBe('/orgs/:org/users/:userId/');
    expect(user?.guards.map((g) => g.access.kind)).toEqual(['staff', 'authenticated']);
    const ban = resolveRoute(routerOf(app as never), 'POST', '/orgs/acme/users/42/ban/');
    expect(ban?.guards.map((g) => g.access.kind)).toEqual(['staff']);
    expect(resolveRoute(routerOf(app as never), 'GET', '/orders/7/')?.guards.map((g) => g.access.kind)).toEqual(['public']);
    expect(resolveRoute(routerOf(app as never), 'GET', '/a/')?.guards).toEqual([]);
  });
});
