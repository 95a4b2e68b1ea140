/**
 * `/account/email/`: changing the email address asks for the current password again, in the
 * same form (the seed's advice for sensitive changes). The check goes through the login
 * throttle, so a stolen session cannot guess the password here either. A wrong password changes
 * nothing and answers the form again with an error.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DuplicateError, type User, ValidationError, cleanEmail } from 'gatehouse';
import { checkCurrentPassword } from 'gatehouse/fastify';
import { asJson, sendPage } from '../views.js';
import { type RouteDeps, bodyField, queryField } from './common.js';

interface EmailForm {
  email: string;
  errors: string[];
  fieldErrors: Record<string, string[]>;
}

/** `GET` and `POST /account/email/`. */
export function registerAccountRoutes(app: FastifyInstance, { services, access }: RouteDeps): void {
  const { gatehouse } = services;

  async function show(request: FastifyRequest, reply: FastifyReply, form: EmailForm, status = 200): Promise<FastifyReply> {
    const user = request.user as User;
    if (asJson(request)) {
      const ok = form.errors.length === 0 && Object.keys(form.fieldErrors).length === 0;
      return reply.code(status).send(ok ? { email: user.email } : { error: 'invalid', email: user.email, errors: form.errors, fieldErrors: form.fieldErrors });
    }
    return sendPage(
      request,
      reply,
      gatehouse,
      'account_email.html',
      'Email address',
      {
        form,
        current: user.email,
        changed: queryField(request, 'changed') === '1',
      },
      status,
    );
  }

  const config = { access: access.authenticated() };
  app.get('/account/email/', { config }, async (request, reply) => show(request, reply, { email: '', errors: [], fieldErrors: {} }));

  app.post('/account/email/', { config, bodyLimit: 16 * 1024 }, async (request, reply) => {
    const user = request.user as User;
    const email = bodyField(request, 'email', 300).trim();
    const password = bodyField(request, 'password', gatehouse.config.maxPasswordLength + 1);
    const form: EmailForm = { email, errors: [], fieldErrors: {} };
    if (email === '') form.fieldErrors.email = ['Enter the new email address.'];
    if (password === '') form.fieldErrors.password = ['Enter your current password.'];
    if (Object.keys(form.fieldErrors).length > 0) return show(request, reply, form);

    const check = await checkCurrentPassword(request, password);
    if (!check.ok) {
      await gatehouse.audit.record({
        actor: user.username,
        action: 'user.set_email_refused',
        target: user.username,
        ip: request.ip,
        data: { reason: check.blocked ? 'throttled' : 'wrong password' },
      });
      if (check.blocked) {
        reply.header('Retry-After', String(Math.max(1, Math.ceil(check.retryAfterSeconds))));
        return show(request, reply, { ...form, errors: ['Too many failed attempts. Please wait a while and try again.'] }, 429);
      }
      return show(request, reply, { ...form, fieldErrors: { password: ['Your password was entered incorrectly. Please enter it again.'] } });
    }
    try {
      cleanEmail(email);
      await gatehouse.accounts.setEmail(user, email, { actor: user.username, ip: request.ip });
    } catch (error) {
      if (error instanceof ValidationError) return show(request, reply, { ...form, fieldErrors: { email: error.errors.map((e) => e.message) } });
      if (error instanceof DuplicateError) return show(request, reply, { ...form, fieldErrors: { email: ['Another account already uses this address.'] } });
      throw error;
    }
    const updated = await gatehouse.stores.users.getById(user.id);
    if (asJson(request)) return { email: updated?.email ?? email };
    return reply.redirect('/account/email/?changed=1', 302);
  });
}
