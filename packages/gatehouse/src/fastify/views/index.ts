/**
 * The account views at Django's URLs, under any prefix (`/accounts` by default). Each URL also
 * answers the methods it does not support with 405 and an `Allow` header — a GET to `logout/`
 * must not log anyone out, and should say why.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { publicAccess } from '../access.js';
import { kHidden } from '../context.js';
import { registerLoginViews } from './login.js';
import { registerPasswordChangeViews } from './password-change.js';
import { registerPasswordResetViews } from './password-reset.js';
import { registerReauthViews } from './reauth.js';

/** Account forms are small: anything bigger is refused (413) before it is parsed. */
const FORM_BODY_LIMIT = 64 * 1024;

const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Each account URL and the methods it answers. */
const ALLOWED: readonly [string, readonly HTTPMethods[]][] = [
  ['/login/', ['GET', 'POST']],
  ['/logout/', ['POST']],
  ['/password_change/', ['GET', 'POST']],
  ['/password_change/done/', ['GET']],
  ['/password_reset/', ['GET', 'POST']],
  ['/password_reset/done/', ['GET']],
  ['/reset/:uidb64/set-password/', ['GET', 'POST']],
  ['/reset/:uidb64/:token/', ['GET']],
  ['/reset/done/', ['GET']],
  ['/reauth/', ['GET', 'POST']],
];

/** Registers every account view; use inside `register(..., { prefix })`. */
export async function accountViews(fastify: FastifyInstance): Promise<void> {
  registerLoginViews(fastify, FORM_BODY_LIMIT);
  registerPasswordChangeViews(fastify, FORM_BODY_LIMIT);
  registerPasswordResetViews(fastify, FORM_BODY_LIMIT);
  registerReauthViews(fastify, FORM_BODY_LIMIT);
  for (const [url, allowed] of ALLOWED) {
    const others = METHODS.filter((m) => !allowed.includes(m));
    const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
    fastify.route({
      method: others,
      url,
      // No CSRF check: the answer is 405 whatever the request, and nothing is done.
      config: { access: publicAccess({ session: false }), csrf: false, [kHidden]: true },
      bodyLimit: FORM_BODY_LIMIT,
      handler: async (_request, reply) => reply.code(405).header('Allow', allow).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(`Method not allowed: use ${allow}.`),
    });
  }
}
