/**
 * Indicator values: what agencies submit and what dashboards pull.
 *
 * Submissions upsert on (period, agency, indicator) and answer an import summary. Each row is checked on its own
 * (type, range, codes, template membership, derived indicators) and refused with a stable code and its index;
 * valid rows are written unless the submission is atomic. Writes to one report are serialised by an advisory
 * lock, compared with what is stored (so a repeated payload is all unchanged and writes nothing), and audited
 * with old and new value in the same transaction. Rule findings are computed on the report as it stands after
 * the submission (or would stand, for a dry run).
 */
import type { Db, Tx } from '../../db/connection.js';
import type { ReportedValue } from '../../domain/indicators.js';
import { checkRules, computeReport, type Finding, type ReportCell } from '../../domain/report.js';
import { windowTotals } from '../dossiers/repository.js';
import { aggregatesNeeded, rollupIndicator, type Aggregates } from '../../domain/rollup.js';
import type { Principal } from '../../domain/roles.js';
import type { SubmissionRowCode } from '../../domain/row-codes.js';
import { ProblemError, type ProblemCode } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../schemas/cursor.js';
import type { WriteContext } from '../audit/repository.js';
import { requireAgency } from '../agencies/lookup.js';
import { findAgencies, subtreeCodes } from '../agencies/repository.js';
import { findPeriodsWithTemplate, findPeriodWithTemplate, listPeriods } from '../periods/repository.js';
import type { LoadedTemplate, TemplateService } from '../templates/service.js';
import { ensureReportStates, reportStates } from '../reports/repository.js';
import { missingDocuments } from '../documents/repository.js';
import * as repo from './repository.js';
import { acceptRows, BATCH_CHUNK_ROWS, BATCH_PARALLELISM, chunkByReport, diffRows, groupByReport, mergeSummaries, reportKey, valueKey, type InputRow } from './submission.js';
import type { ImportSummary, ValueItem, ValuesQuery } from './schemas.js';

/** A figure taken from the dossier counts. */
type Counted = { value: number; source: 'dossier-counts'; systems: string[]; asOf: string };

type Conflict = ImportSummary['conflicts'][number];
type KeyedFinding = Finding & { period: string; agency: string };

