/**
 * The official annex table of a report, exported as CSV (UTF-8 with a BOM) or XLSX, and imported back from a
 * filled file. Import goes through the same submission path as the API (checks, summary, dry run, atomic), so
 * an exported file imported again changes nothing: derived figures the file repeats are recognised, blank cells
 * stay blank, notes come back as they were.
 */
import type { Db } from '../../db/connection.js';
import {
  ANNEX_HEADER,
  type AnnexLine,
  type AnnexReference,
  annexLines,
  annexTitles,
  matchAnnexRows,
  readAnnexTable,
  readAnnexValue,
} from '../../domain/annex.js';
import { CsvError, parseCsv, toCsv } from '../../domain/csv.js';
import type { ReportedValue } from '../../domain/indicators.js';
import { ProblemError } from '../../errors.js';
import { requireAgency } from '../agencies/lookup.js';
import { findAgencies } from '../agencies/repository.js';
import { expectedOf } from './repository.js';
import { itemsOf } from './cells.js';
import type { ReportReader } from './context.js';
import type { DashboardService } from './dashboards.js';
import { annexReference } from './document.js';
import type { ReportKey } from './keys.js';
import type { ImportSummary } from './value-schemas.js';
import type { WriteContext } from '../../domain/actor.js';
import type { ValueService } from './values.js';
import { readWorkbook, type SheetCell, type SheetLayout, writeWorkbook, XLSX_TYPE } from './workbook.js';

export type AnnexFormat = 'csv' | 'xlsx';

export interface AnnexFile {
  filename: string;
  contentType: string;
  body: Buffer | string;
}

const CSV_TYPE = 'text/csv; charset=utf-8';

/** A table line: each cell as CSV text and as the workbook's cell (a number with its format where it is one). */
interface TableLine {
  cells: Array<{ text: string; cell: SheetCell }>;
  heading: boolean;
}

const text = (value: string) => ({ text: value, cell: value });
/** A value cell: its Vietnamese text for CSV, its number and format for XLSX. */
const valueCell = (line: AnnexLine) => ({
  text: line.value,
  cell: line.number !== null ? { number: line.number, numFmt: line.numFmt ?? '#,##0' } : line.value,
});

async function render(
  format: AnnexFormat,
  name: string,
  titles: string[],
  header: string[],
  widths: number[],
  lines: TableLine[],
  layout: SheetLayout,
): Promise<AnnexFile> {
  if (format === 'csv') return { filename: `${name}.csv`, contentType: CSV_TYPE, body: toCsv([header, ...lines.map((l) => l.cells.map((c) => c.text))]) };
  const sheetLines = lines.map((l) => ({ cells: l.cells.map((c) => c.cell), heading: l.heading }));
  return {
    filename: `${name}.xlsx`,
    contentType: XLSX_TYPE,
    body: await writeWorkbook({ sheetName: 'Phụ lục', titles, header, widths, lines: sheetLines, layout }),
  };
}

/** XLSX files are zip archives ("PK"); anything else is read as CSV text. */
async function readTable(file: Buffer): Promise<string[][]> {
  if (file.length >= 2 && file[0] === 0x50 && file[1] === 0x4b) {
    try {
      return await readWorkbook(file);
    } catch {
      throw new ProblemError('ANNEX_UNREADABLE', 'The file looks like an XLSX workbook but cannot be opened');
    }
  }
  try {
    return parseCsv(file.toString('utf8'));
  } catch (error) {
    if (error instanceof CsvError) throw new ProblemError('ANNEX_UNREADABLE', `The CSV cannot be read: ${error.message}`);
    throw error;
  }
}

