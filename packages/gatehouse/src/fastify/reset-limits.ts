/**
 * The password-reset counters the plugin was given (`rateLimits`), kept beside the plugin context
 * rather than in it so that this concern stays in one file. Development falls back to counters in
 * memory; production refuses to start without shared ones, since every instance counting on its
 * own multiplies every limit by the number of instances.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../core/errors.js';
import type { PasswordResetRateLimits } from '../core/rate-limit.js';
import type { PluginContext } from './context.js';

const limitsByContext = new WeakMap<PluginContext, PasswordResetRateLimits | null>();

/**
 * Resolves the plugin option `rateLimits` for `context`: the given counters, none for `false`,
 * counters in memory in development. Throws `gatehouse.fastify.rate_limits_missing` in production
 * when the account views are mounted and no counters were given. Also bounds the mail queue.
 */
export async function configurePasswordResetLimits(
  fastify: FastifyInstance,
  context: PluginContext,
  option: PasswordResetRateLimits | false | undefined,
): Promise<void> {
  const config = context.gatehouse.config;
  context.tasks.maxPending = config.passwordReset.maxQueuedMails;
  if (option === undefined && config.production && context.accountViews) {
    throw new ConfigError(
      'gatehouse.fastify.rate_limits_missing',
      'In production the password-reset views need shared counters: pass rateLimits: await createRateLimits(database, gatehouse.config.passwordReset) (or rateLimits: false to go without, knowingly).',
    );
  }
  let limits: PasswordResetRateLimits | null = option || null;
  if (option === undefined && context.accountViews) {
    const { createMemoryRateLimits } = await import('../db/rate-limit.js');
    limits = createMemoryRateLimits(config.passwordReset);
  }
  limitsByContext.set(context, limits);
}

/** The password-reset counters of `context`, or null when there are none. */
export function passwordResetLimits(context: PluginContext): PasswordResetRateLimits | null {
  return limitsByContext.get(context) ?? null;
}
