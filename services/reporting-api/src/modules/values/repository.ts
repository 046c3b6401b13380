import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/connection.js';
import { indicators, indicatorValues, valueAudit, valueEvidence } from '../../db/schema.js';
import type { ReportedValue } from '../../domain/indicators.js';
import type { Aggregates } from '../../domain/rollup.js';

export type ValueRow = typeof indicatorValues.$inferSelect;

export interface ReportKey {
  periodId: string;
  agencyCode: string;
}

/** The stored value as the API shows it: numeric column as a number, text as text, else null. */
export function valueOf(row: Pick<ValueRow, 'valueNum' | 'valueText'>): ReportedValue {
  if (row.valueNum !== null) return Number(row.valueNum);
  return row.valueText;
}

/** Serialises writes to one report (period × agency): concurrent submissions of it queue instead of racing. */
export async function lockReports(db: Tx, keys: ReportKey[]): Promise<void> {
  // Sorted, so two batches touching the same reports take the locks in the same order (no deadlock).
  const sorted = [...new Set(keys.map((k) => `${k.periodId}/${k.agencyCode}`))].sort();
  for (const key of sorted) await db.execute(sql`select pg_advisory_xact_lock(640092021, hashtext(${key}))`);
}

const reportFilter = (keys: ReportKey[]): SQL | undefined =>
  or(...keys.map((k) => and(eq(indicatorValues.periodId, k.periodId), eq(indicatorValues.agencyCode, k.agencyCode))));

export async function loadReports(db: Tx, keys: ReportKey[]): Promise<ValueRow[]> {
  if (keys.length === 0) return [];
  const rows: ValueRow[] = [];
  // Chunked: one OR-list per 200 reports keeps statements small.
  for (let i = 0; i < keys.length; i += 200) {
    rows.push(...(await db.select().from(indicatorValues).where(reportFilter(keys.slice(i, i + 200)))));
  }
  return rows;
}

export async function loadEvidence(db: Tx, keys: ReportKey[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < keys.length; i += 200) {
    const chunk = keys.slice(i, i + 200);
    const rows = await db
      .select()
      .from(valueEvidence)
      .where(or(...chunk.map((k) => and(eq(valueEvidence.periodId, k.periodId), eq(valueEvidence.agencyCode, k.agencyCode)))))
      .orderBy(asc(valueEvidence.createdAt), asc(valueEvidence.documentId));
    for (const r of rows) {
      const key = `${r.periodId}/${r.agencyCode}/${r.indicatorCode}`;
      out.set(key, [...(out.get(key) ?? []), r.documentId]);
    }
  }
  return out;
}

export type ValueWrite = typeof indicatorValues.$inferInsert;

export async function upsertValues(db: Tx, rows: ValueWrite[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insert(indicatorValues)
      .values(rows.slice(i, i + 1000))
      .onConflictDoUpdate({
        target: [indicatorValues.periodId, indicatorValues.agencyCode, indicatorValues.indicatorCode],
        set: {
          templateId: sql`excluded.template_id`,
          valueNum: sql`excluded.value_num`,
          valueText: sql`excluded.value_text`,
          note: sql`excluded.note`,
          updatedAt: sql`excluded.updated_at`,
          updatedBy: sql`excluded.updated_by`,
        },
      });
  }
}

export async function replaceEvidence(db: Tx, key: ReportKey & { indicatorCode: string }, documentIds: string[]): Promise<void> {
  await db
    .delete(valueEvidence)
    .where(and(eq(valueEvidence.periodId, key.periodId), eq(valueEvidence.agencyCode, key.agencyCode), eq(valueEvidence.indicatorCode, key.indicatorCode)));
  if (documentIds.length) await db.insert(valueEvidence).values(documentIds.map((documentId) => ({ ...key, documentId })));
}

export async function deleteValue(db: Tx, key: ReportKey & { indicatorCode: string }): Promise<ValueRow | undefined> {
  const [row] = await db
    .delete(indicatorValues)
    .where(and(eq(indicatorValues.periodId, key.periodId), eq(indicatorValues.agencyCode, key.agencyCode), eq(indicatorValues.indicatorCode, key.indicatorCode)))
    .returning();
  return row;
}

