/**
 * The access declarations the conformance app uses, from the HTTP layer where every adapter takes
 * them: this file is the only one in the harness that says where they come from.
 */
export { untypedAccess as access } from '../../http/access.js';
export type { AccessDeclaration } from '../../http/access.js';
export { defineRule } from '../../http/rules.js';
export type { AnyObjectRule } from '../../http/rules.js';
