/**
 * The strict check every outgoing message of the test suite must pass (issue 14, item 2):
 * CRLF line ends only (RFC 5322 §2.1, 2.3), lines ≤ 998 octets (§2.1.1), ASCII headers (but
 * UTF-8 addresses, RFC 6532) folded to
 * ≤ 78 octets where they have whitespace to fold at (§2.2.3), encoded-words ≤ 75 characters
 * (RFC 2047 §2), and every part's Content-Transfer-Encoding consistent with its bytes
 * (RFC 2045 §6: 8-bit bytes never under 7bit, quoted-printable and base64 lines ≤ 76).
 * Written independently of the composer (no shared code), so it can catch the composer's bugs.
 */

const encoder = new TextEncoder();
const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender']);
const octets = (line: string) => encoder.encode(line).byteLength;

/** The problems of one raw message, each naming where it is; empty when the message is valid. */
export function mimeProblems(raw: string): string[] {
  const problems: string[] = [];
  const bare = /\r(?!\n)|(?<!\r)\n/.exec(raw);
  if (bare) problems.push(`bare ${bare[0] === '\r' ? 'CR' : 'LF'} at offset ${bare.index}`);
  checkEntity(raw.split(/\r\n|\r|\n/), 'message', problems);
  return problems;
}

/** Checks one entity (the message or a part) given as its lines. */
function checkEntity(lines: string[], where: string, problems: string[]): void {
  const blank = lines.indexOf('');
  const headerLines = blank < 0 ? lines : lines.slice(0, blank);
  const body = blank < 0 ? [] : lines.slice(blank + 1);
  const headers = checkHeaders(headerLines, where, problems);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";\s]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type)) {
    if (!boundary) {
      problems.push(`${where}: multipart without boundary`);
      return;
    }
    for (const [i, part] of partsOf(body, boundary).entries()) checkEntity(part, `${where} part ${i + 1}`, problems);
    return;
  }
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  body.forEach((line, i) => {
    const at = `${where} body line ${i + 1}`;
    if (octets(line) > 998) problems.push(`${at}: ${octets(line)} octets > 998`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: 8-bit means outside US-ASCII (RFC 2045 §2.7)
    const eightBit = /[^\x00-\x7f]/.test(line);
    if (cte === '7bit' && eightBit) problems.push(`${at}: 8-bit data under Content-Transfer-Encoding 7bit`);
    if (cte === 'quoted-printable' && (eightBit || line.length > 76))
      problems.push(`${at}: not quoted-printable (8-bit or > 76 characters)`);
    if (cte === 'base64' && (!/^[A-Za-z0-9+/]*={0,2}$/.test(line) || line.length > 76))
      problems.push(`${at}: not base64 (alphabet or > 76 characters)`);
    if (!['7bit', '8bit', 'quoted-printable', 'base64'].includes(cte))
      problems.push(`${at}: unknown Content-Transfer-Encoding ${cte}`);
  });
}

/** Checks header lines and returns the unfolded fields by lower-case name. */
function checkHeaders(lines: string[], where: string, problems: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  let current = '';
  lines.forEach((line, i) => {
    const at = `${where} header line ${i + 1} (${line.slice(0, 40)})`;
    const field =
      (/^[ \t]/.test(line) ? /^([^:]+):/.exec(current)?.[1] : /^([^:]+):/.exec(line)?.[1])?.toLowerCase() ?? '';
    // An address may be UTF-8 (RFC 6532 §3.2: an internationalised mailbox cannot be written in ASCII); nothing else may.
    const ascii = ADDRESS_FIELDS.has(field) ? line.replace(/<[^<>\s]*>/g, '<>') : line;
    if (/[^\x20-\x7e\t]/.test(ascii)) problems.push(`${at}: not printable ASCII`);
    if (octets(line) > 998) problems.push(`${at}: ${octets(line)} octets > 998`);
    const continued = /^[ \t]/.test(line);
    if (continued && line.trim() === '') problems.push(`${at}: whitespace-only continuation`);
    const value = continued ? line : line.replace(/^[^:]*:/, '');
    if (line.length > 78 && /\S\s+\S/.test(value.trim()))
      problems.push(`${at}: ${line.length} characters, not folded at 78`);
    for (const word of line.match(/=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=/g) ?? []) {
      if (word.length > 75) problems.push(`${at}: encoded-word of ${word.length} characters > 75`);
    }
    if (continued) current += line;
    else if (/^[!-9;-~]+:/.test(line)) current = line;
    else problems.push(`${at}: neither a field nor a continuation`);
    const name = /^([^:]+):/.exec(current)?.[1]?.toLowerCase();
    if (name) fields.set(name, current.slice(name.length + 1).trim());
  });
  return fields;
}

/** The parts of a multipart body (RFC 2046 §5.1.1), each as its lines. */
function partsOf(body: string[], boundary: string): string[][] {
  const parts: string[][] = [];
  let current: string[] | null = null;
  for (const line of body) {
    if (line.trimEnd() === `--${boundary}--`) break;
    if (line.trimEnd() === `--${boundary}`) {
      if (current) parts.push(current);
      current = [];
    } else current?.push(line);
  }
  if (current) parts.push(current);
  return parts.map((p) => (p.at(-1) === '' ? p.slice(0, -1) : p));
}