export type AuditWrite = typeof valueAudit.$inferInsert;

export async function insertValueAudit(db: Tx, rows: AuditWrite[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(valueAudit).values(rows.slice(i, i + 1000));
}

export async function listValueAudit(db: Tx, key: ReportKey & { indicatorCode?: string | undefined; beforeId?: number | undefined; limit: number }) {
  const where = [eq(valueAudit.periodId, key.periodId), eq(valueAudit.agencyCode, key.agencyCode)];
  if (key.indicatorCode) where.push(eq(valueAudit.indicatorCode, key.indicatorCode));
  if (key.beforeId) where.push(lt(valueAudit.id, key.beforeId));
  return db.select().from(valueAudit).where(and(...where)).orderBy(desc(valueAudit.id)).limit(key.limit);
}

/** Reports (period × agency) that have values, in key order, after a cursor. */
export async function reportKeys(db: Tx, f: { periods?: string[] | undefined; agencies?: string[] | undefined; after?: ReportKey | undefined; limit: number }): Promise<ReportKey[]> {
  const where: SQL[] = [];
  if (f.periods?.length) where.push(inArray(indicatorValues.periodId, f.periods));
  if (f.agencies) where.push(inArray(indicatorValues.agencyCode, f.agencies.length ? f.agencies : ['']));
  if (f.after) {
    where.push(
      or(gt(indicatorValues.periodId, f.after.periodId), and(eq(indicatorValues.periodId, f.after.periodId), gt(indicatorValues.agencyCode, f.after.agencyCode)))!,
    );
  }
  return db
    .selectDistinct({ periodId: indicatorValues.periodId, agencyCode: indicatorValues.agencyCode })
    .from(indicatorValues)
    .where(and(...where))
    .orderBy(asc(indicatorValues.periodId), asc(indicatorValues.agencyCode))
    .limit(f.limit);
}

/** Whether an indicator code exists in any template (to tell "unknown" from "not in this period's template"). */
export async function indicatorCodesAnywhere(db: Tx, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db.selectDistinct({ code: indicators.code }).from(indicators).where(inArray(indicators.code, codes));
  return new Set(rows.map((r) => r.code));
}

interface AggregateRow {
  period_id: string;
  indicator_code: string;
  n: string | number;
  sum: string | null;
  avg: string | null;
  min: string | null;
  max: string | null;
  any: boolean | null;
  all: boolean | null;
}

/**
 * Per period and indicator, the aggregates over an agency's whole subtree (the agency included), in one
 * statement: the recursive walk of the tree and the aggregation run in the database.
 */
export async function subtreeAggregates(db: Tx, f: { periods: string[]; root: string; codes: string[] }): Promise<Map<string, Map<string, Aggregates>>> {
  const rows = await queryRows<AggregateRow>(
    db,
    sql`
    with recursive tree(code) as (
      select code from agencies where code = ${f.root}
      union
      select a.code from agencies a join tree t on a.parent_code = t.code
    )
    select v.period_id, v.indicator_code, count(v.value_num) as n, sum(v.value_num) as sum, avg(v.value_num) as avg,
           min(v.value_num) as min, max(v.value_num) as max, bool_or(v.value_num = 1) as any, bool_and(v.value_num = 1) as all
    from indicator_values v join tree t on t.code = v.agency_code
    where v.period_id in ${sqlList(f.periods)} and v.indicator_code in ${sqlList(f.codes)} and v.value_num is not null
    group by v.period_id, v.indicator_code`,
  );
  const out = new Map<string, Map<string, Aggregates>>();
  const num = (v: string | null) => (v === null ? null : Number(v));
  for (const r of rows) {
    const byCode = out.get(r.period_id) ?? new Map<string, Aggregates>();
    byCode.set(r.indicator_code, { count: Number(r.n), sum: num(r.sum), avg: num(r.avg), min: num(r.min), max: num(r.max), any: r.any, all: r.all });
    out.set(r.period_id, byCode);
  }
  return out;
}

/** `(a, b, c)` with each item a bound parameter. */
function sqlList(items: string[]): SQL {
  return sql`(${sql.join(items.length ? items.map((i) => sql`${i}`) : [sql`null`], sql`, `)})`;
}