export function createAnnexService(db: Db, deps: { values: ValueService; dashboards: DashboardService; reader: ReportReader }) {
  return {
    /**
     * One agency's report as the official table. `reference` is the report the annex is attached to (its number,
     * date and issuer for the title's "Kèm theo Báo cáo số …" line); dots where it is not known.
     */
    async exportReport(key: ReportKey, format: AnnexFormat, options: { supplementary: boolean; reference?: AnnexReference }): Promise<AnnexFile> {
      const context = await deps.reader.context(key);
      const byCode = new Map(itemsOf(context).map((i) => [i.indicator, i]));
      const lines = annexLines(context.template.indicators, (code) => byCode.get(code), options);
      // The report's own number and date (its document metadata) fill the "Kèm theo Báo cáo số …" line.
      const reference = options.reference ?? annexReference(context.document, context.agency.name);
      const titles = annexTitles({ periodId: key.periodId, agencyName: context.agency.name, agencyCode: key.agencyCode, reference });
      return render(
        format,
        `phu-luc-${key.periodId}-${key.agencyCode}`,
        titles,
        ANNEX_HEADER,
        // A4 portrait, fitted to its width (measured on LibreOffice's print of the reference annex: 7 pages, where
        // landscape takes 11): the note, the longest text, gets the widest column.
        [5, 42, 11, 12, 58],
        lines.map((l) => ({ cells: [text(l.stt), text(l.name), text(l.unit), valueCell(l), text(l.note)], heading: l.heading })),
        { orientation: 'portrait', fontSize: 11, continueColumn: 5 },
      );
    },

    /**
     * The province's table for a period: every expected agency side by side (or the subtree of `agency`), or one
     * column rolled up over the subtree by each indicator's roll-up rule.
     */
    async exportPeriod(
      periodId: string,
      options: { agency: string; mode: 'side-by-side' | 'rollup'; format: AnnexFormat; reference?: AnnexReference },
    ): Promise<AnnexFile> {
      const rootName = (await requireAgency(db, options.agency)).name;
      const titles = annexTitles({ periodId, agencyName: rootName, agencyCode: options.agency, reference: options.reference });
      if (options.mode === 'rollup') {
        const rollup = await deps.dashboards.rollup({ period: periodId, agency: options.agency });
        const template = await deps.reader.templateOfPeriod(periodId);
        const byCode = new Map(rollup.items.map((i) => [i.indicator, i]));
        const lines = annexLines(template.indicators, (code) => {
          const item = byCode.get(code);
          return item ? { value: item.value, note: null } : undefined;
        });
        return render(
          options.format,
          `phu-luc-${periodId}-${options.agency}-tong-hop`,
          titles,
          ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', `Tổng hợp (${rollup.agenciesInTree} cơ quan, đơn vị)`, 'Cách tổng hợp'],
          [6, 52, 14, 16, 12],
          lines.map((l) => ({
            cells: [text(l.stt), text(l.name), text(l.unit), valueCell(l), text(l.heading ? '' : (byCode.get(l.code)?.rollup ?? ''))],
            heading: l.heading,
          })),
          { orientation: 'portrait', fontSize: 11 },
        );
      }
      const expected = await expectedOf(db, periodId);
      const agencies = expected.length ? expected : [options.agency];
      const template = await deps.reader.templateOfPeriod(periodId);
      const columns: Array<{ code: string; cells: Map<string, { value: ReportedValue; note: string | null }> }> = [];
      const names = await findAgencies(db, agencies);
      for (const code of agencies) {
        const items = itemsOf(await deps.reader.context({ periodId, agencyCode: code }));
        columns.push({ code, cells: new Map(items.map((i) => [i.indicator, i])) });
      }
      const base = annexLines(template.indicators, () => undefined);
      const perAgency = columns.map((c) => annexLines(template.indicators, (code) => c.cells.get(code)));
      // Side by side a code shows as its number (the unit column explains it): labels do not fit narrow columns.
      const bare = (l: AnnexLine) => (l.number !== null && l.numFmt?.startsWith('[') ? { ...l, numFmt: '0' } : l);
      return render(
        options.format,
        `phu-luc-${periodId}-cac-co-quan`,
        titles,
        ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', ...agencies.map((code) => names.get(code)?.shortName ?? code)],
        // A4 landscape, fitted to its width: names on two lines at most, an agency a narrow column under its name.
        [5, 58, 14, ...agencies.map(() => 5.5)],
        base.map((l, i) => ({
          cells: [text(l.stt), text(l.name), text(l.unit), ...perAgency.map((lines) => valueCell(bare(lines[i]!)))],
          heading: l.heading,
        })),
        { orientation: 'landscape', fontSize: 10, rotateHeaderFrom: 4 },
      );
    },

    /**
     * Reads a filled table (CSV or XLSX) and submits its values. Rows are matched to indicators by name (and by
     * STT where the name matches nothing); conflicts carry the file's row numbers. Atomic by default: a row that
     * cannot be matched or read refuses the whole file.
     */
    async importReport(ctx: WriteContext, key: ReportKey, file: Buffer, options: { dryRun: boolean; atomic: boolean }): Promise<ImportSummary> {
      const rows = readAnnexTable(await readTable(file));
      if (!rows) throw new ProblemError('ANNEX_UNREADABLE', 'No header row with "STT" and "Chỉ tiêu thống kê" was found');
      const context = await deps.reader.context(key);
      const { template } = context;
      const items = itemsOf(context);
      const indicators = template.indicators;
      const current = new Map(items.map((i) => [i.indicator, i]));
      const { matched, unmatched } = matchAnnexRows(indicators, rows);

      const preliminary: ImportSummary['conflicts'] = unmatched.map((r) => ({
        index: -1,
        row: r.row,
        indicator: '',
        code: 'ROW_UNMATCHED',
        message: `Row ${r.row} ("${r.stt} ${r.name}") matches no indicator of template ${template.id}`,
      }));
      const values: Array<{ indicator: string; value: unknown; note: string | null }> = [];
      const rowOf: number[] = [];
      for (const { row, indicator } of matched) {
        if (indicator.valueType === 'section') continue;
        const parsed = readAnnexValue(indicator, row.value);
        if (!parsed.ok) {
          preliminary.push({
            index: -1,
            row: row.row,
            indicator: indicator.code,
            code: 'VALUE_UNREADABLE',
            message: `Row ${row.row} (${indicator.code}): ${parsed.reason}`,
          });
          continue;
        }
        const stored = current.get(indicator.code);
        const note = row.note === '' ? null : row.note;
        // A derived figure the export wrote, repeated unchanged, is not a value the agency reports.
        if (indicator.formula && stored && stored.status !== 'reported' && parsed.value === stored.value && note === null) continue;
        if (parsed.value === null && note === null && (!stored || stored.status !== 'reported')) continue;
        values.push({ indicator: indicator.code, value: parsed.value, note });
        rowOf.push(row.row);
      }

      // Conflicts carry the file's row number (also as their index: a file has no payload positions).
      const withRows = (summary: ImportSummary): ImportSummary => {
        const conflicts = [...preliminary, ...summary.conflicts.map((c) => ({ ...c, row: rowOf[c.index]! }))]
          .map((c) => ({ ...c, index: c.row! }))
          .sort((x, y) => x.row! - y.row!);
        return { ...summary, rejected: conflicts.length, conflicts };
      };
      const nothing: ImportSummary = {
        dryRun: options.dryRun,
        atomic: options.atomic,
        written: false,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        conflicts: [],
        findings: [],
      };
      if (options.atomic && preliminary.length > 0) {
        // Check the readable rows too, so the answer lists every problem, then refuse the file.
        const checked = values.length ? await deps.values.submitReport(ctx, key, values, { dryRun: true, atomic: false }) : nothing;
        throw rejected(withRows({ ...checked, dryRun: options.dryRun, atomic: true, written: false }));
      }
      try {
        return withRows(values.length ? await deps.values.submitReport(ctx, key, values, options) : nothing);
      } catch (error) {
        if (error instanceof ProblemError && error.code === 'SUBMISSION_REJECTED') throw rejected(withRows(error.extra!.summary as ImportSummary));
        throw error;
      }
    },
  };
}

function rejected(summary: ImportSummary): ProblemError {
  return new ProblemError('SUBMISSION_REJECTED', `${summary.rejected} row(s) of the file were refused; nothing was written`, {
    extra: { summary },
    errors: summary.conflicts.map((c) => ({ in: 'body', pointer: `/rows/${c.row}`, message: `${c.code}: ${c.message}` })),
  });
}

export type AnnexService = ReturnType<typeof createAnnexService>;
