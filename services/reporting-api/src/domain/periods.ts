/**
 * Reporting periods (kỳ báo cáo): identifiers and cut-off windows.
 *
 * Nghị định 09/2019/NĐ-CP, Điều 12: figures of a periodic report are cut off on the 14th; the window of a
 * period runs from the 15th of the month before it starts to the 14th of its last month. Every kind in this
 * province's reporting (month, quarter, six months, nine months, year) follows that rule, so windows are
 * computed here and stored with the period; an administrator may override them (real reports drift).
 *
 * Pure functions, no I/O.
 */

export const PERIOD_KINDS = ['month', 'quarter', 'half-year', 'nine-months', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export const PERIOD_STATES = ['open', 'closed', 'locked'] as const;
export type PeriodState = (typeof PERIOD_STATES)[number];

export interface PeriodRef {
  id: string;
  kind: PeriodKind;
  year: number;
  /** Month 1–12 for a month, quarter 1–4 for a quarter, absent otherwise. */
  number?: number;
}

export interface CutOffWindow {
  startsOn: string;
  endsOn: string;
}

/** `2023`, `2023-H1`, `2023-9M`, `2023-Q1`..`2023-Q4`, `2023-M01`..`2023-M12`. */
export const PERIOD_ID_PATTERN = '^[0-9]{4}(-(H1|9M|Q[1-4]|M(0[1-9]|1[0-2])))?$';
const periodIdRe = new RegExp(PERIOD_ID_PATTERN);

export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

/** Parses a period id; returns undefined for anything that is not exactly one of the documented forms. */
export function parsePeriodId(id: string): PeriodRef | undefined {
  if (!periodIdRe.test(id)) return undefined;
  const year = Number(id.slice(0, 4));
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  const suffix = id.slice(5);
  if (suffix === '') return { id, kind: 'year', year };
  if (suffix === 'H1') return { id, kind: 'half-year', year };
  if (suffix === '9M') return { id, kind: 'nine-months', year };
  const number = Number(suffix.slice(1));
  if (suffix.startsWith('Q')) return { id, kind: 'quarter', year, number };
  return { id, kind: 'month', year, number };
}

/** The id of a period, the inverse of parsePeriodId. */
export function formatPeriodId(kind: PeriodKind, year: number, number?: number): string {
  switch (kind) {
    case 'year':
      return String(year);
    case 'half-year':
      return `${year}-H1`;
    case 'nine-months':
      return `${year}-9M`;
    case 'quarter':
      return `${year}-Q${requireNumber(kind, number, 4)}`;
    case 'month':
      return `${year}-M${String(requireNumber(kind, number, 12)).padStart(2, '0')}`;
  }
}

function requireNumber(kind: PeriodKind, number: number | undefined, max: number): number {
  if (number === undefined || !Number.isInteger(number) || number < 1 || number > max) {
    throw new RangeError(`a ${kind} needs a number from 1 to ${max}`);
  }
  return number;
}

/** First and last calendar month (1–12) a period covers. */
function monthSpan(ref: PeriodRef): [first: number, last: number] {
  switch (ref.kind) {
    case 'year':
      return [1, 12];
    case 'half-year':
      return [1, 6];
    case 'nine-months':
      return [1, 9];
    case 'quarter': {
      const q = ref.number ?? 1;
      return [3 * q - 2, 3 * q];
    }
    case 'month': {
      const m = ref.number ?? 1;
      return [m, m];
    }
  }
}

/** ISO date (yyyy-mm-dd) of day `day` of month `month` (1-based, may be 0 = December of the year before). */
function isoDate(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.toISOString().slice(0, 10);
}

/** The cut-off window of Nghị định 09/2019: 15th of the month before the first month .. 14th of the last. */
export function cutOffWindow(ref: PeriodRef): CutOffWindow {
  const [first, last] = monthSpan(ref);
  return { startsOn: isoDate(ref.year, first - 1, 15), endsOn: isoDate(ref.year, last, 14) };
}

/**
 * Default submission deadline: the 20th of the month the window ends in, six days after the cut-off.
 * Nghị định 09/2019 leaves the deadline to whoever sets the reporting regime; the 20th is the latest date
 * it allows for reports to the Government, so a province's own deadline is never later. Overridable.
 */
export function defaultDueOn(window: CutOffWindow): string {
  return `${window.endsOn.slice(0, 8)}20`;
}

/** Every period of a year, year first, then the half, nine months, quarters and months. */
export function periodsOfYear(year: number): PeriodRef[] {
  const refs: PeriodRef[] = [];
  for (const kind of ['year', 'half-year', 'nine-months'] as const) refs.push({ id: formatPeriodId(kind, year), kind, year });
  for (let q = 1; q <= 4; q++) refs.push({ id: formatPeriodId('quarter', year, q), kind: 'quarter', year, number: q });
  for (let m = 1; m <= 12; m++) refs.push({ id: formatPeriodId('month', year, m), kind: 'month', year, number: m });
  return refs;
}

/** True when `isoDay` is a real calendar date written yyyy-mm-dd. */
export function isIsoDate(isoDay: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDay)) return false;
  const d = new Date(`${isoDay}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === isoDay;
}

/** Vietnam keeps UTC+7 all year (no daylight saving). */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** The calendar day in Vietnam of an instant, yyyy-mm-dd. */
export function vietnamDay(instant: Date): string {
  return new Date(instant.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** A report is on time when it was first submitted on or before the deadline day, in Vietnam. */
export function isOnTime(firstSubmittedAt: Date, dueOn: string): boolean {
  return vietnamDay(firstSubmittedAt) <= dueOn;
}
