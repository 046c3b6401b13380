/**
 * Reading a dossier-count export from disk: CSV (any of , ; tab; see @cchc/dossier-table) or XLSX (exceljs, the
 * first worksheet unless --sheet names one). The cells are kept beside the rows so refused lines can be copied
 * into the rejects file as the file had them.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { plainCell, readCsvCells, readDossierTable, type DossierTable, type DossierTableOptions } from '@cchc/dossier-table';
import { UsageError } from './errors.js';

export type TableKind = 'csv' | 'xlsx';

export interface TableFile {
  path: string;
  kind: TableKind;
  /** Hex SHA-256 of the bytes: what a resumed push is keyed by. */
  sha256: string;
  modifiedAt: Date;
  cells: unknown[][];
  table: DossierTable;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function kindOf(path: string, bytes: Uint8Array): TableKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.xls') throw new UsageError(`${path}: the old binary .xls format is not read; save it as .xlsx or CSV UTF-8`);
  if (ext === '.xlsx' || ext === '.xlsm' || ZIP_MAGIC.every((b, i) => bytes[i] === b)) return 'xlsx';
  return 'csv';
}

/** The file's bytes and modification time; a missing or unreadable file is a usage error. */
export async function readInput(path: string): Promise<{ bytes: Buffer; modifiedAt: Date }> {
  try {
    const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
    return { bytes, modifiedAt: info.mtime };
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The worksheet's rows as arrays, row n at index n - 1, so line numbers are the sheet's row numbers. */
async function worksheetCells(path: string, bytes: Buffer, sheet: string | undefined): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    throw new UsageError(`${path} is not a readable XLSX workbook: ${(error as Error).message}`);
  }
  const byIndex = sheet !== undefined && /^\d+$/.test(sheet) ? workbook.worksheets[Number(sheet) - 1] : undefined;
  const worksheet = sheet === undefined ? workbook.worksheets[0] : (workbook.getWorksheet(sheet) ?? byIndex);
  if (!worksheet) {
    const names = workbook.worksheets.map((w) => `"${w.name}"`).join(', ');
    throw new UsageError(sheet === undefined ? `${path} has no worksheet` : `${path} has no worksheet ${sheet} (it has ${names})`);
  }
  const cells: unknown[][] = [];
  for (let r = 1; r <= worksheet.rowCount; r++) {
    // exceljs row values are 1-based and sparse: index 0 is always empty.
    const values = worksheet.getRow(r).values;
    cells.push(Array.isArray(values) ? Array.from(values.slice(1), (v) => v ?? null) : []);
  }
  return cells;
}

export async function readTableFile(
  path: string,
  input: { bytes: Buffer; modifiedAt: Date },
  options: DossierTableOptions & { sheet?: string },
): Promise<TableFile> {
  const { bytes, modifiedAt } = input;
  const kind = kindOf(path, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { sheet, ...tableOptions } = options;
  if (kind === 'xlsx') {
    const cells = await worksheetCells(path, bytes, sheet);
    return { path, kind, sha256, modifiedAt, cells, table: readDossierTable(cells, tableOptions) };
  }
  if (sheet !== undefined) throw new UsageError('--sheet is for XLSX files');
  const read = readCsvCells(bytes);
  if (!read.ok) {
    return { path, kind, sha256, modifiedAt, cells: [], table: { rows: [], errors: [read.error], columns: [], headerLine: null } };
  }
  return { path, kind, sha256, modifiedAt, cells: read.cells, table: readDossierTable(read.cells, tableOptions) };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell as text for the rejects CSV, the way the sheet shows it (dates day first). */
export function cellText(cell: unknown): string {
  const plain = plainCell(cell);
  if (plain === null) return '';
  if (plain instanceof Date) {
    const day = `${pad(plain.getUTCDate())}/${pad(plain.getUTCMonth() + 1)}/${plain.getUTCFullYear()}`;
    const [h, m, s] = [plain.getUTCHours(), plain.getUTCMinutes(), plain.getUTCSeconds()];
    return h + m + s === 0 ? day : `${day} ${pad(h)}:${pad(m)}:${pad(s)}`;
  }
  return String(plain);
}
