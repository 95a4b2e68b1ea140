/**
 * The login throttle counting in this process's memory: the development default of the HTTP
 * adapters, and enough for a single-process app. It belongs with the throttle port, not with SQL
 * storage, so an adapter that needs a default throttle imports no database code.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { ThrottleConfig } from './config.js';
import { type ClosableLoginThrottle, CounterLoginThrottle, throttleKeyOptions } from './counter-throttle.js';
import type { ThrottleKeyOptions } from './throttle.js';

/**
 * A login throttle counting in this process's memory: for development and single-process apps
 * only, since each instance behind a load balancer would count on its own and counts vanish on
 * restart. `config` is `resolveConfig(...).throttle`.
 */
export function createMemoryLoginThrottle(
  config: Readonly<ThrottleConfig>,
  options: ThrottleKeyOptions = {},
): ClosableLoginThrottle & { readonly shared: false } {
  const pair = new RateLimiterMemory({ keyPrefix: 'pair', points: config.perAccountAndAddress, duration: config.window });
  const address = new RateLimiterMemory({ keyPrefix: 'addr', points: config.perAddress, duration: config.window });
  // `shared: false`: the HTTP layer refuses it in production (counts would be per process).
  return Object.assign(new CounterLoginThrottle({ pair, address }, config, throttleKeyOptions(options)), { shared: false as const });
}
