/** Small helpers the route modules share. */
import type { FastifyRequest } from 'fastify';
import type { AccessBuilders } from 'gatehouse/fastify';
import type { Permission } from '../declarations.js';
import type { Services } from '../services.js';

/** What each route module is given. */
export interface RouteDeps {
  services: Services;
  /** The access builders, typed by the example's permission names (a typo fails `tsc`). */
  access: AccessBuilders<Permission>;
}

/** Largest id a row can have (the id columns are 32-bit integers on both databases). */
const MAX_ID = 2_147_483_647;

/**
 * A path id as a number, or null when it cannot name a row: not digits, a leading zero, or past
 * the column's range. Such ids answer 404 rather than reaching the database (where PostgreSQL
 * would refuse them with an error, i.e. a 500).
 */
export function parseId(raw: unknown): number | null {
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= MAX_ID ? id : null;
}

/** A single string field of a form or JSON body, or '' (arrays, objects and absent fields alike). */
export function bodyField(request: FastifyRequest, name: string, maxLength = 1000): string {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/** A single string query parameter, or ''. */
export function queryField(request: FastifyRequest, name: string): string {
  const query = request.query;
  if (!query || typeof query !== 'object') return '';
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}
