/**
 * Works out what an import source is and reads it: a `postgres://` URL, a SQLite file (by its
 * header, or a `sqlite:` prefix) or a dumpdata JSON file.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { type DjangoData, fromTables } from './model.js';
import { readDumpdata } from './read-dumpdata.js';
import { readPostgresTables, readSqliteTables } from './read-sql.js';

/** A source as given, classified. */
export type ImportSource =
  | { kind: 'postgres'; url: string; label: string }
  | { kind: 'sqlite'; path: string; label: string }
  | { kind: 'dumpdata'; path: string; label: string };

/** The URL without its password, for messages and the summary. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return `${url.split(':')[0]}:…`;
  }
}

async function header(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Classifies `given`; throws a clear error for anything that is none of the three. */
export async function classifySource(given: string): Promise<ImportSource> {
  if (/^postgres(ql)?:\/\//i.test(given)) return { kind: 'postgres', url: given, label: redactUrl(given) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) && !/^sqlite:/i.test(given) && !/^file:/i.test(given)) {
    throw new CliError(
      `Cannot import from ${redactUrl(given)}: use a PostgreSQL URL, a SQLite file or a dumpdata JSON file (other databases: \`manage.py dumpdata auth contenttypes\`).`,
    );
  }
  const path = given.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
  if (!existsSync(path)) throw new CliError(`No such file: ${path}`);
  const head = await header(path).catch((error: Error) => {
    throw new CliError(`Cannot read ${path}: ${error.message}`);
  });
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000') return { kind: 'sqlite', path, label: path };
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('[') || path.toLowerCase().endsWith('.json')) return { kind: 'dumpdata', path, label: path };
  throw new CliError(`${path} is neither a SQLite database nor a dumpdata JSON file.`);
}

/** Reads the whole source into memory (a Django auth database of thousands of users is small). */
export async function readSource(source: ImportSource): Promise<DjangoData> {
  switch (source.kind) {
    case 'postgres':
      return fromTables(await readPostgresTables(source.url, source.label));
    case 'sqlite':
      return fromTables(await readSqliteTables(source.path));
    case 'dumpdata':
      return readDumpdata(source.path);
  }
}
