/**
 * The access declarations the conformance app uses, from the one place they live. They move from
 * src/fastify/access.ts to src/http/access.ts with the same names (see the HTTP design): this file
 * is the only one in the harness that says where they come from, so the move is a change here.
 */
export { untypedAccess as access } from '../../http/access.js';
export type { AccessDeclaration } from '../../http/access.js';
export { defineRule } from '../../http/rules.js';
export type { AnyObjectRule } from '../../http/rules.js';