export function createValueService(db: Db, deps: { templates: TemplateService }) {
  /** The template (and version) each period used at its last roll-up: a guess, always checked. */
  const periodTemplates = new Map<string, { templateId: string; stamp: number }>();

  /** A period that takes values, with its template; or why not, as a problem code and sentence. */
  type Refusal = { code: SubmissionRowCode & ProblemCode; message: string };

  /** Each period that takes values, with its template; or why not. One query for all of them. */
  async function writablePeriods(tx: Tx, ids: string[], principal: Principal | undefined): Promise<Map<string, { template: LoadedTemplate } | Refusal>> {
    const found = await findPeriodsWithTemplate(tx, ids);
    const out = new Map<string, { template: LoadedTemplate } | Refusal>();
    for (const id of ids) {
      const period = found.get(id);
      if (!period) out.set(id, { code: 'PERIOD_NOT_FOUND', message: `No reporting period ${id}` });
      else if (period.state === 'locked') out.set(id, { code: 'PERIOD_LOCKED', message: `The reporting period ${id} is locked; no value may change` });
      else if (period.state === 'closed' && principal?.role !== 'admin') {
        out.set(id, { code: 'PERIOD_CLOSED', message: `The reporting period ${id} is closed; only an admin may still correct it` });
      } else if (!period.templateId) out.set(id, { code: 'PERIOD_HAS_NO_TEMPLATE', message: `The reporting period ${id} has no indicator template yet` });
      else out.set(id, { template: await deps.templates.load(period.templateId, tx, period.templateUpdatedAt ?? undefined) });
    }
    return out;
  }

  /** For each agency, null when the principal may write its values, else why not. Two queries at most. */
  async function writableAgencies(tx: Tx, codes: string[], principal: Principal | undefined): Promise<Map<string, Refusal | null>> {
    const found = await findAgencies(tx, codes);
    const scope = principal?.role === 'agency' && principal.agencyCode ? await subtreeCodes(tx, principal.agencyCode) : undefined;
    const out = new Map<string, Refusal | null>();
    for (const code of codes) {
      const agency = found.get(code);
      if (!agency) out.set(code, { code: 'AGENCY_NOT_FOUND', message: `No agency has the code ${code}` });
      else if (!agency.active) out.set(code, { code: 'AGENCY_NOT_ACTIVE', message: `The agency ${code} is inactive` });
      else if (principal?.role === 'admin' || scope?.has(code)) out.set(code, null);
      else out.set(code, { code: 'FORBIDDEN', message: `This key may not write values for ${code}` });
    }
    return out;
  }

  /** The template a report's period uses, for reads (one query when the compiled template is cached). */
  async function readablePeriod(tx: Tx, periodId: string): Promise<LoadedTemplate> {
    const period = await findPeriodWithTemplate(tx, periodId);
    if (!period) throw new ProblemError('PERIOD_NOT_FOUND', `No reporting period ${periodId}`);
    if (!period.templateId) throw new ProblemError('PERIOD_HAS_NO_TEMPLATE', `The reporting period ${periodId} has no indicator template yet`);
    return deps.templates.load(period.templateId, tx, period.templateUpdatedAt ?? undefined);
  }

  /** Cells of a report; counted figures stand in for what the agency did not report (and feed the formulas). */
  function cellsOf(template: LoadedTemplate, rows: repo.StoredValue[], counted: Map<string, Counted> = new Map()): Map<string, ReportCell> {
    const reported = new Map<string, ReportedValue>(rows.map((r) => [r.indicatorCode, repo.valueOf(r)]));
    const standIns = [...counted].filter(([code]) => !reported.has(code));
    for (const [code, c] of standIns) reported.set(code, c.value);
    const cells = computeReport(template.compiled, reported);
    for (const [code] of standIns) cells.set(code, { ...cells.get(code)!, status: 'counted' });
    return cells;
  }

  function findingsOf(template: LoadedTemplate, key: repo.ReportKey, rows: repo.StoredValue[], counted: Map<string, Counted> = new Map()) {
    const outcome = checkRules(template.compiled, cellsOf(template, rows, counted));
    const mismatches: Finding[] = rows.flatMap((row) => {
      const c = counted.get(row.indicatorCode);
      const value = repo.valueOf(row);
      if (!c || typeof value !== 'number' || value === c.value) return [];
      return [{
        rule: 'COUNTS_MISMATCH',
        severity: 'warning' as const,
        message: `${row.indicatorCode} is reported as ${value}, but the dossier counts give ${c.value} (${c.systems.join(', ')}, as of ${c.asOf})`,
        indicators: [row.indicatorCode],
        left: { expression: row.indicatorCode, value },
        op: '=' as const,
        right: { expression: 'dossier counts', value: c.value },
      }];
    });
    return { findings: [...outcome.findings, ...mismatches].map((f) => ({ period: key.periodId, agency: key.agencyCode, ...f })), skipped: outcome.skipped };
  }

  /** The template's count-fed indicators, from the agency's own dossier counts in the period's window. */
  async function countedFor(tx: Tx, template: LoadedTemplate, key: repo.ReportKey): Promise<Map<string, Counted>> {
    const fed = template.indicators.filter((i) => i.fromCounts);
    if (fed.length === 0) return new Map();
    const period = await findPeriodWithTemplate(tx, key.periodId);
    if (!period) return new Map();
    const [window] = await windowTotals(tx, { from: period.startsOn, to: period.endsOn, root: key.agencyCode, subtree: false, groupBy: 'none' });
    if (!window) return new Map();
    return new Map(fed.map((i) => [i.code, { value: window.totals[i.fromCounts!], source: 'dossier-counts' as const, systems: window.sources, asOf: window.asOf.toISOString() }]));
  }

  function toItems(template: LoadedTemplate, key: repo.ReportKey, rows: repo.ValueRow[], evidence: Map<string, string[]>, keep: (code: string) => boolean, counted: Map<string, Counted> = new Map()): ValueItem[] {
    const stored = new Map(rows.map((r) => [r.indicatorCode, r]));
    const cells = cellsOf(template, rows, counted);
    const items: ValueItem[] = [];
    for (const code of template.compiled.order) {
      const cell = cells.get(code);
      if (!cell || !keep(code)) continue;
      const row = stored.get(code);
      items.push({
        period: key.periodId,
        agency: key.agencyCode,
        indicator: code,
        value: cell.value,
        status: cell.status,
        ...(cell.derived && { derived: cell.derived }),
        ...(counted.has(code) && { fromCounts: counted.get(code)! }),
        note: row?.note ?? null,
        evidence: evidence.get(valueKey(key, code)) ?? [],
        updatedAt: row ? row.updatedAt.toISOString() : null,
        updatedBy: row?.updatedBy ?? null,
      });
    }
    return items;
  }

  /**
   * The core of both submission routes. `requestLevel` (the one-report route) turns a refusal that would hit
   * every row (period, agency, role) into a problem answer instead of one conflict per row.
   */
  async function apply(ctx: WriteContext, rows: InputRow[], options: { dryRun: boolean; atomic: boolean }, requestLevel: boolean): Promise<ImportSummary> {
    return db.transaction(async (tx) => {
      const conflicts: Conflict[] = [];
      const reject = (row: InputRow, code: SubmissionRowCode, message: string) =>
        conflicts.push({ index: row.index, indicator: row.indicator, ...(!requestLevel && { period: row.periodId, agency: row.agencyCode }), code, message });

      // Report-level checks, once per period and per agency.
      const periodChecks = await writablePeriods(tx, [...new Set(rows.map((r) => r.periodId))], ctx.principal);
      const agencyChecks = await writableAgencies(tx, [...new Set(rows.map((r) => r.agencyCode))], ctx.principal);
      if (requestLevel) {
        for (const check of [...agencyChecks.values(), ...periodChecks.values()]) {
          if (check && 'code' in check) throw new ProblemError(check.code, check.message);
        }
      }

      // Only codes missing from their period's template need the question "is it in any template?".
      const unknownCodes = rows.filter((r) => {
        const period = periodChecks.get(r.periodId)!;
        return 'template' in period && !period.template.compiled.defs.has(r.indicator);
      });
      const knownAnywhere = await repo.indicatorCodesAnywhere(tx, [...new Set(unknownCodes.map((r) => r.indicator))]);
      let accepted = acceptRows(rows, periodChecks, agencyChecks, knownAnywhere, reject);
      // New evidence must name registered documents; a link kept from before the registry may stay as it is.
      const missing = await missingDocuments(tx, accepted.flatMap((r) => r.evidence ?? []));
      if (missing.size > 0) {
        const linked = await repo.loadEvidence(tx, [...new Map(accepted.map((r) => [reportKey(r), { periodId: r.periodId, agencyCode: r.agencyCode }])).values()]);
        const unknownOf = (r: InputRow) => (r.evidence ?? []).filter((id) => missing.has(id) && !linked.get(valueKey(r, r.indicator))?.includes(id));
        for (const row of accepted) if (unknownOf(row).length) reject(row, 'EVIDENCE_NOT_FOUND', `No registered document has the id ${unknownOf(row).join(', ')}`);
        accepted = accepted.filter((r) => unknownOf(r).length === 0);
      }

      // Compare with what is stored, under the reports' locks.
      let keys = [...new Map(accepted.map((r) => [reportKey(r), { periodId: r.periodId, agencyCode: r.agencyCode }])).values()];
      await repo.lockReports(tx, keys);
      // A submitted or accepted report is frozen until it is returned or reopened. A write also makes sure
      // each report exists (as a draft); a dry run only looks.
      const states = options.dryRun ? await reportStates(tx, keys) : await ensureReportStates(tx, keys);
      const frozen = new Map(keys.flatMap((k) => {
        const state = states.get(reportKey(k));
        return state === 'submitted' || state === 'accepted' ? [[reportKey(k), state] as const] : [];
      }));
      if (frozen.size > 0) {
        const [key, state] = [...frozen][0]!;
        if (requestLevel) throw new ProblemError(frozenCode(state), `The report ${key} is ${state}; its values cannot change until it is returned or reopened`);
        for (const row of accepted.filter((r) => frozen.has(reportKey(r)))) {
          const s = frozen.get(reportKey(row))!;
          reject(row, frozenCode(s), `The report ${reportKey(row)} is ${s}; its values cannot change until it is returned or reopened`);
        }
        accepted = accepted.filter((r) => !frozen.has(reportKey(r)));
        keys = keys.filter((k) => !frozen.has(reportKey(k)));
      }
      const existingRows = await repo.loadReports(tx, keys);
      const existing = new Map(existingRows.map((r) => [valueKey(r, r.indicatorCode), r]));
      const needEvidence = accepted.some((r) => r.evidence !== undefined);
      const existingEvidence = needEvidence ? await repo.loadEvidence(tx, keys) : new Map<string, string[]>();

      const { writes, audits, evidenceWrites, created, updated, unchanged, after } = diffRows(accepted, existing, existingEvidence, ctx.actor);

      const findings: KeyedFinding[] = [];
      const templateOf = new Map(accepted.map((r) => [reportKey(r), r.template]));
      const rowsAfter = groupByReport(after.values());
      for (const key of keys) findings.push(...findingsOf(templateOf.get(reportKey(key))!, key, rowsAfter.get(reportKey(key)) ?? []).findings);

      const summary: ImportSummary = {
        dryRun: options.dryRun,
        atomic: options.atomic,
        written: false,
        created,
        updated,
        unchanged,
        rejected: conflicts.length,
        conflicts: conflicts.sort((a, b) => a.index - b.index),
        findings: requestLevel ? findings.map(({ period: _p, agency: _a, ...f }) => f) : findings,
      };
      if (options.atomic && conflicts.length > 0) {
        throw new ProblemError('SUBMISSION_REJECTED', `${conflicts.length} of ${rows.length} values were refused; nothing was written`, {
          extra: { summary },
          errors: conflicts.map((c) => ({ in: 'body', pointer: `/values/${c.index}`, message: `${c.code}: ${c.message}` })),
        });
      }
      if (!options.dryRun && (writes.length > 0 || evidenceWrites.length > 0)) {
        await repo.upsertValues(tx, writes);
        await repo.insertValueAudit(tx, audits);
        for (const e of evidenceWrites) await repo.replaceEvidence(tx, e.key, e.ids);
        summary.written = true;
      }
      return summary;
    });
  }

  const isReportCursor = (v: unknown): v is repo.ReportKey =>
    typeof v === 'object' && v !== null && typeof (v as repo.ReportKey).periodId === 'string' && typeof (v as repo.ReportKey).agencyCode === 'string';
  const isAuditCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

  return {
    submitReport(ctx: WriteContext, key: repo.ReportKey, values: Array<{ indicator: string; value: unknown; note?: string | null | undefined; evidence?: string[] | undefined }>, options: { dryRun: boolean; atomic: boolean }) {
      return apply(ctx, values.map((v, index) => ({ ...v, index, ...key })), options, true);
    },

    /**
     * Many reports at once. Atomic: one transaction. Otherwise reports are independent, so they are written in
     * chunks of whole reports, several transactions at a time: the database works on them in parallel and this
     * process prepares the next chunk while it does. A retry after a failure is safe (what landed is unchanged).
     */
    async submitBatch(ctx: WriteContext, values: Array<{ period: string; agency: string; indicator: string; value: unknown; note?: string | null | undefined; evidence?: string[] | undefined }>, options: { dryRun: boolean; atomic: boolean }) {
      const rows = values.map(({ period, agency, ...v }, index) => ({ ...v, index, periodId: period, agencyCode: agency }));
      if (options.atomic) return apply(ctx, rows, options, false);
      const chunks = chunkByReport(rows, BATCH_CHUNK_ROWS);
      const summaries: ImportSummary[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(BATCH_PARALLELISM, chunks.length) }, async () => {
          while (next < chunks.length) summaries.push(await apply(ctx, chunks[next++]!, options, false));
        }),
      );
      return mergeSummaries(summaries, options);
    },

    async report(key: repo.ReportKey) {
      const { template, items } = await this.reportWithTemplate(key);
      return { period: key.periodId, agency: key.agencyCode, template: template.id, items };
    },

    /** A report's values with the template they are read through (for exports). */
    async reportWithTemplate(key: repo.ReportKey): Promise<{ template: LoadedTemplate; items: ValueItem[] }> {
      const template = await readablePeriod(db, key.periodId);
      await requireAgency(db, key.agencyCode);
      const rows = await repo.loadReports(db, [key]);
      const evidence = await repo.loadEvidence(db, [key]);
      const counted = await countedFor(db, template, key);
      return { template, items: toItems(template, key, rows, evidence, () => true, counted) };
    },

    templateOfPeriod: (periodId: string) => readablePeriod(db, periodId),

    /** Inside a transaction (submitting a report), pass it: PGlite has a single connection. */
    async findings(key: repo.ReportKey, tx: Tx = db) {
      const template = await readablePeriod(tx, key.periodId);
      await requireAgency(tx, key.agencyCode);
      const { findings, skipped } = findingsOf(template, key, await repo.loadReports(tx, [key]), await countedFor(tx, template, key));
      return { period: key.periodId, agency: key.agencyCode, template: template.id, findings: findings.map(({ period: _p, agency: _a, ...f }) => f), skipped };
    },

    async remove(ctx: WriteContext, key: repo.ReportKey, indicator: string): Promise<void> {
      await db.transaction(async (tx) => {
        const agency = (await writableAgencies(tx, [key.agencyCode], ctx.principal)).get(key.agencyCode);
        if (agency) throw new ProblemError(agency.code, agency.message);
        const period = (await writablePeriods(tx, [key.periodId], ctx.principal)).get(key.periodId)!;
        if ('code' in period) throw new ProblemError(period.code, period.message);
        await repo.lockReports(tx, [key]);
        const state = (await reportStates(tx, [key])).get(reportKey(key));
        if (state === 'submitted' || state === 'accepted') {
          throw new ProblemError(frozenCode(state), `The report ${reportKey(key)} is ${state}; its values cannot change until it is returned or reopened`);
        }
        const old = await repo.deleteValue(tx, { ...key, indicatorCode: indicator });
        if (!old) throw new ProblemError('VALUE_NOT_FOUND', `No value is stored for ${indicator} in ${key.periodId}/${key.agencyCode}`);
        await repo.insertValueAudit(tx, [{
          actorKeyId: ctx.actor.keyId,
          requestId: ctx.actor.requestId,
          ...key,
          indicatorCode: indicator,
          action: 'delete',
          oldValue: repo.valueOf(old),
          newValue: null,
          oldNote: old.note,
          newNote: null,
        }]);
      });
    },

    async audit(key: repo.ReportKey, query: { indicator?: string | undefined; cursor?: string | undefined; limit?: number | undefined }) {
      await readablePeriod(db, key.periodId);
      await requireAgency(db, key.agencyCode);
      const limit = query.limit ?? 100;
      const rows = await repo.listValueAudit(db, { ...key, indicatorCode: query.indicator, beforeId: query.cursor ? decodeCursor(query.cursor, isAuditCursor) : undefined, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          actorKeyId: r.actorKeyId,
          requestId: r.requestId,
          period: r.periodId,
          agency: r.agencyCode,
          indicator: r.indicatorCode,
          action: r.action,
          oldValue: (r.oldValue ?? null) as ReportedValue,
          newValue: (r.newValue ?? null) as ReportedValue,
          oldNote: r.oldNote,
          newNote: r.newNote,
        })),
        nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null,
      };
    },

    /** Dashboard read: values (reported and derived) of whole reports, filtered, a page of reports at a time. */
    async list(query: ValuesQuery): Promise<{ items: ValueItem[]; nextCursor: string | null }> {
      const limit = query.limit ?? 50;
      let agencies: string[] | undefined;
      if (query.agency) {
        await requireAgency(db, query.agency);
        agencies = query.subtree ? [...(await subtreeCodes(db, query.agency))] : [query.agency];
      }
      const keys = await repo.reportKeys(db, {
        periods: query.period,
        agencies,
        after: query.cursor ? decodeCursor(query.cursor, isReportCursor) : undefined,
        limit: limit + 1,
      });
      const page = keys.slice(0, limit);
      const rows = await repo.loadReports(db, page);
      const evidence = await repo.loadEvidence(db, page);
      const byReport = groupByReport(rows);
      const indicators = query.indicator?.length ? new Set(query.indicator) : undefined;
      const keep = (code: string) =>
        (!indicators || indicators.has(code)) && (!query.section || code === query.section || code.startsWith(`${query.section}.`));
      const templates = new Map<string, LoadedTemplate>();
      const items: ValueItem[] = [];
      for (const key of page) {
        if (!templates.has(key.periodId)) templates.set(key.periodId, await readablePeriod(db, key.periodId));
        items.push(...toItems(templates.get(key.periodId)!, key, byReport.get(reportKey(key)) ?? [], evidence, keep));
      }
      return { items, nextCursor: keys.length > limit ? encodeCursor(page.at(-1)!) : null };
    },

    /**
     * Roll-up of indicators over an agency's subtree for a period, by each indicator's roll-up rule. Dashboards
     * poll this, so the common case is one statement: the template the period used last time is assumed, and the
     * statement itself returns the period's current template version; on a mismatch the roll-up is redone.
     */
    async rollup(query: { period: string; agency: string; indicator?: string[] | undefined; section?: string | undefined }) {
      const hint = periodTemplates.get(query.period);
      let template = hint ? deps.templates.cached(hint.templateId, hint.stamp) : undefined;
      for (let attempt = 0; ; attempt++) {
        template ??= await readablePeriod(db, query.period);
        const codes = selectCodes(template, query.indicator, query.section);
        const result = await repo.subtreeAggregates(db, { periods: [query.period], root: query.agency, codes: aggregatesNeeded(template.compiled, codes) });
        const current = result.firstPeriod;
        if (current.templateId !== template.id || current.templateStamp !== template.updatedAt) {
          periodTemplates.delete(query.period);
          if (attempt > 0) throw new ProblemError('CONFLICT', 'The template changed while rolling up; retry');
          template = undefined;
          continue;
        }
        periodTemplates.set(query.period, { templateId: template.id, stamp: template.updatedAt });
        if (result.treeSize === 0) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${query.agency}`);
        const byCode = result.byPeriod.get(query.period) ?? new Map<string, Aggregates>();
        return {
          period: query.period,
          agency: query.agency,
          template: template.id,
          agenciesInTree: result.treeSize,
          items: codes.map((code) => ({ ...rollupIndicator(template!.compiled, code, byCode), rollup: template!.compiled.defs.get(code)!.rollup })),
        };
      }
    },

    /** One indicator across the periods of a kind: one agency's figures, or its subtree rolled up. */
    async series(query: { indicator: string; agency: string; kind?: string | undefined; fromYear?: number | undefined; toYear?: number | undefined; subtree?: boolean | undefined }) {
      await requireAgency(db, query.agency);
      const kind = (query.kind ?? 'year') as Parameters<typeof listPeriods>[1]['kind'];
      const periods = (await listPeriods(db, { kind, limit: 10_000 })).filter(
        (p) => p.templateId && (query.fromYear === undefined || p.year >= query.fromYear) && (query.toYear === undefined || p.year <= query.toYear),
      );
      const withIndicator: Array<{ id: string; template: LoadedTemplate }> = [];
      for (const p of periods) {
        const template = await deps.templates.load(p.templateId!);
        if (template.compiled.defs.has(query.indicator)) withIndicator.push({ id: p.id, template });
      }
      const items: Array<{ period: string; value: ReportedValue; status: string }> = [];
      if (query.subtree) {
        const codes = [...new Set(withIndicator.flatMap((p) => aggregatesNeeded(p.template.compiled, [query.indicator])))];
        const aggregates = withIndicator.length ? (await repo.subtreeAggregates(db, { periods: withIndicator.map((p) => p.id), root: query.agency, codes })).byPeriod : new Map();
        for (const p of withIndicator) {
          const r = rollupIndicator(p.template.compiled, query.indicator, aggregates.get(p.id) ?? new Map());
          items.push({ period: p.id, value: r.value, status: r.status });
        }
      } else {
        const keys = withIndicator.map((p) => ({ periodId: p.id, agencyCode: query.agency }));
        const rows = await repo.loadReports(db, keys);
        for (const p of withIndicator) {
          const cell = cellsOf(p.template, rows.filter((r) => r.periodId === p.id)).get(query.indicator);
          items.push({ period: p.id, value: cell?.value ?? null, status: cell?.status ?? 'not_reported' });
        }
      }
      return { indicator: query.indicator, agency: query.agency, subtree: query.subtree ?? false, items };
    },
  };
}

const frozenCode = (state: 'submitted' | 'accepted'): SubmissionRowCode & ProblemCode => (state === 'submitted' ? 'REPORT_SUBMITTED' : 'REPORT_ACCEPTED');

/** The requested indicators of a template that have a value (all of them when none is named). */
function selectCodes(template: LoadedTemplate, indicators: string[] | undefined, section: string | undefined): string[] {
  const defs = template.compiled.defs;
  if (indicators?.length) {
    const unknown = indicators.filter((c) => !defs.has(c));
    if (unknown.length) throw new ProblemError('INDICATOR_NOT_FOUND', `Template ${template.id} has no indicator ${unknown.join(', ')}`);
  }
  return template.compiled.order.filter(
    (code) =>
      defs.get(code)!.valueType !== 'section' &&
      (!indicators?.length || indicators.includes(code)) &&
      (!section || code === section || code.startsWith(`${section}.`)),
  );
}

export type ValueService = ReturnType<typeof createValueService>;
