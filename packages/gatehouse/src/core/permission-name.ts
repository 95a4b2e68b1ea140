/**
 * `app_label.codename`, said once: how a permission's name is made from its parts, how a name is
 * split back, and what a name declared in code may look like. The core, the SQL stores, the CLI and
 * the HTTP layer's access declarations all use these, so a name one accepts the others read alike.
 */
import { ConfigError } from './errors.js';

/** The two parts of a permission name. */
export interface PermissionNameParts {
  appLabel: string;
  codename: string;
}

// One part as code declares it (app label, model, codename): Django's style, lower-case.
const DECLARED_PART = /^[a-z_][a-z0-9_]*$/;
// Django's column widths: `django_content_type.app_label` and `auth_permission.codename`.
const MAX_PART_LENGTH = 100;

/** The name of a permission record: `appLabel.codename`. */
export function permissionNameOf(parts: PermissionNameParts): string {
  return `${parts.appLabel}.${parts.codename}`;
}

/**
 * Splits a permission name at its first dot; null unless both parts are non-empty and hold no
 * whitespace. Names read from a Django database may use any codename, so only the shape is checked
 * here; `isDeclarablePermissionName` is the stricter rule for names written in code.
 */
export function splitPermissionName(name: string): PermissionNameParts | null {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1 || /\s/.test(name)) return null;
  return { appLabel: name.slice(0, dot), codename: name.slice(dot + 1) };
}

/** Whether `part` may be an app label, model name or codename declared in code (`defineApps`). */
export function isDeclarableNamePart(part: string): boolean {
  return DECLARED_PART.test(part) && part.length <= MAX_PART_LENGTH;
}

/**
 * Whether `name` is a permission name as code declares it: `app_label.codename`, each part
 * lower-case letters, digits and underscores, not starting with a digit (`isDeclarableNamePart`).
 * Access declarations and role lists check their names with it.
 */
export function isDeclarablePermissionName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const parts = splitPermissionName(name);
  return parts !== null && isDeclarableNamePart(parts.appLabel) && isDeclarableNamePart(parts.codename);
}

/**
 * Throws `ConfigError` coded `gatehouse.config.invalid_name` unless `part` is declarable;
 * `what` names it in the message (e.g. `app label`).
 */
export function assertDeclarableNamePart(what: string, part: string): void {
  if (!isDeclarableNamePart(part)) {
    throw new ConfigError(
      'gatehouse.config.invalid_name',
      `"${part}" is not a valid ${what}: use lower-case letters, digits and underscores, starting with a letter or underscore.`,
    );
  }
}
