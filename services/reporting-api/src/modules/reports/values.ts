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
import { allowLongStatements, type Db, type Tx } from '../../db/connection.js';
import type { Metrics } from '../../metrics.js';
import type { ReportedValue } from '../../domain/indicators.js';
import type { Finding } from '../../domain/report.js';
import { frozenCode, frozenMessage, isFrozen } from '../../domain/report-workflow.js';
import type { Principal } from '../../domain/roles.js';
import type { SubmissionRowCode } from '../../domain/row-codes.js';
import { ProblemError, type ProblemCode } from '../../errors.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage } from '../../schemas/paging.js';
import type { WriteContext } from '../../domain/actor.js';
import { findAgencies, subtreeCodes } from '../agencies/repository.js';
import { missingDocuments } from '../documents/repository.js';
import { findPeriodsWithTemplate } from '../periods/repository.js';
import type { LoadedTemplate, TemplateService } from '../templates/service.js';
import { contextFindings, findingsOf, itemsOf } from './cells.js';
import type { ReportContext, ReportReader } from './context.js';
import { keyOf, reportKey, valueKey, type ReportKey } from './keys.js';
import { ensureReportStates, lockReports, reportStates, touchReports } from './repository.js';
import { acceptRows, BATCH_CHUNK_ROWS, BATCH_PARALLELISM, chunkByReport, diffRows, groupByReport, mergeSummaries, type InputRow } from './submission.js';
import * as repo from './values-repository.js';
import type { ImportSummary } from './value-schemas.js';

type Conflict = ImportSummary['conflicts'][number];
type KeyedFinding = Finding & { period: string; agency: string };

export interface ValueServiceDeps {
  templates: TemplateService;
  reader: ReportReader;
  metrics?: Pick<Metrics, 'valuesWritten'>;
  /** Statement timeout for a submission's transaction, ms: a batch for hundreds of agencies may take long. */
  bulkStatementTimeoutMs?: number;
}

