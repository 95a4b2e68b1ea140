/**
 * The Host allow-list, defined in the HTTP layer (`src/http/allowed-hosts.ts`); re-exported, with
 * its configuration errors coded `gatehouse.fastify.*` as the plugin's are.
 */
import { type HostPattern, compileAllowedHosts as compileOf } from '../http/allowed-hosts.js';
import { recodeConfigError } from '../http/site.js';

export { DEVELOPMENT_HOSTS, hostMatches, parseHost } from '../http/allowed-hosts.js';
export type { HostPattern, ParsedHost } from '../http/allowed-hosts.js';

/** Compiles the `allowedHosts` setting; a malformed entry is a `ConfigError` naming it. */
export function compileAllowedHosts(list: readonly string[]): HostPattern[] {
  try {
    return compileOf(list);
  } catch (error) {
    throw recodeConfigError(error, 'fastify');
  }
}
