import { and, asc, count, eq, gt, inArray, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { agencies, type ReportDocumentData, expectedAgencies, indicatorValues, reportEvidence, reports, reportTransitions } from '../../db/schema.js';
import { LOCKS } from '../../db/locks.js';
import type { ReportKey } from './keys.js';

export type ReportRow = typeof reports.$inferSelect;
export type ReportState = ReportRow['state'];

const isReport = (k: ReportKey) => and(eq(reports.periodId, k.periodId), eq(reports.agencyCode, k.agencyCode));

export async function findReport(db: Tx, key: ReportKey): Promise<ReportRow | undefined> {
  const [row] = await db.select().from(reports).where(isReport(key));
  return row;
}

/** The state of each report that has a row (a report without one is a draft nobody started). */
export async function reportStates(db: Tx, keys: ReportKey[]): Promise<Map<string, ReportState>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({ periodId: reports.periodId, agencyCode: reports.agencyCode, state: reports.state })
    .from(reports)
    .where(
      sql`(${reports.periodId}, ${reports.agencyCode}) in (select * from unnest(${sql.param(keys.map((k) => k.periodId))}::text[], ${sql.param(keys.map((k) => k.agencyCode))}::text[]))`,
    );
  return new Map(rows.map((r) => [`${r.periodId}/${r.agencyCode}`, r.state]));
}

/**
 * Creates the report rows that do not exist yet (as drafts) and answers every report's state, in one statement:
 * the no-op update makes the existing rows come back too.
 */
export async function ensureReportStates(db: Tx, keys: ReportKey[]): Promise<Map<string, ReportState>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .insert(reports)
    .values(keys.map((k) => ({ periodId: k.periodId, agencyCode: k.agencyCode })))
    .onConflictDoUpdate({ target: [reports.periodId, reports.agencyCode], set: { state: sql`${reports.state}` } })
    .returning({ periodId: reports.periodId, agencyCode: reports.agencyCode, state: reports.state });
  return new Map(rows.map((r) => [`${r.periodId}/${r.agencyCode}`, r.state]));
}

/** Creates the report rows that do not exist yet (as drafts). */
export async function ensureReports(db: Tx, keys: ReportKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insert(reports)
    .values(keys.map((k) => ({ periodId: k.periodId, agencyCode: k.agencyCode })))
    .onConflictDoNothing();
}

/** Every change to a report row goes through here, so its version (the ETag's stamp) always moves with it. */
export async function updateReport(db: Tx, key: ReportKey, values: Partial<typeof reports.$inferInsert>): Promise<ReportRow> {
  const [row] = await db
    .update(reports)
    .set({ ...values, version: sql`${reports.version} + 1`, updatedAt: new Date() })
    .where(isReport(key))
    .returning();
  return row!;
}

/**
 * Document metadata as a PATCH merges it: each field given replaces the stored one (signer and sectionTitles whole),
 * null removes it (the default applies again); fields not given stay.
 */
export function mergeDocument(stored: ReportDocumentData, patch: ReportDocumentData): ReportDocumentData {
  const merged: Record<string, unknown> = { ...stored };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  return merged;
}

/** A change to the reports' values or their evidence: their versions move, so readers' ETags change. */
export async function touchReports(db: Tx, keys: ReportKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(sql`
    update reports set version = version + 1
    where (period_id, agency_code) in (select * from unnest(${sql.param(keys.map((k) => k.periodId))}::text[], ${sql.param(keys.map((k) => k.agencyCode))}::text[]))`);
}

/** Serialises writes to one report (period × agency): concurrent submissions of it queue instead of racing. */
export async function lockReports(db: Tx, keys: ReportKey[]): Promise<void> {
  // Sorted, so two batches touching the same reports take the locks in the same order (no deadlock).
  const sorted = [...new Set(keys.map((k) => `${k.periodId}/${k.agencyCode}`))].sort();
  if (sorted.length === 0) return;
  // One statement; the ordered subquery keeps the lock order.
  await db.execute(
    sql`select count(pg_advisory_xact_lock(${LOCKS.reportWrite}::int, hashtext(k))) from (select k from unnest(${sql.param(sorted)}::text[]) as k order by k) as ordered`,
  );
}

