/**
 * Reading a dossier-count table (the cells of a CSV or of a worksheet) into rows for PUT /v1/dossier-counts.
 * Every line is checked on its own, so one bad line costs only that line: its errors carry its line number,
 * and only lines without errors become rows. The checks here catch what would otherwise make the whole batch
 * fail schema validation (bad dates, text in counts, long codes) or be refused later by index (negative counts,
 * broken identities, duplicates in the file); unknown agencies and procedures only the server can tell.
 */
import { COLUMN_OF, type DossierCount, type DossierField } from './columns.js';
import { isBlank, plainCell, readAsOf, readCount, readDay, readText, type Plain, type Read } from './cells.js';
import { isHeaderRow, KEY_COLUMNS, readHeaderRow, type HeaderRow } from './header.js';
import { brokenIdentity } from './identities.js';

export interface DossierTableOptions {
  /** The line number of cells[0]: 1 (the default) when the cells start at the file's first line. */
  firstLine?: number;
  /** For rows whose source or asOf cell is blank or whose file has no such column. */
  defaults?: { source?: string; asOf?: string };
}

export interface DossierTableError {
  /** 1-based line (row) number as a spreadsheet shows it; the header row is line N of the file, not line 0. */
  line: number;
  /** Our field name (agency, date, resolvedLate…) when one cell is at fault. */
  column?: string;
  code: string;
  message: string;
}

export interface DossierTable {
  /** The lines without errors, in file order. */
  rows: Array<{ line: number; count: DossierCount }>;
  errors: DossierTableError[];
  /** The fields the header row names, in file order (empty when no header row was found). */
  columns: string[];
  /** The header row's line number, or null when there is none. */
  headerLine: number | null;
}

const TEXT_LIMITS = { agency: 40, procedure: 40, source: 100 } as const;

function readCell(field: DossierField, cell: Plain): Read<string | number | null> {
  if (field === 'agency' || field === 'procedure' || field === 'source') return readText(cell, TEXT_LIMITS[field]);
  if (field === 'date') return readDay(cell);
  if (field === 'asOf') return readAsOf(cell);
  return readCount(cell);
}

/** Checks the reader's defaults once; a bad default is the caller's mistake, not a line's. */
function checkedDefaults(defaults: DossierTableOptions['defaults'] = {}): { source?: string; asOf?: string } {
  const out: { source?: string; asOf?: string } = {};
  if (defaults.source !== undefined) {
    const source = readText(defaults.source, TEXT_LIMITS.source);
    if (!source.ok || !source.value) throw new RangeError(`defaults.source: ${source.ok ? 'is blank' : source.reason}`);
    out.source = source.value;
  }
  if (defaults.asOf !== undefined) {
    const asOf = readAsOf(defaults.asOf);
    if (!asOf.ok || !asOf.value) throw new RangeError(`defaults.asOf: ${asOf.ok ? 'is blank' : asOf.reason}`);
    out.asOf = asOf.value;
  }
  return out;
}

type FoundHeader = { found: true; index: number; header: HeaderRow } | { found: false; best: HeaderRow | undefined };

function findHeader(cells: readonly unknown[][]): FoundHeader {
  let best: HeaderRow | undefined;
  for (let i = 0; i < cells.length; i++) {
    const row = cells[i] ?? [];
    if (row.every((c) => isBlank(plainCell(c)))) continue;
    const header = readHeaderRow(row);
    if (isHeaderRow(header)) return { found: true, index: i, header };
    if (!best || header.fields.size > best.fields.size) best = header;
  }
  return { found: false, best };
}

/**
 * Reads the table. Throws RangeError only for invalid `defaults`; everything wrong with the cells is in `errors`.
 * The first row naming the agency, procedure and date columns is the header row (title rows above it are skipped);
 * blank lines are skipped; a table-level problem (no header row, a column twice, no source column and no default)
 * is one error on the header line and no rows.
 */
export function readDossierTable(cells: unknown[][], options: DossierTableOptions = {}): DossierTable {
  const firstLine = options.firstLine ?? 1;
  const defaults = checkedDefaults(options.defaults);
  const found = findHeader(cells);
  if (!found.found) {
    const missing = KEY_COLUMNS.filter((f) => !found.best?.fields.has(f)).map((f) => `"${COLUMN_OF.get(f)!.header}"`);
    const message = `No row names the columns ${missing.join(', ')} (the header row must name the agency, procedure and date columns)`;
    return { rows: [], errors: [{ line: firstLine, code: 'NO_HEADER_ROW', message }], columns: [], headerLine: null };
  }
  const { index, header } = found;
  const headerLine = firstLine + index;
  const columns = [...header.fields.entries()].sort((a, b) => a[1] - b[1]).map(([f]) => f);
  const tableErrors: DossierTableError[] = header.issues.map((i) => ({ line: headerLine, ...i }));
  for (const field of ['source', 'asOf'] as const) {
    if (!header.fields.has(field) && defaults[field] === undefined) {
      const message = `No "${COLUMN_OF.get(field)!.header}" column and no default ${field} was given`;
      tableErrors.push({ line: headerLine, column: field, code: 'MISSING_COLUMN', message });
    }
  }
  if (tableErrors.length > 0) return { rows: [], errors: tableErrors, columns, headerLine };

  const rows: DossierTable['rows'] = [];
  const errors: DossierTableError[] = [];
  const lineOfKey = new Map<string, number>();
  for (let i = index + 1; i < cells.length; i++) {
    const row = cells[i] ?? [];
    if (row.every((c) => isBlank(plainCell(c)))) continue;
    const line = firstLine + i;
    const lineErrors: DossierTableError[] = [];
    const count: Record<string, string | number | null> = {};
    for (const [field, at] of header.fields) {
      const read = readCell(field, plainCell(row[at]));
      if (!read.ok) lineErrors.push({ line, column: field, code: read.code, message: `${header.written.get(field)}: ${read.reason}` });
      else if (read.value !== null) count[field] = read.value;
    }
    for (const field of ['source', 'asOf'] as const) count[field] ??= defaults[field] ?? null;
    for (const column of COLUMN_OF.values()) {
      const blank = count[column.field] === undefined || count[column.field] === null;
      if (column.required && blank && !lineErrors.some((e) => e.column === column.field)) {
        lineErrors.push({ line, column: column.field, code: 'MISSING_VALUE', message: `${column.header} (${column.field}) is blank` });
      }
    }
    if (lineErrors.length === 0) {
      const broken = brokenIdentity(count);
      if (broken) lineErrors.push({ line, code: broken.code, message: broken.message });
    }
    if (lineErrors.length === 0) {
      const key = [count.agency, count.procedure, count.date, count.source].join('|');
      const earlier = lineOfKey.get(key);
      if (earlier !== undefined) {
        lineErrors.push({ line, code: 'DUPLICATE_ROW', message: `Same agency, procedure, date and source as line ${earlier}` });
      } else lineOfKey.set(key, line);
    }
    if (lineErrors.length > 0) errors.push(...lineErrors);
    else rows.push({ line, count: count as DossierCount });
  }
  return { rows, errors, columns, headerLine };
}
