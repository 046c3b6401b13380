import { and, asc, desc, eq, inArray, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type Tx } from '../../db/connection.js';
import { indicators, indicatorValues, valueAudit, valueEvidence } from '../../db/schema.js';
import type { ReportedValue } from '../../domain/indicators.js';
import type { Aggregates } from '../../domain/rollup.js';
import type { ReportKey } from './keys.js';

export type ValueRow = typeof indicatorValues.$inferSelect;
/** What computing a report needs of a stored (or about to be stored) value. */
export type StoredValue = Pick<ValueRow, 'periodId' | 'agencyCode' | 'indicatorCode' | 'valueNum' | 'valueText'>;

/** The stored value as the API shows it: numeric column as a number, text as text, else null. */
export function valueOf(row: Pick<ValueRow, 'valueNum' | 'valueText'>): ReportedValue {
  if (row.valueNum !== null) return Number(row.valueNum);
  return row.valueText;
}

/** `(period, agency) in (…the keys…)`, the keys passed as two array parameters whatever their number. */
const inReports = (period: AnyPgColumn, agency: AnyPgColumn, keys: ReportKey[]) =>
  sql`(${period}, ${agency}) in (select * from unnest(${sql.param(keys.map((k) => k.periodId))}::text[], ${sql.param(keys.map((k) => k.agencyCode))}::text[]))`;

export async function loadReports(db: Tx, keys: ReportKey[]): Promise<ValueRow[]> {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(indicatorValues)
    .where(inReports(indicatorValues.periodId, indicatorValues.agencyCode, keys));
}

export async function loadEvidence(db: Tx, keys: ReportKey[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (keys.length === 0) return out;
  const rows = await db
    .select()
    .from(valueEvidence)
    .where(inReports(valueEvidence.periodId, valueEvidence.agencyCode, keys))
    .orderBy(asc(valueEvidence.createdAt), asc(valueEvidence.documentId));
  for (const r of rows) {
    const key = `${r.periodId}/${r.agencyCode}/${r.indicatorCode}`;
    const list = out.get(key);
    if (list) list.push(r.documentId);
    else out.set(key, [r.documentId]);
  }
  return out;
}

export type ValueWrite = typeof indicatorValues.$inferInsert;

/**
 * One statement for any number of rows: each column travels as one array parameter and `unnest` turns them back
 * into rows. Building a multi-row VALUES list through the ORM costs more CPU than the database spends inserting
 * (see packages/bench), and the statement size no longer grows with the row count.
 */
export async function upsertValues(db: Tx, rows: ValueWrite[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: ValueWrite) => T) => sql.param(rows.map(pick));
  await db.execute(sql`
    insert into indicator_values (period_id, agency_code, indicator_code, template_id, value_num, value_text, note, created_by, updated_at, updated_by)
    select * from unnest(
      ${col((r) => r.periodId)}::text[], ${col((r) => r.agencyCode)}::text[], ${col((r) => r.indicatorCode)}::text[], ${col((r) => r.templateId)}::text[],
      ${col((r) => r.valueNum ?? null)}::numeric[], ${col((r) => r.valueText ?? null)}::text[], ${col((r) => r.note ?? null)}::text[],
      ${col((r) => r.createdBy ?? null)}::uuid[], ${col((r) => (r.updatedAt ?? new Date()).toISOString())}::timestamptz[], ${col((r) => r.updatedBy ?? null)}::uuid[]
    )
    on conflict (period_id, agency_code, indicator_code) do update set
      template_id = excluded.template_id, value_num = excluded.value_num, value_text = excluded.value_text, note = excluded.note,
      updated_at = excluded.updated_at, updated_by = excluded.updated_by`);
}

/** Sets the links to exactly `documentIds`: links that stay are left alone (a link older than the registry stays valid). */
export async function replaceEvidence(db: Tx, key: ReportKey & { indicatorCode: string }, documentIds: string[]): Promise<void> {
  const ofValue = and(
    eq(valueEvidence.periodId, key.periodId),
    eq(valueEvidence.agencyCode, key.agencyCode),
    eq(valueEvidence.indicatorCode, key.indicatorCode),
  );
  await db.delete(valueEvidence).where(documentIds.length ? and(ofValue, notInArray(valueEvidence.documentId, documentIds)) : ofValue);
  if (documentIds.length)
    await db
      .insert(valueEvidence)
      .values(documentIds.map((documentId) => ({ ...key, documentId })))
      .onConflictDoNothing();
}

export async function deleteValue(db: Tx, key: ReportKey & { indicatorCode: string }): Promise<ValueRow | undefined> {
  const [row] = await db
    .delete(indicatorValues)
    .where(
      and(eq(indicatorValues.periodId, key.periodId), eq(indicatorValues.agencyCode, key.agencyCode), eq(indicatorValues.indicatorCode, key.indicatorCode)),
    )
    .returning();
  return row;
}

