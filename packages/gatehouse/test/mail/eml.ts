/**
 * A small RFC 5322 / MIME reader for the mail tests: enough to read back what nodemailer wrote
 * (unfolded headers, encoded words, quoted-printable or base64 bodies, one multipart level), so the
 * tests check the message a mail client would see rather than nodemailer's internals.
 */

/** A parsed message: header names lower-cased, decoded values; text and html bodies decoded. */
export interface ParsedMail {
  headers: Map<string, string[]>;
  /** The first value of a header, decoded. */
  header(name: string): string | undefined;
  text: string | undefined;
  html: string | undefined;
}

interface Part {
  headers: Map<string, string[]>;
  body: string;
}

/** Parses raw message bytes. */
export function parseEml(raw: Buffer | string): ParsedMail {
  const root = splitPart(typeof raw === 'string' ? raw : raw.toString('utf8'));
  // The line break that ends the last line of a single-part message is not part of its text
  // (in a multipart one, the break before each boundary belongs to the boundary, dropped below).
  if (!/^multipart\//i.test(first(root.headers, 'content-type') ?? '')) root.body = root.body.replace(/\n$/, '');
  let text: string | undefined;
  let html: string | undefined;
  for (const part of leafParts(root)) {
    const type = (first(part.headers, 'content-type') ?? 'text/plain').toLowerCase();
    const body = decodeBody(part);
    if (type.startsWith('text/plain') && text === undefined) text = body;
    else if (type.startsWith('text/html') && html === undefined) html = body;
  }
  return {
    headers: root.headers,
    header: (name) => first(root.headers, name.toLowerCase()),
    text,
    html,
  };
}

function first(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0];
}

function splitPart(raw: string): Part {
  const normalised = raw.replace(/\r\n/g, '\n');
  const end = normalised.indexOf('\n\n');
  const head = end < 0 ? normalised : normalised.slice(0, end);
  const body = end < 0 ? '' : normalised.slice(end + 2);
  const headers = new Map<string, string[]>();
  // Unfolding: a line starting with whitespace continues the previous header.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = decodeEncodedWords(line.slice(colon + 1).trim());
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return { headers, body };
}

function leafParts(part: Part): Part[] {
  const type = first(part.headers, 'content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || boundary === undefined) return [part];
  const sections = part.body.split(`--${boundary}`);
  // sections[0] is the preamble; the last one starts with "--" (the closing delimiter).
  return sections
    .slice(1)
    .filter((section) => !section.startsWith('--'))
    .flatMap((section) => leafParts(splitPart(section.replace(/^\n/, '').replace(/\n$/, ''))));
}

function decodeBody(part: Part): string {
  const encoding = (first(part.headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

function decodeQuotedPrintable(body: string): string {
  const softBreaksRemoved = body.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < softBreaksRemoved.length; i += 1) {
    const ch = softBreaksRemoved[i] as string;
    const hex = softBreaksRemoved.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeEncodedWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return value.replace(/(\?=)\s+(=\?)/g, '$1$2').replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_match, _charset: string, kind: string, data: string) => {
    if (kind.toLowerCase() === 'b') return Buffer.from(data, 'base64').toString('utf8');
    return decodeQuotedPrintable(data.replace(/_/g, ' '));
  });
}
