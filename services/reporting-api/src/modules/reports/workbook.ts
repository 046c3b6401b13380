/**
 * The annex as an Excel workbook (exceljs): title rows, a styled header, sensible column widths, section rows in
 * bold, text wrapped; and the reverse, a workbook's first sheet as rows of cell text. Values are written as the
 * printed annex writes them ("1.473", "98,9"), as text, so every spreadsheet shows the Vietnamese form.
 */
import ExcelJS from 'exceljs';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface SheetLine {
  cells: string[];
  heading: boolean;
}

export async function writeWorkbook(options: { sheetName: string; titles: string[]; header: string[]; widths: number[]; lines: SheetLine[] }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CCHC reporting';
  const sheet = workbook.addWorksheet(options.sheetName, { views: [{ state: 'frozen', ySplit: options.titles.length + 1 }] });
  sheet.columns = options.widths.map((width) => ({ width }));
  const lastColumn = options.header.length;
  for (const title of options.titles) {
    const row = sheet.addRow([title]);
    sheet.mergeCells(row.number, 1, row.number, lastColumn);
    row.font = { bold: true, size: 12 };
    row.alignment = { horizontal: 'center', wrapText: true };
  }
  const header = sheet.addRow(options.header);
  header.eachCell((cell) => {
    cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E79' } };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } };
  });
  for (const line of options.lines) {
    const row = sheet.addRow(line.cells);
    row.alignment = { vertical: 'top', wrapText: true };
    if (line.heading) row.font = { bold: true };
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cell.numFmt = '@'; // text: the Vietnamese number form stays as written
      cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } };
      if (column === 1 || column >= 3) cell.alignment = { ...row.alignment, horizontal: column === 1 ? 'center' : 'left' };
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The first worksheet as rows of cell text; a number typed into a cell becomes its plain decimal form. */
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
      cells.push(typeof cell.value === 'number' ? String(cell.value) : (cell.text ?? ''));
    }
    rows.push(cells);
  }
  return rows;
}
