/**
 * Reports: an agency's filing for a period, its narrative and evidence, and the workflow the Department of Home
 * Affairs runs on it: draft → submitted → accepted, or returned with a reason → draft … submitted again. Every
 * transition is recorded with who and when. Submitting runs the blocking rules and is refused with the findings
 * if any fails. Values are frozen while a report is submitted or accepted (the values service enforces it).
 * Completeness and timeliness are measured against the agencies expected to report in the period.
 */
import type { Db, Tx } from '../../db/connection.js';
import type { AgencyKind } from '../../domain/agencies.js';
import type { RuleSeverity } from '../../domain/report.js';
import { rate } from '../../domain/rate.js';
import { isOnTime } from '../../domain/periods.js';
import { frozenCode, isFrozen, REPORT_MOVES, refusal, type ReportMove } from '../../domain/report-workflow.js';
import { ProblemError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage } from '../../schemas/paging.js';
import { findAgencies } from '../agencies/repository.js';
import { assertMayWriteFor } from '../agencies/scope.js';
import type { WriteContext } from '../../domain/actor.js';
import { missingDocuments } from '../documents/repository.js';
import { requirePeriod } from '../periods/lookup.js';
import { requireExisting, type ReportHead, type ReportReader } from './context.js';
import { isReportKey, reportKey, type ReportKey } from './keys.js';
import * as repo from './repository.js';
import type { Report, ReportPatch } from './schemas.js';
import type { ValueService } from './values.js';

type Timeliness = 'on_time' | 'late' | null;

const timelinessOf = (firstSubmittedAt: Date | null, dueOn: string): Timeliness =>
  firstSubmittedAt ? (isOnTime(firstSubmittedAt, dueOn) ? 'on_time' : 'late') : null;