export async function insertTransition(db: Tx, row: typeof reportTransitions.$inferInsert): Promise<void> {
  await db.insert(reportTransitions).values(row);
}

export async function transitionsOf(db: Tx, key: ReportKey) {
  return db
    .select()
    .from(reportTransitions)
    .where(and(eq(reportTransitions.periodId, key.periodId), eq(reportTransitions.agencyCode, key.agencyCode)))
    .orderBy(asc(reportTransitions.id));
}

export async function evidenceOf(db: Tx, key: ReportKey): Promise<string[]> {
  const rows = await db
    .select({ id: reportEvidence.documentId })
    .from(reportEvidence)
    .where(and(eq(reportEvidence.periodId, key.periodId), eq(reportEvidence.agencyCode, key.agencyCode)))
    .orderBy(asc(reportEvidence.documentId));
  return rows.map((r) => r.id);
}

/** Sets the links to exactly `ids`: links that stay are left alone (a link older than the registry stays valid). */
export async function replaceReportEvidence(db: Tx, key: ReportKey, ids: string[]): Promise<void> {
  const ofReport = and(eq(reportEvidence.periodId, key.periodId), eq(reportEvidence.agencyCode, key.agencyCode));
  await db.delete(reportEvidence).where(ids.length ? and(ofReport, notInArray(reportEvidence.documentId, ids)) : ofReport);
  if (ids.length)
    await db
      .insert(reportEvidence)
      .values(ids.map((documentId) => ({ ...key, documentId })))
      .onConflictDoNothing();
}

export async function valueCount(db: Tx, key: ReportKey): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(indicatorValues)
    .where(and(eq(indicatorValues.periodId, key.periodId), eq(indicatorValues.agencyCode, key.agencyCode)));
  return row?.n ?? 0;
}

export async function listReports(
  db: Tx,
  f: { period?: string | undefined; agency?: string | undefined; state?: ReportState | undefined; after?: ReportKey | undefined; limit: number },
) {
  const where: SQL[] = [];
  if (f.period) where.push(eq(reports.periodId, f.period));
  if (f.agency) where.push(eq(reports.agencyCode, f.agency));
  if (f.state) where.push(eq(reports.state, f.state));
  if (f.after) where.push(or(gt(reports.periodId, f.after.periodId), and(eq(reports.periodId, f.after.periodId), gt(reports.agencyCode, f.after.agencyCode)))!);
  return db
    .select()
    .from(reports)
    .where(and(...where))
    .orderBy(asc(reports.periodId), asc(reports.agencyCode))
    .limit(f.limit);
}

export async function setExpectedAgencies(db: Tx, periodId: string, codes: string[]): Promise<void> {
  await db.delete(expectedAgencies).where(eq(expectedAgencies.periodId, periodId));
  if (codes.length) await db.insert(expectedAgencies).values(codes.map((agencyCode) => ({ periodId, agencyCode })));
}

export async function expectedOf(db: Tx, periodId: string): Promise<string[]> {
  const rows = await db
    .select({ code: expectedAgencies.agencyCode })
    .from(expectedAgencies)
    .where(eq(expectedAgencies.periodId, periodId))
    .orderBy(asc(expectedAgencies.agencyCode));
  return rows.map((r) => r.code);
}

export async function activeAgenciesOfKinds(db: Tx, kinds: Array<(typeof agencies.$inferSelect)['kind']>): Promise<string[]> {
  if (kinds.length === 0) return [];
  const rows = await db
    .select({ code: agencies.code })
    .from(agencies)
    .where(and(inArray(agencies.kind, kinds), eq(agencies.active, true)));
  return rows.map((r) => r.code);
}

/** Every expected agency of a period with its report, if any. */
export async function expectedWithReports(db: Tx, periodId: string) {
  return db
    .select({ agency: agencies, report: reports })
    .from(expectedAgencies)
    .innerJoin(agencies, eq(agencies.code, expectedAgencies.agencyCode))
    .leftJoin(reports, and(eq(reports.periodId, expectedAgencies.periodId), eq(reports.agencyCode, expectedAgencies.agencyCode)))
    .where(eq(expectedAgencies.periodId, periodId))
    .orderBy(asc(agencies.kind), asc(agencies.code));
}
