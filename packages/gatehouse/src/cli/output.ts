/**
 * Printing: data to stdout (a table for people, JSON with `--json` for scripts), notes and
 * progress to stderr, so `gatehouse user list --json | jq` sees only data.
 */

/** Writes text for people to stdout, one line or several, with control characters made visible. */
export function out(text = ''): void {
  const safe = sanitizeText(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** Writes a note to stderr: never part of the data. */
export function note(text: string): void {
  const safe = sanitizeText(text);
  process.stderr.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** Writes machine-readable output (JSON, a generated document) to stdout exactly as given. */
export function writeRaw(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Prints a value as indented JSON (which escapes control characters itself). */
export function printJson(value: unknown): void {
  writeRaw(JSON.stringify(value, null, 2));
}

/** A table column: its heading and how to read a row's cell. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
}

const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Control characters a terminal would act on, shown as `\xNN`. Names and emails read from a
 * database (a Django one above all) were not necessarily validated: an escape sequence in a
 * username must not repaint the screen of the admin listing users.
 */
function sanitize(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: making control characters visible is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, hex);
}

/** Like `sanitize`, keeping line breaks and tabs, for whole blocks of text. */
export function sanitizeText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: making control characters visible is the point.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, hex);
}

function width(text: string): number {
  return Array.from(text).length;
}

/** Rows as aligned columns of plain text. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((c) => sanitize(c.value(row))));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v + ' '.repeat((widths[i] ?? 0) - width(v))))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Prints a table, or a line saying there is nothing when `rows` is empty. */
export function printTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], empty = '(none)'): void {
  out(rows.length === 0 ? empty : formatTable(rows, columns));
}

/** Epoch milliseconds as an ISO time without the fraction, or `-`. */
export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `yes` / `no` for a flag. */
export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
