/**
 * The annex as an Excel workbook (exceljs), ready to print the way Vietnamese administrative documents are
 * (Nghị định 30/2020/NĐ-CP): A4, fitted to one page wide, the header row repeated on every page, margins of
 * 20 mm top and bottom, 30 mm left, 15 mm right, Times New Roman throughout, page numbers centred at the top from
 * page 2. Text wraps and every row is as tall as its wrapped text (exceljs does not size rows, so lines are
 * estimated from text length and column width); a note too long for one row continues on rows below it, as the
 * printed annex does, and the import joins them again. Numbers are numeric cells with number formats
 * ("#,##0", "0.0", a code's labels), so a Vietnamese-locale spreadsheet shows "1.473" and "98,9" and can sum them.
 * And the reverse: a workbook's first sheet as rows of cell text, numbers written the Vietnamese way.
 */
import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import { splitAtSpaces } from '../../domain/annex.js';
import { formatViNumber } from '../../domain/vietnamese-number.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Text, or a number with its spreadsheet number format. */
export type SheetCell = string | { number: number; numFmt: string };

export interface SheetLine {
  cells: SheetCell[];
  heading: boolean;
}

export interface SheetLayout {
  orientation: 'portrait' | 'landscape';
  /** Body size in points; titles are one point larger. */
  fontSize: number;
  /** Columns from this one (1-based) have their header turned 90° (narrow agency columns). */
  rotateHeaderFrom?: number;
  /** A column (1-based) whose long text continues on the rows below (the note). */
  continueColumn?: number;
}

export const FONT = 'Times New Roman';
/** Nghị định 30/2020, Phụ lục I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm (exceljs takes inches). */
export const MARGINS = { top: 20 / 25.4, bottom: 20 / 25.4, left: 30 / 25.4, right: 15 / 25.4, header: 8 / 25.4, footer: 8 / 25.4 };
/** Most lines a row may take before its long text continues below (a printed row never splits across pages). */
const MAX_LINES = 18;
const border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } } as const;

/** Widths of Times New Roman characters in em (Liberation Serif, which LibreOffice prints with, has the same). */
const EM: Record<string, number> = {
  a: 0.444,
  b: 0.5,
  c: 0.444,
  d: 0.5,
  e: 0.444,
  f: 0.333,
  g: 0.5,
  h: 0.5,
  i: 0.278,
  j: 0.278,
  k: 0.5,
  l: 0.278,
  m: 0.778,
  n: 0.5,
  o: 0.5,
  p: 0.5,
  q: 0.5,
  r: 0.333,
  s: 0.389,
  t: 0.278,
  u: 0.5,
  v: 0.5,
  w: 0.722,
  x: 0.5,
  y: 0.5,
  z: 0.444,
  I: 0.333,
  J: 0.389,
  M: 0.889,
  W: 0.944,
  ' ': 0.25,
  '.': 0.25,
  ',': 0.25,
  '/': 0.278,
  '-': 0.333,
  ':': 0.278,
  ';': 0.278,
  '(': 0.333,
  ')': 0.333,
  '%': 0.833,
  '"': 0.408,
  "'": 0.18,
  '“': 0.444,
  '”': 0.444,
};
const emOf = (c: string) => EM[c] ?? (/[A-Z]/.test(c) ? 0.667 : 0.5);
/** A text's width in em: diacritics take no room of their own. */
const widthOf = (text: string, bold: boolean) =>
  [...text.normalize('NFD').replace(/[\u0300-\u036f]/g, '')].reduce((sum, c) => sum + emOf(c), 0) * (bold ? 1.06 : 1);

/**
 * The room for text in a column `width` units wide, in points. A unit is the default font's digit width: the
 * workbook's default font is Times New Roman 11 (below), 7 px, so a column is 7·width + 5 px at 96 dpi; less the
 * cell's padding and a margin so that a row is never a line short.
 */
const roomOf = (width: number) => ((width * 7 + 5) * 0.75 - 6) * 0.97;

/** Lines a text takes in a column, wrapped at spaces (a word longer than the line breaks where it must). */
export function wrappedLines(text: string, width: number, size: number, bold = false): number {
  const room = roomOf(width);
  const space = widthOf(' ', bold) * size;
  let lines = 0;
  for (const paragraph of text.split(/\r?\n/)) {
    let used = 0;
    let count = 1;
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const length = widthOf(word, bold) * size;
      if (used > 0 && used + space + length <= room) used += space + length;
      else if (used === 0 && length <= room) used = length;
      else {
        if (used > 0) count++;
        count += Math.ceil(length / room) - 1;
        used = length % room || room;
      }
    }
    lines += count;
  }
  return Math.max(1, lines);
}

/**
 * exceljs writes Calibri 11 as the workbook's default font, and a column's width is counted in that font's digits:
 * where Calibri is missing LibreOffice measures with whatever replaces it (DejaVu Sans, a third wider), so rows
 * sized for one font print with gaps or clipped in another. With Times New Roman as the default, Excel and
 * LibreOffice (Liberation Serif, the same metrics) measure the same. exceljs has no option for it, hence this one
 * wrapper around its style writer's first font.
 */
const require = createRequire(import.meta.url);
try {
  const styles = require('exceljs/lib/xlsx/xform/style/styles-xform.js') as {
    prototype: { _addFont?: (this: { model: { fonts: unknown[] } }, font: Record<string, unknown>) => number; __annexFont?: true };
  };
  const proto = styles.prototype;
  const addFont = proto._addFont;
  if (addFont && !proto.__annexFont) {
    proto.__annexFont = true;
    proto._addFont = function (font) {
      const first = this.model.fonts.length === 0 && font.name === 'Calibri' && font.scheme === 'minor';
      return addFont.call(this, first ? { size: 11, color: { theme: 1 }, name: FONT, family: 1 } : font);
    };
  }
} catch {
  // Another exceljs layout: the default font stays Calibri; widths then follow it.
}

