/**
 * The steps of a submission that need no database: checking rows, comparing them with what is stored, and
 * splitting and merging large batches. The service runs them inside its transaction.
 */
import { checkValue, type ReportedValue } from '../../domain/indicators.js';
import type { SubmissionRowCode } from '../../domain/row-codes.js';
import type { Actor } from '../../domain/actor.js';
import type { LoadedTemplate } from '../templates/service.js';
import { reportKey, valueKey, type ReportKey } from './keys.js';
import * as repo from './values-repository.js';
import type { ImportSummary } from './value-schemas.js';

export interface InputRow {
  index: number;
  periodId: string;
  agencyCode: string;
  indicator: string;
  value: unknown;
  note?: string | null | undefined;
  evidence?: string[] | undefined;
}

export function toStored(value: ReportedValue): Pick<repo.StoredValue, 'valueNum' | 'valueText'> {
  if (typeof value === 'number') return { valueNum: String(value), valueText: null };
  return { valueNum: null, valueText: value };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function groupByReport<T extends repo.StoredValue>(rows: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(reportKey(row));
    if (list) list.push(row);
    else out.set(reportKey(row), [row]);
  }
  return out;
}

export type AcceptedRow = InputRow & { value: ReportedValue; template: LoadedTemplate };
export type PeriodCheck = { template: LoadedTemplate } | { code: SubmissionRowCode; message: string };

/** Checks each row on its own (report refusals, duplicates, template membership, the value) and keeps the valid ones. */
export function acceptRows(
  rows: InputRow[],
  periodChecks: Map<string, PeriodCheck>,
  agencyChecks: Map<string, { code: SubmissionRowCode; message: string } | null>,
  knownAnywhere: Set<string>,
  reject: (row: InputRow, code: SubmissionRowCode, message: string) => void,
): AcceptedRow[] {
  const accepted: AcceptedRow[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const period = periodChecks.get(row.periodId)!;
    if ('code' in period) {
      reject(row, period.code, period.message);
      continue;
    }
    const agency = agencyChecks.get(row.agencyCode);
    if (agency) {
      reject(row, agency.code, agency.message);
      continue;
    }
    const key = valueKey(row, row.indicator);
    if (seen.has(key)) {
      reject(row, 'DUPLICATE_ROW', `${row.indicator} appears more than once for ${row.periodId}/${row.agencyCode}; send it once`);
      continue;
    }
    seen.add(key);
    const def = period.template.compiled.defs.get(row.indicator);
    if (!def) {
      if (knownAnywhere.has(row.indicator))
        reject(row, 'INDICATOR_NOT_IN_TEMPLATE', `${row.indicator} is not in template ${period.template.id}, which period ${row.periodId} uses`);
      else reject(row, 'INDICATOR_UNKNOWN', `No template has an indicator ${row.indicator}`);
      continue;
    }
    const check = checkValue(def, row.value);
    if (!check.ok) {
      reject(row, check.code, check.message);
      continue;
    }
    accepted.push({ ...row, value: check.value, template: period.template });
  }
  return accepted;
}

/**
 * Compares accepted rows with what is stored: what to write, what to audit, the counts of the summary, and the
 * reports as they will stand (for the findings). An omitted note or evidence keeps the stored one.
 */
export function diffRows(accepted: AcceptedRow[], existing: Map<string, repo.ValueRow>, existingEvidence: Map<string, string[]>, actor: Actor) {
  const now = new Date();
  const writes: repo.ValueWrite[] = [];
  const audits: repo.AuditWrite[] = [];
  const evidenceWrites: Array<{ key: ReportKey & { indicatorCode: string }; ids: string[] }> = [];
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const after = new Map<string, repo.StoredValue>(existing);
  for (const row of accepted) {
    const key = valueKey(row, row.indicator);
    const old = existing.get(key);
    const note = row.note === undefined ? (old?.note ?? null) : row.note;
    const oldValue = old ? repo.valueOf(old) : undefined;
    const evidenceChanged = row.evidence !== undefined && !sameSet(row.evidence, existingEvidence.get(key) ?? []);
    const valueChanged = !old || oldValue !== row.value || old.note !== note;
    if (!valueChanged && !evidenceChanged) {
      unchanged++;
      continue;
    }
    if (old) updated++;
    else created++;
    if (evidenceChanged) evidenceWrites.push({ key: { periodId: row.periodId, agencyCode: row.agencyCode, indicatorCode: row.indicator }, ids: row.evidence! });
    if (!valueChanged) continue;
    writes.push({
      periodId: row.periodId,
      agencyCode: row.agencyCode,
      indicatorCode: row.indicator,
      templateId: row.template.id,
      ...toStored(row.value),
      note,
      updatedAt: now,
      updatedBy: actor.keyId,
      createdBy: actor.keyId,
    });
    audits.push({
      actorKeyId: actor.keyId,
      requestId: actor.requestId,
      periodId: row.periodId,
      agencyCode: row.agencyCode,
      indicatorCode: row.indicator,
      action: old ? 'update' : 'create',
      oldValue: old ? oldValue : null,
      newValue: row.value,
      oldNote: old?.note ?? null,
      newNote: note,
    });
    after.set(key, { periodId: row.periodId, agencyCode: row.agencyCode, indicatorCode: row.indicator, ...toStored(row.value) });
  }
  return { writes, audits, evidenceWrites, created, updated, unchanged, after };
}

/** Rows per chunk of a non-atomic batch, and chunks in flight (the pool has 10 connections by default). */
export const BATCH_CHUNK_ROWS = 2000;
export const BATCH_PARALLELISM = 4;

/** Splits rows into chunks of whole reports (a report never spans two transactions), in payload order. */
export function chunkByReport(rows: InputRow[], maxRows: number): InputRow[][] {
  const byReport = new Map<string, InputRow[]>();
  for (const row of rows) {
    const list = byReport.get(reportKey(row));
    if (list) list.push(row);
    else byReport.set(reportKey(row), [row]);
  }
  const chunks: InputRow[][] = [];
  let current: InputRow[] = [];
  for (const group of byReport.values()) {
    if (current.length > 0 && current.length + group.length > maxRows) {
      chunks.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function mergeSummaries(parts: ImportSummary[], options: { dryRun: boolean; atomic: boolean }): ImportSummary {
  return {
    dryRun: options.dryRun,
    atomic: options.atomic,
    written: parts.some((p) => p.written),
    created: parts.reduce((n, p) => n + p.created, 0),
    updated: parts.reduce((n, p) => n + p.updated, 0),
    unchanged: parts.reduce((n, p) => n + p.unchanged, 0),
    rejected: parts.reduce((n, p) => n + p.rejected, 0),
    conflicts: parts.flatMap((p) => p.conflicts).sort((a, b) => a.index - b.index),
    findings: parts.flatMap((p) => p.findings).sort((a, b) => `${a.period}/${a.agency}`.localeCompare(`${b.period}/${b.agency}`)),
  };
}