export function createReportService(
  db: Db,
  deps: { values: ValueService; reader: ReportReader; metrics?: Pick<Metrics, 'reportTransition' | 'ruleFindings'> },
) {
  async function view(tx: Tx, key: ReportKey, dueOn: string): Promise<Report> {
    const row = await repo.findReport(tx, key);
    const transitions = row ? await repo.transitionsOf(tx, key) : [];
    return {
      period: key.periodId,
      agency: key.agencyCode,
      state: row?.state ?? 'draft',
      narrative: row?.narrative ?? {},
      evidence: row ? await repo.evidenceOf(tx, key) : [],
      document: row?.document ?? {},
      values: await repo.valueCount(tx, key),
      firstSubmittedAt: row?.firstSubmittedAt?.toISOString() ?? null,
      submittedAt: row?.submittedAt?.toISOString() ?? null,
      dueOn,
      timeliness: timelinessOf(row?.firstSubmittedAt ?? null, dueOn),
      returnReason: row?.returnReason ?? null,
      transitions: transitions.map((t) => ({ from: t.fromState, to: t.toState, at: t.at.toISOString(), actorKeyId: t.actorKeyId, reason: t.reason })),
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  }

  /**
   * The report's head, locked for writing by this principal: agency keys act on their own subtree; a locked period
   * refuses everything; a closed one refuses agencies. The lock comes first, so the head read is the one written on.
   */
  async function writableHead(tx: Tx, ctx: WriteContext, key: ReportKey): Promise<ReportHead & { period: NonNullable<ReportHead['period']> }> {
    await repo.lockReports(tx, [key]);
    const h = await deps.reader.head(key, tx);
    const { period, agency } = requireExisting(h);
    await assertMayWriteFor(tx, ctx.principal, key.agencyCode);
    if (period.state === 'locked') throw new ProblemError('PERIOD_LOCKED', `The reporting period ${key.periodId} is locked`);
    if (period.state === 'closed' && ctx.principal?.role !== 'admin') throw new ProblemError('PERIOD_CLOSED', `The reporting period ${key.periodId} is closed`);
    if (!agency.active) throw new ProblemError('AGENCY_NOT_ACTIVE', `The agency ${key.agencyCode} is inactive`);
    return { ...h, period };
  }

  /**
   * The one transition function: moves the report along REPORT_MOVES under its lock, records who moved it, and
   * answers the report as it then is. `before` runs on the locked head (submit checks its rules there).
   */
  async function move(
    ctx: WriteContext,
    key: ReportKey,
    name: ReportMove,
    options: { reason?: string | null; writable?: boolean; before?: (tx: Tx, h: ReportHead) => Promise<Partial<repo.ReportRow>> } = {},
  ): Promise<Report> {
    const report = await db.transaction(async (tx) => {
      let h: ReportHead;
      if (options.writable) h = await writableHead(tx, ctx, key);
      else {
        await repo.lockReports(tx, [key]);
        h = await deps.reader.head(key, tx);
        requireExisting(h);
      }
      const from = h.report?.state ?? 'draft';
      const refused = refusal(name, from, reportKey(key));
      if (refused) throw new ProblemError(refused.code, refused.message);
      const extra = (await options.before?.(tx, h)) ?? {};
      await repo.ensureReports(tx, [key]);
      const to = REPORT_MOVES[name].to;
      await repo.updateReport(tx, key, { state: to, ...extra });
      await repo.insertTransition(tx, { ...key, fromState: from, toState: to, actorKeyId: ctx.actor.keyId, reason: options.reason ?? null });
      return view(tx, key, h.period!.dueOn);
    });
    // Counted once committed, so a refused or rolled-back move is not.
    deps.metrics?.reportTransition(name);
    return report;
  }

  return {
    async get(key: ReportKey) {
      const { period } = requireExisting(await deps.reader.head(key));
      return view(db, key, period.dueOn);
    },

    async list(query: {
      period?: string | undefined;
      agency?: string | undefined;
      state?: repo.ReportState | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    }) {
      const after = query.cursor ? decodeCursor(query.cursor, isReportKey) : undefined;
      const page = await fetchPage(
        query.limit ?? 100,
        (limit) => repo.listReports(db, { ...query, after, limit }),
        (r) => ({ periodId: r.periodId, agencyCode: r.agencyCode }),
      );
      return mapPage(page, (r) => ({
        period: r.periodId,
        agency: r.agencyCode,
        state: r.state,
        firstSubmittedAt: r.firstSubmittedAt?.toISOString() ?? null,
        submittedAt: r.submittedAt?.toISOString() ?? null,
        updatedAt: r.updatedAt.toISOString(),
      }));
    },

    /** Narrative, evidence and document metadata (merged); only while the report is a draft or returned. */
    async update(ctx: WriteContext, key: ReportKey, patch: ReportPatch): Promise<Report> {
      return db.transaction(async (tx) => {
        const h = await writableHead(tx, ctx, key);
        const state = h.report?.state;
        if (isFrozen(state)) throw new ProblemError(frozenCode(state), `The report is ${state}; it cannot change until it is returned or reopened`);
        await repo.ensureReports(tx, [key]);
        if (patch.evidence) {
          // New evidence must name registered documents; a link kept from before the registry may stay.
          const kept = new Set(await repo.evidenceOf(tx, key));
          const missing = new Set([...(await missingDocuments(tx, patch.evidence))].filter((id) => !kept.has(id)));
          if (missing.size > 0) {
            throw new ProblemError('EVIDENCE_NOT_FOUND', `No registered document has the id ${[...missing].join(', ')}`, {
              errors: patch.evidence.flatMap((id, i) => (missing.has(id) ? [{ in: 'body', pointer: `/evidence/${i}`, message: 'no such document' }] : [])),
            });
          }
          await repo.replaceReportEvidence(tx, key, patch.evidence);
        }
        // One update, whatever the patch holds: it also moves the report's version.
        await repo.updateReport(tx, key, {
          ...(patch.narrative && { narrative: patch.narrative }),
          ...(patch.document && { document: repo.mergeDocument(h.document, patch.document) }),
        });
        return view(tx, key, h.period.dueOn);
      });
    },

    /**
     * Runs the blocking rules; refused with the findings if any fails. The findings are counted once the submission is
     * decided: submitted (committed), or refused by a blocking rule.
     */
    async submit(ctx: WriteContext, key: ReportKey) {
      let evaluated: Array<{ severity: RuleSeverity }> = [];
      try {
        const report = await move(ctx, key, 'submit', {
          writable: true,
          async before(tx, h) {
            const context = await deps.reader.context(key, tx);
            if (context.values.size === 0) throw new ProblemError('REPORT_EMPTY', `The report ${key.periodId}/${key.agencyCode} has no values`);
            const { findings } = await deps.values.findings(key, context);
            evaluated = findings;
            const blocking = findings.filter((f) => f.severity === 'blocking');
            if (blocking.length > 0) {
              throw new ProblemError('REPORT_BLOCKED', `${blocking.length} blocking rule(s) fail: ${blocking.map((f) => f.rule).join(', ')}`, {
                extra: { findings: blocking },
              });
            }
            const now = new Date();
            const firstSubmittedAt = h.report ? ((await repo.findReport(tx, key))?.firstSubmittedAt ?? now) : now;
            return { submittedAt: now, firstSubmittedAt, returnReason: null };
          },
        });
        deps.metrics?.ruleFindings(evaluated);
        return report;
      } catch (error) {
        if (error instanceof ProblemError && error.code === 'REPORT_BLOCKED') deps.metrics?.ruleFindings(evaluated);
        throw error;
      }
    },

    accept: (ctx: WriteContext, key: ReportKey) => move(ctx, key, 'accept'),

    return: (ctx: WriteContext, key: ReportKey, reason: string) => move(ctx, key, 'return', { reason, before: async () => ({ returnReason: reason }) }),

    /** An admin puts any report back to draft (audited as a transition). */
    reopen: (ctx: WriteContext, key: ReportKey, reason: string | null) => move(ctx, key, 'reopen', { reason }),

    async expected(periodId: string) {
      await requirePeriod(db, periodId);
      return { period: periodId, agencies: await repo.expectedOf(db, periodId) };
    },

    async setExpected(periodId: string, body: { agencies?: string[] | undefined; kinds?: AgencyKind[] | undefined }) {
      return db.transaction(async (tx) => {
        await requirePeriod(tx, periodId);
        const named = body.agencies ?? [];
        const found = await findAgencies(tx, named);
        const unknown = named.filter((c) => !found.has(c));
        if (unknown.length) {
          throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${unknown.join(', ')}`, {
            errors: unknown.map((c) => ({ in: 'body', pointer: `/agencies/${named.indexOf(c)}`, message: 'no such agency' })),
          });
        }
        const codes = [...new Set([...named, ...(await repo.activeAgenciesOfKinds(tx, body.kinds ?? []))])].sort();
        await repo.setExpectedAgencies(tx, periodId, codes);
        return { period: periodId, agencies: codes };
      });
    },

    /** Who of the expected agencies reported, on time or late, and who is missing; overall and by agency kind. */
    async completeness(periodId: string) {
      const period = await requirePeriod(db, periodId);
      const rows = await repo.expectedWithReports(db, periodId);
      const agencies = rows.map(({ agency, report }) => ({
        code: agency.code,
        name: agency.name,
        kind: agency.kind,
        state: report?.state ?? ('none' as const),
        firstSubmittedAt: report?.firstSubmittedAt?.toISOString() ?? null,
        submittedAt: report?.submittedAt?.toISOString() ?? null,
        timeliness: timelinessOf(report?.firstSubmittedAt ?? null, period.dueOn),
      }));
      const tally = (list: typeof agencies) => {
        const submitted = list.filter((a) => a.state === 'submitted' || a.state === 'accepted');
        const onTime = submitted.filter((a) => a.timeliness === 'on_time').length;
        return {
          expected: list.length,
          submitted: submitted.length,
          accepted: list.filter((a) => a.state === 'accepted').length,
          onTime,
          late: submitted.length - onTime,
          missing: list.length - submitted.length,
          submittedRate: rate(submitted.length, list.length),
          onTimeRate: rate(onTime, list.length),
        };
      };
      const kinds = [...new Set(agencies.map((a) => a.kind))];
      return {
        period: periodId,
        dueOn: period.dueOn,
        ...tally(agencies),
        byKind: kinds.map((kind) => ({ kind, ...tally(agencies.filter((a) => a.kind === kind)) })),
        agencies,
        missingAgencies: agencies.filter((a) => a.state !== 'submitted' && a.state !== 'accepted').map((a) => a.code),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