export function createValueService(db: Db, deps: ValueServiceDeps) {
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

  /**
   * The core of both submission routes. `requestLevel` (the one-report route) turns a refusal that would hit
   * every row (period, agency, role) into a problem answer instead of one conflict per row.
   */
  async function apply(ctx: WriteContext, rows: InputRow[], options: { dryRun: boolean; atomic: boolean }, requestLevel: boolean): Promise<ImportSummary> {
    const result = await db.transaction(async (tx) => {
      if (deps.bulkStatementTimeoutMs) await allowLongStatements(tx, deps.bulkStatementTimeoutMs);
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
      const missing = await missingDocuments(
        tx,
        accepted.flatMap((r) => r.evidence ?? []),
      );
      if (missing.size > 0) {
        const linked = await repo.loadEvidence(tx, [
          ...new Map(accepted.map((r) => [reportKey(r), { periodId: r.periodId, agencyCode: r.agencyCode }])).values(),
        ]);
        const unknownOf = (r: InputRow) => (r.evidence ?? []).filter((id) => missing.has(id) && !linked.get(valueKey(r, r.indicator))?.includes(id));
        for (const row of accepted)
          if (unknownOf(row).length) reject(row, 'EVIDENCE_NOT_FOUND', `No registered document has the id ${unknownOf(row).join(', ')}`);
        accepted = accepted.filter((r) => unknownOf(r).length === 0);
      }

      // Compare with what is stored, under the reports' locks.
      let keys = [...new Map(accepted.map((r) => [reportKey(r), { periodId: r.periodId, agencyCode: r.agencyCode }])).values()];
      await lockReports(tx, keys);
      // A submitted or accepted report is frozen until it is returned or reopened. A write also makes sure
      // each report exists (as a draft); a dry run only looks.
      const states = options.dryRun ? await reportStates(tx, keys) : await ensureReportStates(tx, keys);
      const frozen = new Map(
        keys.flatMap((k) => {
          const state = states.get(reportKey(k));
          return isFrozen(state) ? [[reportKey(k), state] as const] : [];
        }),
      );
      if (frozen.size > 0) {
        const [key, state] = [...frozen][0]!;
        if (requestLevel) throw new ProblemError(frozenCode(state), frozenMessage(key, state));
        for (const row of accepted.filter((r) => frozen.has(reportKey(r)))) {
          const s = frozen.get(reportKey(row))!;
          reject(row, frozenCode(s), frozenMessage(reportKey(row), s));
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
      for (const key of keys) {
        const reported = new Map((rowsAfter.get(reportKey(key)) ?? []).map((r) => [r.indicatorCode, repo.valueOf(r)]));
        findings.push(...findingsOf(templateOf.get(reportKey(key))!, key, reported).findings);
      }

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
        await touchReports(tx, [...new Map([...writes, ...evidenceWrites.map((e) => e.key)].map((k) => [reportKey(k), keyOf(k)])).values()]);
        summary.written = true;
      }
      return summary;
    });
    // Counted once committed, so a rolled-back write is not.
    if (result.written) deps.metrics?.valuesWritten(result.created + result.updated);
    return result;
  }

  const isAuditCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

  return {
    submitReport(
      ctx: WriteContext,
      key: ReportKey,
      values: Array<{ indicator: string; value: unknown; note?: string | null | undefined; evidence?: string[] | undefined }>,
      options: { dryRun: boolean; atomic: boolean },
    ) {
      return apply(
        ctx,
        values.map((v, index) => ({ ...v, index, ...key })),
        options,
        true,
      );
    },

    /**
     * Many reports at once. Atomic: one transaction. Otherwise reports are independent, so they are written in
     * chunks of whole reports, several transactions at a time: the database works on them in parallel and this
     * process prepares the next chunk while it does. A retry after a failure is safe (what landed is unchanged).
     */
    async submitBatch(
      ctx: WriteContext,
      values: Array<{ period: string; agency: string; indicator: string; value: unknown; note?: string | null | undefined; evidence?: string[] | undefined }>,
      options: { dryRun: boolean; atomic: boolean },
    ) {
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

    /** One report's values, or `notModified` when If-None-Match names its current version (one statement). */
    async read(key: ReportKey, ifNoneMatch?: string) {
      const read = await deps.reader.load(key, { ifNoneMatch });
      if (read.notModified) return read;
      const { context } = read;
      return {
        notModified: false as const,
        etag: context.etag,
        body: { period: key.periodId, agency: key.agencyCode, template: context.template.id, items: itemsOf(context) },
      };
    },

    /** The rule findings of a report as it stands. Inside a transaction (submitting a report), pass its context. */
    async findings(key: ReportKey, context?: ReportContext) {
      const ctx = context ?? (await deps.reader.context(key));
      const { findings, skipped } = contextFindings(ctx);
      return {
        period: key.periodId,
        agency: key.agencyCode,
        template: ctx.template.id,
        findings: findings.map(({ period: _p, agency: _a, ...f }) => f),
        skipped,
      };
    },

    async remove(ctx: WriteContext, key: ReportKey, indicator: string): Promise<void> {
      await db.transaction(async (tx) => {
        const agency = (await writableAgencies(tx, [key.agencyCode], ctx.principal)).get(key.agencyCode);
        if (agency) throw new ProblemError(agency.code, agency.message);
        const period = (await writablePeriods(tx, [key.periodId], ctx.principal)).get(key.periodId)!;
        if ('code' in period) throw new ProblemError(period.code, period.message);
        await lockReports(tx, [key]);
        const state = (await reportStates(tx, [key])).get(reportKey(key));
        if (isFrozen(state)) throw new ProblemError(frozenCode(state), frozenMessage(reportKey(key), state));
        const old = await repo.deleteValue(tx, { ...key, indicatorCode: indicator });
        if (!old) throw new ProblemError('VALUE_NOT_FOUND', `No value is stored for ${indicator} in ${key.periodId}/${key.agencyCode}`);
        await touchReports(tx, [key]);
        await repo.insertValueAudit(tx, [
          {
            actorKeyId: ctx.actor.keyId,
            requestId: ctx.actor.requestId,
            ...key,
            indicatorCode: indicator,
            action: 'delete',
            oldValue: repo.valueOf(old),
            newValue: null,
            oldNote: old.note,
            newNote: null,
          },
        ]);
      });
    },

    async audit(key: ReportKey, query: { indicator?: string | undefined; cursor?: string | undefined; limit?: number | undefined }) {
      await deps.reader.readable(await deps.reader.head(key));
      const beforeId = query.cursor ? decodeCursor(query.cursor, isAuditCursor) : undefined;
      const page = await fetchPage(
        query.limit ?? 100,
        (limit) => repo.listValueAudit(db, { ...key, indicatorCode: query.indicator, beforeId, limit }),
        (r) => r.id,
      );
      return mapPage(page, (r) => ({
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
      }));
    },
  };
}

export type ValueService = ReturnType<typeof createValueService>;
