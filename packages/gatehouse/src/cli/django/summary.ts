/** What an import did, counted, with every skipped or adjusted row and the reason. */
import type { SourceProblem } from './model.js';

/** Counts for pairs (memberships, grants). */
export interface PairCounts {
  added: number;
  existing: number;
  /** In gatehouse for an already imported user, not in Django: kept (the import never removes). */
  onlyInTarget: number;
}

/** The import's result. */
export interface ImportSummary {
  source: string;
  dryRun: boolean;
  durationMs: number;
  permissions: { created: number; existing: number };
  groups: { created: number; existing: number; grantsAdded: number; grantsExisting: number };
  users: {
    created: number;
    updated: number;
    unchanged: number;
    changes: { username: string; fields: string[] }[];
    skipped: { username: string; reason: string }[];
    /** Existing users whose gatehouse hash differs from Django's and was kept. */
    passwordsKept: string[];
    /** New users whose Django id was taken in gatehouse, so they got another. */
    renumbered: { username: string; djangoId: number; id: number }[];
    /** Imported with an empty email because another account holds theirs (--allow-duplicate-emails). */
    emailsCleared: { username: string; email: string; keptBy: string }[];
    /**
     * Imported hashes made with a legacy fast digest (md5, sha1, unsalted_md5, unsalted_sha1).
     * Those hashers are off by default, so these users cannot log in until `passwordHashers`
     * lists them (`enableWith`, filled in by the command from the config in force); once on,
     * each such hash is upgraded at its user's first login.
     */
    legacyHashes: { count: number; algorithms: Record<string, number>; notEnabled: string[]; enableWith: string | null };
  };
  memberships: PairCounts;
  directGrants: PairCounts;
  /** Source rows that could not be used (dangling references, unreadable dates). */
  problems: SourceProblem[];
}

/** A summary with every count at zero. */
export function emptySummary(dryRun: boolean): ImportSummary {
  return {
    source: '',
    dryRun,
    durationMs: 0,
    permissions: { created: 0, existing: 0 },
    groups: { created: 0, existing: 0, grantsAdded: 0, grantsExisting: 0 },
    users: {
      created: 0,
      updated: 0,
      unchanged: 0,
      changes: [],
      skipped: [],
      passwordsKept: [],
      renumbered: [],
      emailsCleared: [],
      legacyHashes: { count: 0, algorithms: {}, notEnabled: [], enableWith: null },
    },
    memberships: { added: 0, existing: 0, onlyInTarget: 0 },
    directGrants: { added: 0, existing: 0, onlyInTarget: 0 },
    problems: [],
  };
}

const LIST_LIMIT = 20;

function list<T>(items: readonly T[], line: (item: T) => string): string[] {
  const shown = items.slice(0, LIST_LIMIT).map((i) => `    ${line(i)}`);
  if (items.length > LIST_LIMIT) shown.push(`    … and ${items.length - LIST_LIMIT} more (--json lists them all)`);
  return shown;
}

/** The summary for people. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    `${s.dryRun ? 'Dry run (rolled back, nothing was written)' : 'Imported'} from ${s.source} in ${(s.durationMs / 1000).toFixed(2)} s.`,
    `  Users:        ${s.users.created} created, ${s.users.updated} updated, ${s.users.unchanged} unchanged, ${s.users.skipped.length} skipped`,
    `  Groups:       ${s.groups.created} created, ${s.groups.existing} existing; permissions: ${s.groups.grantsAdded} granted, ${s.groups.grantsExisting} already granted`,
    `  Permissions:  ${s.permissions.created} created, ${s.permissions.existing} existing`,
    `  Memberships:  ${s.memberships.added} added, ${s.memberships.existing} existing${s.memberships.onlyInTarget ? `, ${s.memberships.onlyInTarget} only in gatehouse (kept)` : ''}`,
    `  Direct grants: ${s.directGrants.added} added, ${s.directGrants.existing} existing${s.directGrants.onlyInTarget ? `, ${s.directGrants.onlyInTarget} only in gatehouse (kept)` : ''}`,
  ];
  if (s.users.changes.length > 0) lines.push('  Updated users:', ...list(s.users.changes, (c) => `${c.username}: ${c.fields.join(', ')}`));
  if (s.users.skipped.length > 0) lines.push('  Skipped users:', ...list(s.users.skipped, (u) => `${u.username}: ${u.reason}`));
  if (s.users.passwordsKept.length > 0) {
    lines.push(
      `  Passwords kept: ${s.users.passwordsKept.length} user(s) have a different hash in gatehouse (upgraded at login or changed here); --overwrite-passwords takes Django's:`,
      ...list(s.users.passwordsKept, (u) => u),
    );
  }
  if (s.users.renumbered.length > 0) {
    lines.push(
      '  New ids (their Django id is taken here; remap references to them):',
      ...list(s.users.renumbered, (r) => `${r.username}: ${r.djangoId} -> ${r.id}`),
    );
  }
  if (s.users.emailsCleared.length > 0) {
    lines.push(
      '  Imported without their email (shared with another account; emailUnique is on):',
      ...list(s.users.emailsCleared, (e) => `${e.username}: ${e.email} (kept by ${e.keptBy})`),
    );
  }
  if (s.problems.length > 0) lines.push('  Source rows not imported:', ...list(s.problems, (p) => `${p.what}: ${p.reason}`));
  const legacy = s.users.legacyHashes;
  if (legacy.count > 0) {
    const counts = Object.entries(legacy.algorithms)
      .map(([algorithm, count]) => `${count} ${algorithm}`)
      .join(', ');
    lines.push(`  Legacy hashes: ${legacy.count} imported password hash(es) use a fast digest (${counts}).`);
    if (legacy.enableWith !== null) {
      lines.push(
        `    Their hashers (${legacy.notEnabled.join(', ')}) are off by default, so these users cannot log in with their password until you enable them in the config:`,
        `      ${legacy.enableWith}`,
        '    Each such hash is re-hashed with the preferred hasher at its first login; remove the legacy names once none is left (or have those users reset their password).',
      );
    } else lines.push('    Their hashers are enabled in passwordHashers: each such hash is re-hashed at its first login.');
  }
  lines.push('  Password hashes were copied verbatim: users log in with their Django passwords, and each hash is upgraded at its first login.');
  return lines.join('\n');
}
