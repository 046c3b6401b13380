/**
 * CSV as spreadsheets read and write it (RFC 4180): quoted fields with doubled quotes, CRLF line ends, UTF-8
 * with a byte-order mark so Excel opens Vietnamese text correctly. Excel in a locale whose decimal mark is a
 * comma (Vietnamese) separates fields with ";", so reading detects the delimiter. Pure functions, no I/O.
 */

export const UTF8_BOM = '\ufeff';

function quote(field: string, delimiter: string): string {
  return /["\r\n]/.test(field) || field.includes(delimiter) || /^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function toCsv(rows: string[][], delimiter = ','): string {
  return UTF8_BOM + rows.map((row) => row.map((f) => quote(f, delimiter)).join(delimiter)).join('\r\n') + '\r\n';
}

/** Whichever of , ; and tab occurs most outside quotes in the first lines (title rows may have none). */
function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  let lines = 0;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '\n' && ++lines >= 50) break;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  const [best, count] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]!;
  return count > 0 ? best : ',';
}

export class CsvError extends Error {}

/** Parses CSV text into rows of fields. Throws CsvError on an unterminated quote. */
export function parseCsv(input: string): string[][] {
  const text = input.startsWith(UTF8_BOM) ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (quoted) throw new CsvError('a quoted field is not closed');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
