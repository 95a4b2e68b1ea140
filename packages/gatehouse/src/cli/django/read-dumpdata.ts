/**
 * Reads the output of `manage.py dumpdata auth contenttypes` (JSON), with plain ids or with
 * natural keys (`--natural-foreign`, `--natural-primary`): `[app_label, model]` for content
 * types, `[codename, app_label, model]` for permissions, `[name]` for groups.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { type DjangoData, type DjangoGroup, type DjangoPermission, type DjangoUser, type SourceProblem, parseDjangoDatetime, toBool } from './model.js';

interface DumpedObject {
  model: string;
  pk?: unknown;
  fields: Record<string, unknown>;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value));

/** Reads and resolves a dumpdata file. */
export async function readDumpdata(path: string): Promise<DjangoData> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.some((o) => !o || typeof o !== 'object' || typeof (o as DumpedObject).model !== 'string' || typeof (o as DumpedObject).fields !== 'object')
  ) {
    throw new CliError(`${path} is not a dumpdata file: expected a JSON array of {"model", "pk", "fields"} objects.`);
  }
  const objects = parsed as DumpedObject[];
  const of = (model: string): DumpedObject[] => objects.filter((o) => o.model === model);
  const problems: SourceProblem[] = [];

  const contentTypes = new Map<string, { app_label: string; model: string }>();
  for (const ct of of('contenttypes.contenttype')) contentTypes.set(str(ct.pk), { app_label: str(ct.fields.app_label), model: str(ct.fields.model) });

  const permissions = new Map<string, DjangoPermission>();
  const permissionByPk = new Map<string, string>();
  for (const p of of('auth.permission')) {
    const ref = p.fields.content_type;
    const ct = Array.isArray(ref) ? { app_label: str(ref[0]), model: str(ref[1]) } : contentTypes.get(str(ref));
    const codename = str(p.fields.codename);
    if (!ct) {
      problems.push({ what: `permission ${codename}`, reason: `its content type ${str(ref)} is not in the file (dump contenttypes too)` });
      continue;
    }
    const name = `${ct.app_label}.${codename}`;
    permissions.set(name, { appLabel: ct.app_label, model: ct.model, codename, name: str(p.fields.name) });
    if (p.pk !== undefined) permissionByPk.set(str(p.pk), name);
  }
  const permissionRef = (ref: unknown, owner: string): string | null => {
    const name = Array.isArray(ref) ? `${str(ref[1])}.${str(ref[0])}` : permissionByPk.get(str(ref));
    if (name !== undefined && permissions.has(name)) return name;
    problems.push({ what: `permission ${JSON.stringify(ref)} of ${owner}`, reason: 'it is not among the auth.permission objects in the file' });
    return null;
  };

  const groups: DjangoGroup[] = [];
  const groupByPk = new Map<string, string>();
  for (const g of of('auth.group')) {
    const name = str(g.fields.name);
    const perms = Array.isArray(g.fields.permissions) ? g.fields.permissions : [];
    groups.push({ name, permissions: perms.map((ref) => permissionRef(ref, `group ${name}`)).filter((n): n is string => n !== null) });
    if (g.pk !== undefined) groupByPk.set(str(g.pk), name);
  }
  const groupNames = new Set(groups.map((g) => g.name));

  const users: DjangoUser[] = [];
  for (const u of of('auth.user')) {
    const f = u.fields;
    const username = str(f.username);
    const dateJoined = parseDjangoDatetime(str(f.date_joined));
    const lastLogin = f.last_login === null || f.last_login === undefined ? null : parseDjangoDatetime(str(f.last_login));
    if (dateJoined === null || (f.last_login != null && lastLogin === null)) {
      problems.push({ what: `user ${username}`, reason: `unreadable date (date_joined ${str(f.date_joined)}, last_login ${str(f.last_login)})` });
      continue;
    }
    const groupRefs = Array.isArray(f.groups) ? f.groups : [];
    const userGroups: string[] = [];
    for (const ref of groupRefs) {
      const name = Array.isArray(ref) ? str(ref[0]) : groupByPk.get(str(ref));
      if (name !== undefined && groupNames.has(name)) userGroups.push(name);
      else problems.push({ what: `membership of ${username} in group ${JSON.stringify(ref)}`, reason: 'the group is not in the file' });
    }
    const permRefs = Array.isArray(f.user_permissions) ? f.user_permissions : [];
    users.push({
      id: typeof u.pk === 'number' ? u.pk : null,
      username,
      password: str(f.password),
      email: str(f.email),
      firstName: str(f.first_name),
      lastName: str(f.last_name),
      isActive: toBool(f.is_active),
      isStaff: toBool(f.is_staff),
      isSuperuser: toBool(f.is_superuser),
      lastLogin,
      dateJoined,
      groups: userGroups,
      permissions: permRefs.map((ref) => permissionRef(ref, `user ${username}`)).filter((n): n is string => n !== null),
    });
  }
  if (users.length === 0 && groups.length === 0) {
    throw new CliError(`${path} holds no auth.user or auth.group objects: dump them with \`manage.py dumpdata auth contenttypes > auth.json\`.`);
  }
  return { permissions: [...permissions.values()], groups, users, problems };
}
