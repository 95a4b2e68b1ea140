/**
 * `gatehouse/admin`: the staff console for users, groups, permissions, sessions and the audit
 * log, as a route table (`adminRoutes(site)`) every adapter mounts under its prefix like the
 * account views. See docs/admin.md.
 */
export { adminRoutes } from './routes.js';
export type { AdminRoute, AdminRouteOptions, AdminView } from './routes.js';
export { ADMIN_HEADERS } from './headers.js';
export { AdminTemplates } from './templates.js';
export { SECTIONS as ADMIN_SECTIONS } from './context.js';
export type { AdminRequest, AdminSettings } from './context.js';
