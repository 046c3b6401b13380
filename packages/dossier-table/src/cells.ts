/**
 * Reading one cell. Cells come from CSV (always text) or XLSX (text, numbers, Date for date cells, and exceljs's
 * objects for formulas, rich text and hyperlinks). Each reader answers a value or the reason it cannot; blank
 * is null: not reported, which is not 0. Pure functions, no I/O.
 */

export type Plain = string | number | boolean | Date | null;
export type Read<T> = { ok: true; value: T } | { ok: false; code: string; reason: string };

/** The largest count the service stores (a Postgres integer). */
export const MAX_COUNT = 2_147_483_647;
/** Vietnam has one time zone, UTC+7, and no daylight saving. */
const VIETNAM_OFFSET_MINUTES = 7 * 60;

const fail = (code: string, reason: string): { ok: false; code: string; reason: string } => ({ ok: false, code, reason });

/** A spreadsheet cell as a plain value: a formula by its result, rich text by its text, a hyperlink by its text. */
export function plainCell(cell: unknown): Plain {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string' || typeof cell === 'number' || typeof cell === 'boolean' || cell instanceof Date) return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'object') {
    const o = cell as Record<string, unknown>;
    if ('result' in o) return plainCell(o.result);
    if (Array.isArray(o.richText)) return o.richText.map((r) => (r as { text?: string }).text ?? '').join('');
    if ('text' in o) return plainCell(o.text);
    if ('error' in o) return String(o.error);
  }
  // Left: a symbol, a function, or an object ExcelJS does not produce: it reads as String() makes it ('[object Object]').
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
  return String(cell);
}

export function isBlank(cell: Plain): boolean {
  return cell === null || (typeof cell === 'string' && cell.replace(/\u00a0/g, ' ').trim() === '');
}

const clean = (text: string) => text.replace(/\u00a0/g, ' ').trim();

/** A code or name: text, or a whole number an XLSX stored as a number. */
export function readText(cell: Plain, maxLength: number): Read<string | null> {
  if (isBlank(cell)) return { ok: true, value: null };
  let text: string;
  if (typeof cell === 'string') text = clean(cell);
  else if (typeof cell === 'number' && Number.isInteger(cell)) text = String(cell);
  else return fail('INVALID_TEXT', `${describe(cell)} is not a code`);
  if (text.length > maxLength) return fail('TOO_LONG', `"${text.slice(0, 50)}…" is longer than ${maxLength} characters`);
  return { ok: true, value: text };
}

/**
 * A count as Vietnamese exports write it: "1.473" and "1 473" are 1473 (a dot or space groups thousands), "03"
 * is 3. A comma is the Vietnamese decimal mark, so "1,5" is not a whole number; "1,473" is refused rather than
 * guessed, since an English-locale export means 1473 by it and a Vietnamese one 1.473.
 */
export function readCount(cell: Plain): Read<number | null> {
  if (isBlank(cell)) return { ok: true, value: null };
  let value: number;
  if (typeof cell === 'number') value = cell;
  else if (typeof cell === 'string') {
    const text = clean(cell).replace(/^[−–]/, '-');
    const m = /^([-+]?)\s*(\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+|\d+)$/.exec(text);
    if (!m) {
      if (/^[-+]?\s*[\d.\s]+,\d+$|^[-+]?\d*\.\d+$/.test(text)) return fail('NOT_INTEGER', `"${text}" is not a whole number of dossiers`);
      return fail('INVALID_NUMBER', `"${text}" is not a number`);
    }
    value = (m[1] === '-' ? -1 : 1) * Number(m[2]!.replace(/[. ]/g, ''));
  } else return fail('INVALID_NUMBER', `${describe(cell)} is not a number`);
  if (!Number.isFinite(value) || !Number.isInteger(value)) return fail('NOT_INTEGER', `${value} is not a whole number of dossiers`);
  if (value < 0) return fail('NEGATIVE_COUNT', `${value}: counts are never negative`);
  if (value > MAX_COUNT) return fail('TOO_LARGE', `${value} is larger than ${MAX_COUNT}`);
  return { ok: true, value: value === 0 ? 0 : value };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function isoDay(y: number, m: number, d: number): Read<string> {
  if (!isCalendarDate(y, m, d)) return fail('INVALID_DATE', `${pad(d)}/${pad(m)}/${y} is not a day of the calendar`);
  return { ok: true, value: `${pad(y, 4)}-${pad(m)}-${pad(d)}` };
}

/** d/m/y with / . or - between (Vietnamese order), or yyyy-mm-dd; day first, always: 03/04/2023 is 3 April. */
function dayOf(text: string): { y: number; m: number; d: number } | undefined {
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (m) return { d: Number(m[1]), m: Number(m[2]), y: Number(m[3]) };
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (m) return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  return undefined;
}

/**
 * The day the counts are for, as yyyy-mm-dd. An XLSX date cell is a Date whose UTC fields are the day the sheet
 * shows (exceljs reads Excel's zone-less serial numbers that way). A midnight time after an ISO day is allowed,
 * since some exports write "2023-03-10 00:00:00".
 */
export function readDay(cell: Plain): Read<string | null> {
  if (isBlank(cell)) return { ok: true, value: null };
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return fail('INVALID_DATE', 'the date cell holds no date');
    return isoDay(cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate());
  }
  if (typeof cell !== 'string') return fail('INVALID_DATE', `${describe(cell)} is not a date (write dd/mm/yyyy)`);
  const text = clean(cell).replace(/[ T]00:00(?::00(?:\.0+)?)?$/, '');
  const day = dayOf(text);
  if (!day) return fail('INVALID_DATE', `"${clean(cell)}" is not a date (write dd/mm/yyyy or yyyy-mm-dd)`);
  return isoDay(day.y, day.m, day.d);
}

