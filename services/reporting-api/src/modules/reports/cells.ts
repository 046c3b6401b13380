/**
 * A report's cells as the template sees them, and what reads show of them: counted figures stand in for what the
 * agency did not report (and feed the formulas), derived values are computed on every read, never stored.
 */
import type { ReportedValue } from '../../domain/indicators.js';
import { checkRules, computeReport, type Finding, type ReportCell } from '../../domain/report.js';
import type { LoadedTemplate } from '../templates/service.js';
import type { Counted, ReportContext } from './context.js';
import type { ReportKey } from './keys.js';
import type { ValueItem } from './value-schemas.js';

const NO_COUNTS = new Map<string, Counted>();

export function cellsOf(
  template: LoadedTemplate,
  reported: ReadonlyMap<string, ReportedValue>,
  counted: ReadonlyMap<string, Counted> = NO_COUNTS,
): Map<string, ReportCell> {
  const standIns = [...counted].filter(([code]) => !reported.has(code));
  let inputs = reported;
  if (standIns.length) {
    const withCounts = new Map(reported);
    for (const [code, c] of standIns) withCounts.set(code, c.value);
    inputs = withCounts;
  }
  const cells = computeReport(template.compiled, inputs);
  for (const [code] of standIns) cells.set(code, { ...cells.get(code)!, status: 'counted' });
  return cells;
}

/** The template's rules on the report, and the reported figures the dossier counts contradict. */
export function findingsOf(
  template: LoadedTemplate,
  key: ReportKey,
  reported: ReadonlyMap<string, ReportedValue>,
  counted: ReadonlyMap<string, Counted> = NO_COUNTS,
) {
  const outcome = checkRules(template.compiled, cellsOf(template, reported, counted));
  const mismatches: Finding[] = [];
  for (const [code, value] of reported) {
    const c = counted.get(code);
    if (!c || typeof value !== 'number' || value === c.value) continue;
    mismatches.push({
      rule: 'COUNTS_MISMATCH',
      severity: 'warning',
      message: `${code} is reported as ${value}, but the dossier counts give ${c.value} (${c.systems.join(', ')}, as of ${c.asOf})`,
      indicators: [code],
      left: { expression: code, value },
      op: '=',
      right: { expression: 'dossier counts', value: c.value },
    });
  }
  return { findings: [...outcome.findings, ...mismatches].map((f) => ({ period: key.periodId, agency: key.agencyCode, ...f })), skipped: outcome.skipped };
}

export const contextFindings = (ctx: ReportContext) => findingsOf(ctx.template, ctx.key, ctx.reported, ctx.counted);

/** The report's values in template order, reported, counted and derived; `keep` filters by indicator code. */
export function itemsOf(ctx: ReportContext, keep?: (code: string) => boolean): ValueItem[] {
  const { key, template, values, evidence, counted } = ctx;
  const cells = cellsOf(template, ctx.reported, counted);
  const items: ValueItem[] = [];
  for (const code of template.compiled.order) {
    const cell = cells.get(code);
    if (!cell || (keep && !keep(code))) continue;
    const stored = values.get(code);
    const item: ValueItem = {
      period: key.periodId,
      agency: key.agencyCode,
      indicator: code,
      value: cell.value,
      status: cell.status,
      note: stored?.note ?? null,
      evidence: evidence.get(code) ?? [],
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
    };
    if (cell.derived) item.derived = cell.derived;
    const c = counted.get(code);
    if (c) item.fromCounts = c;
    items.push(item);
  }
  return items;
}
