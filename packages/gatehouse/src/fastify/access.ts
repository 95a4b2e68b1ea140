/**
 * The access declarations and builders, defined in the HTTP layer (`src/http/access.ts`) and
 * re-exported here so `gatehouse/fastify` keeps offering them.
 */
export {
  accessFor,
  publicAccess,
  authenticated,
  staffOnly,
  permission,
  permissions,
  critical,
  objectRule,
  passesTest,
  recentAuth,
  defineRule,
  untypedAccess,
  declaredPermissions,
  isAccessDeclaration,
} from '../http/access.js';
export type {
  AccessDeclaration,
  AccessKind,
  AccessOptions,
  PublicAccessOptions,
  AccessBuilders,
  AccessTest,
  RecentAuth,
  RestrictedDeclaration,
  PublicDeclaration,
} from '../http/access.js';
