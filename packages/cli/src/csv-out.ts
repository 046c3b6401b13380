/**
 * CSV as we write it: UTF-8 with a byte-order mark (without it Excel reads Vietnamese text as Windows-1252
 * mojibake), CRLF line ends, RFC 4180 quoting.
 */
export const UTF8_BOM = '\ufeff';

export type CsvCell = string | number | boolean | null | undefined;

function quote(cell: CsvCell): string {
  const text = cell === null || cell === undefined ? '' : String(cell);
  return /[",;\t\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return UTF8_BOM + rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}
