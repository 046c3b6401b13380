/**
 * The official annex table — STT | Chỉ tiêu thống kê | Đơn vị tính | Kết quả thống kê | Ghi chú — written from a
 * report and read back from a filled file. Reading tolerates what people do to spreadsheets: extra title rows,
 * changed spacing, case and diacritics in names, Vietnamese numbers, codes written as their labels.
 * Pure functions, no I/O.
 */
import type { IndicatorDef, ReportedValue } from './indicators.js';
import { foldForSearch } from './search-text.js';
import { formatViNumber, parseViNumber } from './vietnamese-number.js';

export const ANNEX_HEADER = ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê (Số lượng/tỷ lệ)', 'Ghi chú'];
export const ANNEX_TITLE = 'THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH';

export interface AnnexIndicator extends IndicatorDef {
  stt: string;
  parentCode: string | null;
  unit: string | null;
  printed: boolean;
}

export interface AnnexLine {
  code: string;
  stt: string;
  name: string;
  unit: string;
  value: string;
  note: string;
  /** A section or heading row (printed bold, no value). */
  heading: boolean;
}

/** A value as the printed annex writes it: numbers the Vietnamese way, codes as their number, blank for none. */
export function formatAnnexValue(value: ReportedValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? formatViNumber(value) : value;
}

/** The table's lines in template order; supplementary (unprinted) rows only when asked for. */
export function annexLines(
  indicators: AnnexIndicator[],
  cellOf: (code: string) => { value: ReportedValue; note: string | null } | undefined,
  options: { supplementary?: boolean } = {},
): AnnexLine[] {
  return indicators
    .filter((ind) => ind.printed || options.supplementary)
    .map((ind) => {
      const cell = cellOf(ind.code);
      return {
        code: ind.code,
        stt: ind.stt,
        name: ind.name,
        unit: ind.unit ?? '',
        value: ind.valueType === 'section' ? '' : formatAnnexValue(cell?.value),
        note: cell?.note ?? '',
        heading: ind.valueType === 'section',
      };
    });
}

/** A data row of a filled table, with its 1-based row number in the file. */
export interface AnnexRow {
  row: number;
  stt: string;
  name: string;
  unit: string;
  value: string;
  note: string;
}

/** How names are compared: no diacritics, no case, punctuation and spacing ignored. */
export const nameKey = (name: string) =>
  foldForSearch(name)
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

/** Finds the header row (a cell "STT" and a cell starting "Chỉ tiêu") and reads the rows under it. */
export function readAnnexTable(table: string[][]): AnnexRow[] | undefined {
  const folded = (cell: string | undefined) => nameKey(cell ?? '');
  const headerIndex = table.findIndex((r) => r.some((c) => folded(c) === 'stt') && r.some((c) => folded(c).startsWith('chi tieu')));
  if (headerIndex < 0) return undefined;
  const header = table[headerIndex]!.map(folded);
  const column = (test: (h: string) => boolean, fallback: number) => {
    const i = header.findIndex(test);
    return i >= 0 ? i : fallback;
  };
  const stt = column((h) => h === 'stt', 0);
  const name = column((h) => h.startsWith('chi tieu'), 1);
  const unit = column((h) => h.startsWith('don vi'), 2);
  const value = column((h) => h.startsWith('ket qua'), 3);
  const note = column((h) => h.startsWith('ghi chu'), 4);
  const rows: AnnexRow[] = [];
  table.slice(headerIndex + 1).forEach((r, i) => {
    const cell = (c: number) => (r[c] ?? '').replace(/\u00a0/g, ' ').trim();
    // Rows without a name (the "Số lượng/tỷ lệ" sub-header, blank lines) carry no indicator.
    if (cell(name) === '') return;
    rows.push({ row: headerIndex + 2 + i, stt: cell(stt), name: cell(name), unit: cell(unit), value: cell(value), note: cell(note) });
  });
  return rows;
}

/**
 * Matches rows to indicators. Names decide, in template order: each row takes the next indicator at or after the
 * previous match with the same name (so repeated names such as "Số vấn đề phát hiện qua kiểm tra" go to the right
 * section), else the only indicator anywhere with that name; a row whose name matches nothing is placed by its
 * STT within the current section (a renamed item).
 */
export function matchAnnexRows<T extends AnnexIndicator>(
  indicators: T[],
  rows: AnnexRow[],
): { matched: Array<{ row: AnnexRow; indicator: T }>; unmatched: AnnexRow[] } {
  const keys = indicators.map((ind) => nameKey(ind.name));
  const matched: Array<{ row: AnnexRow; indicator: T }> = [];
  const unmatched: AnnexRow[] = [];
  const used = new Set<number>();
  let pointer = 0;
  let section: string | undefined;
  for (const row of rows) {
    const key = nameKey(row.name);
    let at = keys.findIndex((k, i) => i >= pointer && !used.has(i) && k === key);
    if (at < 0) {
      const anywhere = keys.flatMap((k, i) => (k === key && !used.has(i) ? [i] : []));
      if (anywhere.length === 1) at = anywhere[0]!;
    }
    if (at < 0 && row.stt !== '') {
      const stt = row.stt.replace(/\.$/, '');
      at = indicators.findIndex((ind, i) => !used.has(i) && ind.stt === stt && (ind.parentCode === null ? true : ind.code.split('.')[0] === section));
    }
    if (at < 0) {
      unmatched.push(row);
      continue;
    }
    used.add(at);
    pointer = at + 1;
    section = indicators[at]!.code.split('.')[0];
    matched.push({ row, indicator: indicators[at]! });
  }
  return { matched, unmatched };
}

export type AnnexValue = { ok: true; value: ReportedValue } | { ok: false; reason: string };

/** Reads a value cell for its indicator: a Vietnamese number, a code or its label ("Có" → 1), text, or blank. */
export function readAnnexValue(def: AnnexIndicator, text: string): AnnexValue {
  const cell = text.trim();
  if (cell === '') return { ok: true, value: null };
  if (def.valueType === 'text') return { ok: true, value: cell };
  if (def.valueType === 'section') return { ok: false, reason: `${def.code} is a heading and takes no value` };
  if (def.valueType === 'boolean' || def.valueType === 'choice') {
    const byLabel = def.options?.find((o) => nameKey(o.label) === nameKey(cell));
    if (byLabel) return { ok: true, value: byLabel.value };
  }
  const n = parseViNumber(cell);
  return n.ok ? { ok: true, value: n.value } : { ok: false, reason: n.reason };
}