/** A wall-clock time at an offset from UTC, as an instant; undefined when a field is out of range. */
type Day = { y: number; m: number; d: number };

function instant(day: Day, h: number, mi: number, s: number, ms: number, offsetMinutes: number): Date | undefined {
  if (!isCalendarDate(day.y, day.m, day.d) || h > 23 || mi > 59 || s > 59) return undefined;
  return new Date(Date.UTC(day.y, day.m - 1, day.d, h, mi, s, ms) - offsetMinutes * 60_000);
}

/**
 * When the snapshot was taken, as an ISO instant in UTC ("2023-12-15T01:00:00.000Z"). Accepts an ISO date-time
 * with Z or an offset; and, read as Vietnam time (+07:00) because that is the clock the people who wrote it
 * looked at: an ISO date-time without offset, "dd/mm/yyyy HH:mm[:ss]", "HH:mm[:ss] dd/mm/yyyy", a bare day
 * (midnight), and an XLSX date cell (its UTC fields are the time the sheet shows).
 */
export function readAsOf(cell: Plain): Read<string | null> {
  if (isBlank(cell)) return { ok: true, value: null };
  const bad = (text: string) => fail('INVALID_AS_OF', `"${text}" is not a date-time (write dd/mm/yyyy HH:mm or ISO 8601)`);
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return fail('INVALID_AS_OF', 'the date cell holds no date');
    return { ok: true, value: new Date(cell.getTime() - VIETNAM_OFFSET_MINUTES * 60_000).toISOString() };
  }
  if (typeof cell !== 'string') return bad(String(cell));
  const text = clean(cell);
  const time = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?`;
  let day: { y: number; m: number; d: number } | undefined;
  let clock: string[];
  let offset = VIETNAM_OFFSET_MINUTES;
  let m = new RegExp(String.raw`^(\d{4}-\d{1,2}-\d{1,2})[T ]${time}\s*(Z|[+-]\d{2}(?::?\d{2})?)?$`, 'i').exec(text);
  if (m) {
    day = dayOf(m[1]!);
    clock = m.slice(2, 6);
    const zone = m[6];
    if (zone && /^z$/i.test(zone)) offset = 0;
    else if (zone) {
      const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      offset = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0));
    }
  } else if ((m = new RegExp(String.raw`^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s+${time}$`).exec(text))) {
    day = dayOf(m[1]!);
    clock = m.slice(2, 6);
  } else if ((m = new RegExp(String.raw`^${time}\s+(?:ngày\s+)?(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})$`, 'i').exec(text))) {
    day = dayOf(m[5]!);
    clock = m.slice(1, 5);
  } else {
    day = dayOf(text);
    clock = ['0', '0'];
  }
  if (!day) return bad(text);
  const [h, mi, s, frac] = clock;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  const at = instant(day, Number(h), Number(mi), Number(s ?? 0), ms, offset);
  return at ? { ok: true, value: at.toISOString() } : bad(text);
}

function describe(cell: Plain): string {
  if (cell instanceof Date) return 'a date';
  return typeof cell === 'string' ? `"${cell}"` : String(cell);
}