export type AuditWrite = typeof valueAudit.$inferInsert;

export async function insertValueAudit(db: Tx, rows: AuditWrite[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: AuditWrite) => T) => sql.param(rows.map(pick));
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  await db.execute(sql`
    insert into value_audit (actor_key_id, request_id, period_id, agency_code, indicator_code, action, old_value, new_value, old_note, new_note)
    select * from unnest(
      ${col((r) => r.actorKeyId ?? null)}::uuid[], ${col((r) => r.requestId ?? null)}::text[], ${col((r) => r.periodId)}::text[],
      ${col((r) => r.agencyCode)}::text[], ${col((r) => r.indicatorCode)}::text[], ${col((r) => r.action)}::text[],
      ${col((r) => json(r.oldValue))}::jsonb[], ${col((r) => json(r.newValue))}::jsonb[], ${col((r) => r.oldNote ?? null)}::text[], ${col((r) => r.newNote ?? null)}::text[]
    )`);
}

export async function listValueAudit(db: Tx, key: ReportKey & { indicatorCode?: string | undefined; beforeId?: number | undefined; limit: number }) {
  const where = [eq(valueAudit.periodId, key.periodId), eq(valueAudit.agencyCode, key.agencyCode)];
  if (key.indicatorCode) where.push(eq(valueAudit.indicatorCode, key.indicatorCode));
  if (key.beforeId) where.push(lt(valueAudit.id, key.beforeId));
  return db
    .select()
    .from(valueAudit)
    .where(and(...where))
    .orderBy(desc(valueAudit.id))
    .limit(key.limit);
}

/** Whether an indicator code exists in any template (to tell "unknown" from "not in this period's template"). */
export async function indicatorCodesAnywhere(db: Tx, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db.selectDistinct({ code: indicators.code }).from(indicators).where(inArray(indicators.code, codes));
  return new Set(rows.map((r) => r.code));
}

interface AggregateRow {
  tree_size: string | number;
  template_id: string | null;
  template_stamp: string | number | null;
  period_id: string | null;
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
 * Per period and indicator, the aggregates over an agency's whole subtree (the agency included), the size of
 * the subtree (0: no such agency) and the first period's template version, in one statement: the recursive walk
 * of the tree and the aggregation run in the database. The right join keeps one row when nothing was reported.
 */
export async function subtreeAggregates(
  db: Tx,
  f: { periods: string[]; root: string; codes: string[] },
): Promise<{ byPeriod: Map<string, Map<string, Aggregates>>; treeSize: number; firstPeriod: { templateId: string | null; templateStamp: number | null } }> {
  const rows = await queryRows<AggregateRow>(
    db,
    sql`
    with recursive tree(code) as (
      select code from agencies where code = ${f.root}
      union
      select a.code from agencies a join tree t on a.parent_code = t.code
    ),
    agg as (
      select v.period_id, v.indicator_code, count(v.value_num) as n, sum(v.value_num) as sum, avg(v.value_num) as avg,
             min(v.value_num) as min, max(v.value_num) as max, bool_or(v.value_num = 1) as any, bool_and(v.value_num = 1) as all
      from indicator_values v join tree t on t.code = v.agency_code
      where v.period_id in ${sqlList(f.periods)} and v.indicator_code in ${sqlList(f.codes)} and v.value_num is not null
      group by v.period_id, v.indicator_code
    )
    select (select count(*) from tree) as tree_size,
           (select p.template_id from periods p where p.id = ${f.periods[0] ?? null}) as template_id,
           (select floor(extract(epoch from t.updated_at) * 1000) from periods p join templates t on t.id = p.template_id where p.id = ${f.periods[0] ?? null}) as template_stamp,
           agg.*
    from agg right join (select 1) as one on true`,
  );
  const byPeriod = new Map<string, Map<string, Aggregates>>();
  const num = (v: string | null) => (v === null ? null : Number(v));
  for (const r of rows) {
    if (r.period_id === null) continue;
    const byCode = byPeriod.get(r.period_id) ?? new Map<string, Aggregates>();
    byCode.set(r.indicator_code, { count: Number(r.n), sum: num(r.sum), avg: num(r.avg), min: num(r.min), max: num(r.max), any: r.any, all: r.all });
    byPeriod.set(r.period_id, byCode);
  }
  const first = rows[0];
  return {
    byPeriod,
    treeSize: Number(first?.tree_size ?? 0),
    // The first period's template and its version, so a caller can check it used the right one in the same statement.
    firstPeriod: { templateId: first?.template_id ?? null, templateStamp: first?.template_stamp == null ? null : Number(first.template_stamp) },
  };
}

/** `(a, b, c)` with each item a bound parameter. */
function sqlList(items: string[]): SQL {
  return sql`(${sql.join(items.length ? items.map((i) => sql`${i}`) : [sql`null`], sql`, `)})`;
}