/** LibreOffice sets Times New Roman lines 1.12 font sizes apart (measured); a little more for Excel. */
const lineHeight = (size: number) => size * 1.16;

export async function writeWorkbook(options: {
  sheetName: string;
  titles: string[];
  header: string[];
  widths: number[];
  lines: SheetLine[];
  layout: SheetLayout;
}): Promise<Buffer> {
  const { layout, widths } = options;
  const size = layout.fontSize;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CCHC reporting';
  const headerRow = options.titles.length + 2;
  const sheet = workbook.addWorksheet(options.sheetName, {
    views: [{ state: 'frozen', ySplit: headerRow }],
    pageSetup: {
      paperSize: 9,
      orientation: layout.orientation,
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: MARGINS,
      printTitlesRow: `${headerRow}:${headerRow}`,
    },
    headerFooter: { differentFirst: true, firstHeader: '', oddHeader: `&C&"${FONT},Regular"&${size + 1}&P` },
  });
  sheet.columns = widths.map((width) => ({ width }));
  const lastColumn = options.header.length;
  const totalWidth = widths.reduce((a, b) => a + b, 0);

  for (const title of options.titles) {
    const row = sheet.addRow([title]);
    sheet.mergeCells(row.number, 1, row.number, lastColumn);
    const note = title.startsWith('(');
    const cell = row.getCell(1);
    cell.font = { name: FONT, size: size + 1, bold: !note, italic: note };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    row.height = wrappedLines(title, totalWidth, size + 1, !note) * lineHeight(size + 1) + 4;
  }
  sheet.addRow([]).height = lineHeight(size);

  const header = sheet.addRow(options.header);
  let headerHeight = 0;
  header.eachCell((cell, column) => {
    const rotated = layout.rotateHeaderFrom !== undefined && column >= layout.rotateHeaderFrom;
    cell.font = { name: FONT, size, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true, ...(rotated && { textRotation: 90 }) };
    cell.border = border;
    const text = options.header[column - 1] ?? '';
    const height = rotated ? Math.min(text.length, 28) * size * 0.5 + 10 : wrappedLines(text, widths[column - 1] ?? 10, size, true) * lineHeight(size) + 6;
    headerHeight = Math.max(headerHeight, height);
  });
  header.height = headerHeight;

  const style = (cell: ExcelJS.Cell, column: number, bold: boolean) => {
    cell.font = { name: FONT, size, bold };
    cell.border = border;
    const numeric = typeof cell.value === 'number';
    const horizontal = column === 1 || column === 3 || numeric ? 'center' : 'left';
    cell.alignment = numeric ? { horizontal, vertical: 'top', shrinkToFit: true } : { horizontal, vertical: 'top', wrapText: true };
  };
  const heightOf = (texts: string[], bold: boolean) =>
    Math.max(...texts.map((text, i) => (text === '' ? 1 : wrappedLines(text, widths[i] ?? 10, size, bold)))) * lineHeight(size) + 4;

  for (const line of options.lines) {
    const texts = line.cells.map((c) => (typeof c === 'string' ? c : ''));
    // A text too long for one row continues on rows that hold only it.
    const at = layout.continueColumn ? layout.continueColumn - 1 : -1;
    let pieces: string[] = [];
    const long = at >= 0 ? texts[at] : undefined;
    if (long) {
      const width = widths[at] ?? 10;
      // Pieces of about MAX_LINES - 2 lines (at a generous 0.45 em a character), so a piece never needs more.
      const chars = roomOf(width) / (size * 0.45);
      if (wrappedLines(long, width, size, line.heading) > MAX_LINES) pieces = splitAtSpaces(long, Math.floor(chars * (MAX_LINES - 2) * 0.9));
    }
    if (pieces.length > 1) texts[at] = pieces[0]!;
    const row = sheet.addRow(line.cells.map((c, i) => (i === at && pieces.length > 1 ? pieces[0]! : typeof c === 'string' ? c : c.number)));
    for (let column = 1; column <= lastColumn; column++) {
      const cell = row.getCell(column);
      const source = line.cells[column - 1];
      if (source !== undefined && typeof source !== 'string') cell.numFmt = source.numFmt;
      style(cell, column, line.heading);
    }
    row.height = heightOf(texts, line.heading);
    for (const piece of pieces.slice(1)) {
      const more = sheet.addRow(Array.from({ length: lastColumn }, (_, i) => (i === at ? piece : '')));
      for (let column = 1; column <= lastColumn; column++) style(more.getCell(column), column, false);
      more.height = heightOf(
        Array.from({ length: lastColumn }, (_, i) => (i === at ? piece : '')),
        false,
      );
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * The first worksheet as rows of cell text; a number becomes its Vietnamese form (1473 → "1.473", 98.9 → "98,9"),
 * which the annex reader takes back exactly, whatever the cell's format.
 */
export async function readWorkbook(file: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) return [];
  const rows: string[][] = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(row.cellCount, 5); c++) {
      const cell = row.getCell(c);
      cells.push(typeof cell.value === 'number' ? formatViNumber(cell.value) : (cell.text ?? ''));
    }
    rows.push(cells);
  }
  return rows;
}
