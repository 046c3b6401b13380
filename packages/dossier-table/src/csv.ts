/**
 * A dossier-count CSV as one-stop-shop systems and Excel save it: UTF-8 with or without a byte-order mark (or
 * UTF-16 with one, Excel's "Unicode Text"), CRLF or LF, quoted fields with doubled quotes, and `,`, `;` or tab
 * between fields — Excel in the Vietnamese locale, whose decimal mark is the comma, saves with `;`.
 */
import { parse } from 'csv-parse/sync';
import { isHeaderRow, readHeaderRow } from './header.js';
import { readDossierTable, type DossierTable, type DossierTableError, type DossierTableOptions } from './table.js';

const DELIMITERS = [';', ',', '\t'] as const;
/** How far down the header row may be, for delimiter detection. */
const HEADER_SEARCH_LINES = 50;

type Decoded = { ok: true; text: string } | { ok: false; message: string };

function decode(input: string | Uint8Array): Decoded {
  if (typeof input === 'string') return { ok: true, text: input.replace(/^\ufeff/, '') };
  if (input[0] === 0xff && input[1] === 0xfe) return { ok: true, text: new TextDecoder('utf-16le').decode(input.subarray(2)) };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input) };
  } catch {
    return { ok: false, message: 'The file is not UTF-8 text: save it as "CSV UTF-8" (Excel) or convert it from its legacy encoding' };
  }
}

function records(text: string, delimiter: string, toLine?: number): string[][] {
  return parse(text, {
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    ...(toLine !== undefined && { to_line: toLine }),
  });
}

/**
 * The delimiter whose reading of the first lines yields a header row; title rows above the header ("Báo cáo,
 * năm 2023") make simply counting delimiters unreliable. Falls back to the commonest one on the first line.
 */
export function detectDelimiter(text: string): string {
  for (const delimiter of DELIMITERS) {
    try {
      if (records(text, delimiter, HEADER_SEARCH_LINES).some((row) => isHeaderRow(readHeaderRow(row)))) return delimiter;
    } catch {
      // an unclosed quote in the first lines: try the next delimiter
    }
  }
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  return [...DELIMITERS].sort((a, b) => firstLine.split(b).length - firstLine.split(a).length)[0]!;
}

/**
 * The cells of a CSV export, for callers that need the raw lines too (the CLI copies refused lines into its
 * rejects file); `error` is on the line where reading failed.
 */
export function readCsvCells(input: string | Uint8Array, firstLine = 1): { ok: true; cells: string[][] } | { ok: false; error: DossierTableError } {
  const decoded = decode(input);
  if (!decoded.ok) return { ok: false, error: { line: firstLine, code: 'INVALID_ENCODING', message: decoded.message } };
  const text = decoded.text.replace(/^\ufeff/, '');
  try {
    return { ok: true, cells: records(text, detectDelimiter(text)) };
  } catch (error) {
    const at = (error as { lines?: number }).lines;
    const message = `The file is not valid CSV: ${(error as Error).message}`;
    return { ok: false, error: { line: typeof at === 'number' ? firstLine + at - 1 : firstLine, code: 'INVALID_CSV', message } };
  }
}

/** Parses a CSV export and reads it as a dossier table; lines are the spreadsheet's row numbers (the first is 1). */
export function parseDossierCsv(input: string | Uint8Array, options: DossierTableOptions = {}): DossierTable {
  const firstLine = options.firstLine ?? 1;
  const read = readCsvCells(input, firstLine);
  if (!read.ok) return { rows: [], errors: [read.error], columns: [], headerLine: null };
  return readDossierTable(read.cells, { ...options, firstLine });
}
