/**
 * Reports: an agency's filing for a period, its narrative and evidence, and the workflow the Department of Home
 * Affairs runs on it: draft → submitted → accepted, or returned with a reason → draft … submitted again. Every
 * transition is recorded with who and when. Submitting runs the blocking rules and is refused with the findings
 * if any fails. Values are frozen while a report is submitted or accepted (the values service enforces it).
 * Completeness and timeliness are measured against the agencies expected to report in the period.
 */
import type { Db, Tx } from '../../db/connection.js';
import { rate } from '../../domain/rate.js';
import { isOnTime } from '../../domain/periods.js';
import { ProblemError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../schemas/cursor.js';
import { requireAgency } from '../agencies/lookup.js';
import { findAgencies } from '../agencies/repository.js';
import { assertMayWriteFor } from '../agencies/scope.js';
import type { WriteContext } from '../audit/repository.js';
import { requirePeriod } from '../periods/lookup.js';
import { lockReports, type ReportKey } from '../values/repository.js';
import type { ValueService } from '../values/service.js';
import { missingDocuments } from '../documents/repository.js';
import * as repo from './repository.js';
import type { Report, ReportPatch } from './schemas.js';

type Timeliness = 'on_time' | 'late' | null;

const timelinessOf = (firstSubmittedAt: Date | null, dueOn: string): Timeliness =>
  firstSubmittedAt ? (isOnTime(firstSubmittedAt, dueOn) ? 'on_time' : 'late') : null;

export function createReportService(db: Db, deps: { values: ValueService }) {
  async function view(tx: Tx, key: ReportKey): Promise<Report> {
    const period = await requirePeriod(tx, key.periodId);
    await requireAgency(tx, key.agencyCode);
    const row = await repo.findReport(tx, key);
    const transitions = row ? await repo.transitionsOf(tx, key) : [];
    return {
      period: key.periodId,
      agency: key.agencyCode,
      state: row?.state ?? 'draft',
      narrative: row?.narrative ?? {},
      evidence: row ? await repo.evidenceOf(tx, key) : [],
      values: await repo.valueCount(tx, key),
      firstSubmittedAt: row?.firstSubmittedAt?.toISOString() ?? null,
      submittedAt: row?.submittedAt?.toISOString() ?? null,
      dueOn: period.dueOn,
      timeliness: timelinessOf(row?.firstSubmittedAt ?? null, period.dueOn),
      returnReason: row?.returnReason ?? null,
      transitions: transitions.map((t) => ({ from: t.fromState, to: t.toState, at: t.at.toISOString(), actorKeyId: t.actorKeyId, reason: t.reason })),
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  }

  /** Agency keys act on their own subtree; a locked period refuses everything; a closed one refuses agencies. */
  async function assertWritable(tx: Tx, ctx: WriteContext, key: ReportKey) {
    const period = await requirePeriod(tx, key.periodId);
    const agency = await requireAgency(tx, key.agencyCode);
    await assertMayWriteFor(tx, ctx.principal, key.agencyCode);
    if (period.state === 'locked') throw new ProblemError('PERIOD_LOCKED', `The reporting period ${key.periodId} is locked`);
    if (period.state === 'closed' && ctx.principal?.role !== 'admin') throw new ProblemError('PERIOD_CLOSED', `The reporting period ${key.periodId} is closed`);
    if (!agency.active) throw new ProblemError('AGENCY_NOT_ACTIVE', `The agency ${key.agencyCode} is inactive`);
    return period;
  }

  /** Moves a report from one of `from` to `to`, under the report's lock, recording the transition. */
  async function transition(tx: Tx, ctx: WriteContext, key: ReportKey, from: repo.ReportState[], to: repo.ReportState, extra: Partial<repo.ReportRow> = {}, reason: string | null = null) {
    await repo.ensureReports(tx, [key]);
    const current = (await repo.findReport(tx, key))!;
    if (!from.includes(current.state)) {
      throw new ProblemError(current.state === 'accepted' ? 'REPORT_ACCEPTED' : 'REPORT_NOT_SUBMITTED', `The report ${key.periodId}/${key.agencyCode} is ${current.state}; it cannot become ${to} (allowed from: ${from.join(', ')})`);
    }
    await repo.updateReport(tx, key, { state: to, ...extra });
    await repo.insertTransition(tx, { ...key, fromState: current.state, toState: to, actorKeyId: ctx.actor.keyId, reason });
  }

  const isReportCursor = (v: unknown): v is ReportKey =>
    typeof v === 'object' && v !== null && typeof (v as ReportKey).periodId === 'string' && typeof (v as ReportKey).agencyCode === 'string';

  return {
    get: (key: ReportKey) => view(db, key),

    async list(query: { period?: string | undefined; agency?: string | undefined; state?: repo.ReportState | undefined; limit?: number | undefined; cursor?: string | undefined }) {
      const limit = query.limit ?? 100;
      const rows = await repo.listReports(db, { ...query, after: query.cursor ? decodeCursor(query.cursor, isReportCursor) : undefined, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          period: r.periodId,
          agency: r.agencyCode,
          state: r.state,
          firstSubmittedAt: r.firstSubmittedAt?.toISOString() ?? null,
          submittedAt: r.submittedAt?.toISOString() ?? null,
          updatedAt: r.updatedAt.toISOString(),
        })),
        nextCursor: rows.length > limit ? encodeCursor({ periodId: page.at(-1)!.periodId, agencyCode: page.at(-1)!.agencyCode }) : null,
      };
    },

    /** Narrative and evidence; only while the report is a draft or returned. */
    async update(ctx: WriteContext, key: ReportKey, patch: ReportPatch): Promise<Report> {
      return db.transaction(async (tx) => {
        await assertWritable(tx, ctx, key);
        await lockReports(tx, [key]);
        await repo.ensureReports(tx, [key]);
        const current = (await repo.findReport(tx, key))!;
        if (current.state === 'submitted' || current.state === 'accepted') {
          throw new ProblemError(current.state === 'submitted' ? 'REPORT_SUBMITTED' : 'REPORT_ACCEPTED', `The report is ${current.state}; it cannot change until it is returned or reopened`);
        }
        if (patch.narrative) await repo.updateReport(tx, key, { narrative: patch.narrative });
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
        return view(tx, key);
      });
    },

    /** Runs the blocking rules; refused with the findings if any fails. */
    async submit(ctx: WriteContext, key: ReportKey): Promise<Report> {
      return db.transaction(async (tx) => {
        await assertWritable(tx, ctx, key);
        await lockReports(tx, [key]);
        const state = (await repo.findReport(tx, key))?.state ?? 'draft';
        if (state === 'submitted' || state === 'accepted') {
          throw new ProblemError(state === 'submitted' ? 'REPORT_SUBMITTED' : 'REPORT_ACCEPTED', `The report is already ${state}`);
        }
        if ((await repo.valueCount(tx, key)) === 0) throw new ProblemError('REPORT_EMPTY', `The report ${key.periodId}/${key.agencyCode} has no values`);
        const { findings } = await deps.values.findings(key, tx);
        const blocking = findings.filter((f) => f.severity === 'blocking');
        if (blocking.length > 0) {
          throw new ProblemError('REPORT_BLOCKED', `${blocking.length} blocking rule(s) fail: ${blocking.map((f) => f.rule).join(', ')}`, { extra: { findings: blocking } });
        }
        const now = new Date();
        const existing = await repo.findReport(tx, key);
        await transition(tx, ctx, key, ['draft', 'returned'], 'submitted', { submittedAt: now, firstSubmittedAt: existing?.firstSubmittedAt ?? now, returnReason: null });
        return view(tx, key);
      });
    },

    async accept(ctx: WriteContext, key: ReportKey): Promise<Report> {
      return db.transaction(async (tx) => {
        await requirePeriod(tx, key.periodId);
        await requireAgency(tx, key.agencyCode);
        await lockReports(tx, [key]);
        await transition(tx, ctx, key, ['submitted'], 'accepted');
        return view(tx, key);
      });
    },

    async return(ctx: WriteContext, key: ReportKey, reason: string): Promise<Report> {
      return db.transaction(async (tx) => {
        await requirePeriod(tx, key.periodId);
        await requireAgency(tx, key.agencyCode);
        await lockReports(tx, [key]);
        await transition(tx, ctx, key, ['submitted', 'accepted'], 'returned', { returnReason: reason }, reason);
        return view(tx, key);
      });
    },

    /** An admin puts any report back to draft (audited as a transition). */
    async reopen(ctx: WriteContext, key: ReportKey, reason: string | null): Promise<Report> {
      return db.transaction(async (tx) => {
        await requirePeriod(tx, key.periodId);
        await requireAgency(tx, key.agencyCode);
        await lockReports(tx, [key]);
        await transition(tx, ctx, key, ['submitted', 'accepted', 'returned'], 'draft', {}, reason);
        return view(tx, key);
      });
    },

    async expected(periodId: string) {
      await requirePeriod(db, periodId);
      return { period: periodId, agencies: await repo.expectedOf(db, periodId) };
    },

    async setExpected(periodId: string, body: { agencies?: string[] | undefined; kinds?: Array<'province' | 'department' | 'district' | 'commune' | 'unit'> | undefined }) {
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
