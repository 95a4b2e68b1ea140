/**
 * The app's permission names as the free access builders see them. An app registers its
 * gatehouse once, through whichever adapter module it imports (each re-exports this interface,
 * so the augmentation lands here):
 *
 * ```ts
 * declare module 'gatehouse/fastify' {
 *   interface GatehouseTypes { gatehouse: typeof gatehouse }
 * }
 * ```
 *
 * Without that, the free builders accept any string and `accessFor(gatehouse)` gives typed ones.
 */
import type { Gatehouse } from '../core/gatehouse.js';

/** Augment with `{ gatehouse: typeof yourGatehouse }` to type the free builders. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by apps through declaration merging
export interface GatehouseTypes {}

/** The registered permission-name union, or `string` when none is registered. */
export type RegisteredPermission = GatehouseTypes extends { gatehouse: Gatehouse<infer P> } ? P : string;

/** Options of `login`. */
export interface LoginOptions {
  /** How the user proved who they are, for the audit log (`model` by default). */
  backend?: string;
}
