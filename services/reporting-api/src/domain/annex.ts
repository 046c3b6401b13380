/**
 * The official annex table — STT | Chỉ tiêu thống kê | Đơn vị tính | Kết quả thống kê | Ghi chú — written from a
 * report and read back from a filled file. Reading tolerates what people do to spreadsheets: extra title rows,
 * changed spacing, case and diacritics in names, Vietnamese numbers, codes written as their labels.
 * Pure functions, no I/O.
 */
import type { CodedOption, IndicatorDef, ReportedValue } from './indicators.js';
import { foldForSearch } from './search-text.js';
import { parsePeriodId } from './periods.js';
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
  /** The value as a number where it is one (counts, rates, codes), for a numeric spreadsheet cell. */
  number: number | null;
  /** The spreadsheet number format of `number`: thousands grouped, the value's decimals, a code's labels. */
  numFmt: string | null;
}

/** A value as the printed annex writes it: numbers the Vietnamese way, codes as their number, blank for none. */
export function formatAnnexValue(value: ReportedValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? formatViNumber(value) : value;
}

/**
 * The number format of a value cell, so a spreadsheet in a Vietnamese locale shows what the printed annex shows
 * ("1.473", "98,9") and can still sum it: thousands grouped, as many decimals as the value has (at most the
 * indicator's), and a code followed by its label ("1 (Có)"; a format holds two conditions, so a third option is
 * the remaining section and more options show the bare code, which the unit column explains).
 */
export function annexNumberFormat(def: Pick<IndicatorDef, 'valueType' | 'decimals' | 'options'>, value: number): string {
  const options = def.options ?? [];
  if ((def.valueType === 'boolean' || def.valueType === 'choice') && options.length > 0 && options.length <= 3) {
    const label = (o: CodedOption) => `"${o.value} (${o.label.replaceAll('"', '')})"`;
    const [a, b, c] = options as [CodedOption, CodedOption | undefined, CodedOption | undefined];
    if (options.every((o) => Number.isInteger(o.value) && o.value >= 0)) {
      return b ? `[=${a.value}]${label(a)};[=${b.value}]${label(b)};${c ? label(c) : '0'}` : `[=${a.value}]${label(a)};0`;
    }
  }
  const fraction = Math.abs(value).toString().split('.')[1] ?? '';
  const decimals = Math.min(fraction.length, def.decimals ?? 2, 4);
  // [$-42A] is the Vietnamese locale: LibreOffice then groups and marks decimals the Vietnamese way whatever its
  // own locale (a PDF made on a server prints "1.473", not "1,473"); Excel uses the reader's separators.
  return `${VI_LOCALE}${decimals > 0 ? `#,##0.${'0'.repeat(decimals)}` : '#,##0'}`;
}

/** The number-format locale tag of Vietnamese (LCID 0x042A). */
export const VI_LOCALE = '[$-42A]';

const ROMAN = ['', 'I', 'II', 'III', 'IV'];

/** How the title names a period: "NĂM 2023", "QUÝ I NĂM 2024", "6 THÁNG ĐẦU NĂM 2024", "THÁNG 3 NĂM 2024". */
export function annexPeriodPhrase(periodId: string): string {
  const ref = parsePeriodId(periodId);
  if (!ref) return `KỲ BÁO CÁO ${periodId}`;
  switch (ref.kind) {
    case 'year':
      return `NĂM ${ref.year}`;
    case 'half-year':
      return `6 THÁNG ĐẦU NĂM ${ref.year}`;
    case 'nine-months':
      return `9 THÁNG NĂM ${ref.year}`;
    case 'quarter':
      return `QUÝ ${ROMAN[ref.number!]} NĂM ${ref.year}`;
    case 'month':
      return `THÁNG ${ref.number} NĂM ${ref.year}`;
  }
}

/** The report an annex is attached to, when its number and date are known (else the title leaves dots). */
export interface AnnexReference {
  number?: string | null;
  issuedOn?: string | null;
  issuerName?: string | null;
}

const DOTS = '…';

/**
 * The title block as the reference annex prints it: the title, "NĂM 2023 TẠI <AGENCY>", and "(Kèm theo Báo cáo số
 * …/BC-BQL ngày … tháng … năm … của <agency>)". The number's sign is the agency code's first part (BQL-KCN → BQL),
 * the way the province abbreviates issuers, until the report's own number is known.
 */
export function annexTitles(options: { periodId: string; agencyName: string; agencyCode: string; reference?: AnnexReference }): string[] {
  const { reference } = options;
  const sign = options.agencyCode.split('-')[0]!.toLocaleUpperCase('vi');
  const number = reference?.number?.trim() ? reference.number.trim() : `${DOTS}/BC-${sign}`;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(reference?.issuedOn ?? '');
  const date = day ? `ngày ${day[3]} tháng ${day[2]} năm ${day[1]}` : `ngày ${DOTS} tháng ${DOTS} năm ${DOTS}`;
  const issuer = reference?.issuerName?.trim() ? reference.issuerName.trim() : options.agencyName;
  return [
    ANNEX_TITLE,
    `${annexPeriodPhrase(options.periodId)} TẠI ${options.agencyName.toLocaleUpperCase('vi')}`,
    `(Kèm theo Báo cáo số ${number} ${date} của ${issuer})`,
  ];
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
        number: ind.valueType !== 'section' && ind.valueType !== 'text' && typeof cell?.value === 'number' ? cell.value : null,
        numFmt: ind.valueType !== 'section' && typeof cell?.value === 'number' ? annexNumberFormat(ind, cell.value) : null,
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
    // Rows without a name (the "Số lượng/tỷ lệ" sub-header, blank lines) carry no indicator; one holding only a
    // note continues the note above it (the XLSX export splits a long note over rows, as the printed annex does).
    if (cell(name) === '') {
      const previous = rows.at(-1);
      const only = r.every((c, at) => at === note || (c ?? '').replace(/\u00a0/g, ' ').trim() === '');
      if (previous && only && cell(note) !== '') previous.note = previous.note === '' ? cell(note) : `${previous.note} ${cell(note)}`;
      return;
    }
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

/**
 * Splits a long text at single spaces into pieces of at most `maxChars` characters (a piece longer only where no
 * space allows a cut); joined with one space they give the text back exactly.
 */
export function splitAtSpaces(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    let cut = -1;
    for (let i = Math.min(maxChars, rest.length - 2); i > maxChars / 2; i--) {
      if (rest[i] === ' ' && !/\s/.test(rest[i - 1]!) && !/\s/.test(rest[i + 1]!)) {
        cut = i;
        break;
      }
    }
    if (cut < 0) break;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  pieces.push(rest);
  return pieces;
}
