import { sql } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/connection.js';
import { dossierCounts } from '../../db/schema.js';
import { COUNT_FIELDS, type CountField } from '../../domain/dossiers.js';

export interface CountRow {
  agencyCode: string;
  procedureCode: string;
  day: string;
  source: string;
  asOf: Date;
  counts: Partial<Record<CountField, number | null>>;
}

/** The SQL column of each count, from the schema. */
const COLUMN = Object.fromEntries(COUNT_FIELDS.map((f) => [f, dossierCounts[f].name])) as Record<CountField, string>;

export const keyOf = (r: Pick<CountRow, 'agencyCode' | 'procedureCode' | 'day' | 'source'>) => `${r.agencyCode}|${r.procedureCode}|${r.day}|${r.source}`;

/** The stored snapshot of each key (as_of and counts), in one statement whatever the number of keys. */
export async function loadStored(db: Tx, rows: CountRow[]): Promise<Map<string, CountRow>> {
  if (rows.length === 0) return new Map();
  const p = (pick: (r: CountRow) => string) => sql.param(rows.map(pick));
  const found = await queryRows<Record<string, unknown>>(
    db,
    sql`select c.* from dossier_counts c
        join unnest(${p((r) => r.agencyCode)}::text[], ${p((r) => r.procedureCode)}::text[], ${p((r) => r.day)}::date[], ${p((r) => r.source)}::text[]) as k(a, pr, d, s)
          on c.agency_code = k.a and c.procedure_code = k.pr and c.day = k.d and c.source = k.s`,
  );
  const out = new Map<string, CountRow>();
  for (const f of found) {
    const day = f.day instanceof Date ? f.day.toISOString().slice(0, 10) : String(f.day);
    const row: CountRow = {
      agencyCode: String(f.agency_code),
      procedureCode: String(f.procedure_code),
      day,
      source: String(f.source),
      asOf: new Date(f.as_of as string | Date),
      counts: Object.fromEntries(COUNT_FIELDS.map((c) => [c, f[COLUMN[c]] === null ? null : Number(f[COLUMN[c]])])),
    };
    out.set(keyOf(row), row);
  }
  return out;
}

/**
 * Writes rows in key order (concurrent batches then lock in the same order and cannot deadlock). A row replaces the
 * stored one only if it is not older: whatever order deliveries arrive in, the latest snapshot wins.
 */
export async function upsertCounts(db: Tx, rows: CountRow[]): Promise<void> {
  const sorted = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  for (let i = 0; i < sorted.length; i += 20000) {
    const chunk = sorted.slice(i, i + 20000);
    const p = (pick: (r: CountRow) => unknown) => sql.param(chunk.map(pick));
    const columns = COUNT_FIELDS.map((f) => sql.raw(COLUMN[f]));
    await db.execute(sql`
      insert into dossier_counts (agency_code, procedure_code, day, source, as_of, ${sql.join(columns, sql`, `)}, updated_at)
      select k.*, now() from unnest(
        ${p((r) => r.agencyCode)}::text[], ${p((r) => r.procedureCode)}::text[], ${p((r) => r.day)}::date[], ${p((r) => r.source)}::text[],
        ${p((r) => r.asOf.toISOString())}::timestamptz[],
        ${sql.join(COUNT_FIELDS.map((f) => sql`${p((r) => r.counts[f] ?? null)}::int[]`), sql`, `)}
      ) as k
      on conflict (agency_code, procedure_code, day, source) do update set
        as_of = excluded.as_of, ${sql.join(columns.map((c) => sql`${c} = excluded.${c}`), sql`, `)}, updated_at = now()
      where dossier_counts.as_of <= excluded.as_of`);
  }
}

/** The reporting month (Nghị định 09/2019) of a day, in SQL: from the 15th on, a day counts toward the next month. */
const BUCKET_OF_DAY = `to_char((day - 14) + interval '1 month', 'YYYY-MM')`;

const FLOW_COLUMNS = ['received_new', 'received_online', 'received_in_person', 'received_postal', 'resolved', 'resolved_early', 'resolved_on_time', 'resolved_late', 'withdrawn'];
const STOCK_COLUMNS = ['carried_over', 'pending', 'pending_within', 'pending_overdue'];

/** The SELECT that rolls raw rows up into reporting months (flows summed; stocks at the bucket's first or last day). */
const MONTHLY_SELECT = `
  select agency_code, procedure_code, source, ${BUCKET_OF_DAY} as bucket,
    ${FLOW_COLUMNS.map((c) => `sum(${c}) as ${c}`).join(', ')},
    (array_agg(carried_over order by day))[1] as carried_over,
    ${['pending', 'pending_within', 'pending_overdue'].map((c) => `(array_agg(${c} order by day desc))[1] as ${c}`).join(', ')},
    max(as_of) as as_of
  from dossier_counts`;
const MONTHLY_COLUMNS = `agency_code, procedure_code, source, bucket, ${FLOW_COLUMNS.join(', ')}, carried_over, pending, pending_within, pending_overdue, as_of`;
const MONTHLY_UPDATE = [...FLOW_COLUMNS, ...STOCK_COLUMNS, 'as_of'].map((c) => `${c} = excluded.${c}`).join(', ');

/**
 * Marks the reporting months these rows fall in as out of date (call in the transaction that wrote them). Marking is
 * cheap, so ingestion stays fast; the next statistics over those months recompute them once (refreshMonthly).
 */
export async function markMonthsDirty(db: Tx, rows: Array<Pick<CountRow, 'agencyCode' | 'procedureCode' | 'source' | 'day'>>): Promise<void> {
  if (rows.length === 0) return;
  const p = (pick: (r: (typeof rows)[number]) => string) => sql.param(rows.map(pick));
  await db.execute(sql`
    insert into dossier_monthly_dirty (agency_code, procedure_code, source, bucket)
    select distinct k.a, k.pr, k.s, to_char((k.d - 14) + interval '1 month', 'YYYY-MM')
    from unnest(${p((r) => r.agencyCode)}::text[], ${p((r) => r.procedureCode)}::text[], ${p((r) => r.source)}::text[], ${p((r) => r.day)}::date[]) as k(a, pr, s, d)
    order by 1, 2, 3, 4 -- one lock order for every writer
    on conflict do nothing`);
}

/**
 * Recomputes the out-of-date reporting months between two buckets, in one statement: the marks are taken (deleted)
 * and their months recomputed from the raw rows through the primary key. A push that commits meanwhile marks its
 * months again, so nothing is missed.
 */
export async function refreshMonthly(db: Tx, first: string, last: string): Promise<void> {
  const c = (col: string) => `c.${col}`;
  await db.execute(sql`
    with taken as (
      delete from dossier_monthly_dirty where bucket between ${first} and ${last}
      returning agency_code as a, procedure_code as pr, source as s, bucket
    ),
    windows as (
      select a, pr, s, bucket, (to_date(bucket, 'YYYY-MM') - interval '1 month' + interval '14 days')::date as d0, to_date(bucket, 'YYYY-MM') + 13 as d1 from taken
    )
    insert into dossier_monthly (${sql.raw(MONTHLY_COLUMNS)})
    select c.agency_code, c.procedure_code, c.source, w.bucket,
      ${sql.raw(FLOW_COLUMNS.map((col) => `sum(${c(col)})`).join(', '))},
      (array_agg(c.carried_over order by c.day))[1],
      (array_agg(c.pending order by c.day desc))[1], (array_agg(c.pending_within order by c.day desc))[1], (array_agg(c.pending_overdue order by c.day desc))[1],
      max(c.as_of)
    from windows w join dossier_counts c on c.agency_code = w.a and c.procedure_code = w.pr and c.source = w.s and c.day between w.d0 and w.d1
    group by c.agency_code, c.procedure_code, c.source, w.bucket
    order by c.agency_code, c.procedure_code, c.source, w.bucket
    on conflict (agency_code, procedure_code, source, bucket) do update set ${sql.raw(MONTHLY_UPDATE)}`);
}

/** Recomputes every reporting month from the raw rows (after a bulk load that bypassed ingestion). */
export async function rebuildMonthly(db: Tx): Promise<void> {
  await db.execute(sql`delete from dossier_monthly_dirty`);
  await db.execute(sql`delete from dossier_monthly`);
  await db.execute(sql.raw(`insert into dossier_monthly (${MONTHLY_COLUMNS}) ${MONTHLY_SELECT} group by agency_code, procedure_code, source, bucket`));
}

export type GroupBy = 'none' | 'agency' | 'procedure' | 'field' | 'month';

/** A window that starts on a 15th and ends on a 14th is a union of reporting months: its first and last bucket. */
export function bucketsOf(from: string, to: string): { first: string; last: string } | undefined {
  if (!from.endsWith('-15') || !to.endsWith('-14')) return undefined;
  const [y, m] = from.split('-').map(Number) as [number, number];
  const first = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { first, last: to.slice(0, 7) };
}

/** Group keys; month is the reporting month (the bucket), so raw rows and roll-ups group alike. */
const GROUP_EXPR: Record<GroupBy, string> = {
  none: `'all'`,
  agency: 'c.agency_code',
  procedure: 'c.procedure_code',
  field: 'p.field',
  month: `to_char((c.day - 14) + interval '1 month', 'YYYY-MM')`,
};

export interface GroupTotals {
  key: string;
  totals: Record<CountField, number>;
  /** The newest snapshot in the group, and the systems that counted. */
  asOf: Date;
  sources: string[];
}

/**
 * Totals per group over a window: flows summed over its days; stocks taken per agency, procedure and source at the
 * window's first day (carried over) and last day (pending), then summed. One statement; the (day, agency) index
 * narrows the window.
 */
export async function windowTotals(
  db: Tx,
  f: { from: string; to: string; root?: string | undefined; subtree?: boolean; source?: string | undefined; groupBy: GroupBy },
): Promise<GroupTotals[]> {
  const group = sql.raw(GROUP_EXPR[f.groupBy]);
  const flows = FLOW_COLUMNS;
  const stocks = STOCK_COLUMNS;
  // A window made of whole reporting months reads the roll-up (brought up to date first); any other, the raw rows.
  const buckets = bucketsOf(f.from, f.to);
  if (buckets) await refreshMonthly(db, buckets.first, buckets.last);
  const rows = await queryRows<Record<string, string | null>>(
    db,
    sql`
    with recursive tree(code) as (
      select code from agencies where ${f.root ? sql`code = ${f.root}` : sql`parent_code is null`}
      union
      select a.code from agencies a join tree t on a.parent_code = t.code where ${f.subtree === false ? sql`false` : sql`true`}
    ),
    w as materialized (${
      buckets
        ? sql`
      select c.agency_code as a, c.procedure_code as pr, c.source as s, c.bucket as day, ${f.groupBy === 'month' ? sql.raw('c.bucket') : group} as g, c.as_of,
             ${sql.raw([...flows, ...stocks].map((col) => `c.${col}`).join(', '))}
      from dossier_monthly c join procedures p on p.code = c.procedure_code
      where c.bucket between ${buckets.first} and ${buckets.last}`
        : sql`
      select c.agency_code as a, c.procedure_code as pr, c.source as s, c.day::text as day, ${group} as g, c.as_of,
             ${sql.raw([...flows, ...stocks].map((col) => `c.${col}`).join(', '))}
      from dossier_counts c join procedures p on p.code = c.procedure_code
      where c.day between ${f.from}::date and ${f.to}::date`
    }
        and c.agency_code in (select code from tree)
        ${f.source ? sql`and c.source = ${f.source}` : sql``}
    ),
    -- Each series (agency, procedure, source) within a group: its first and last day in the window.
    series as (select a, pr, s, g, min(day) as first_day, max(day) as last_day from w group by a, pr, s, g),
    stocks as (
      select se.g, sum(f.carried_over) as carried_over, sum(l.pending) as pending,
             sum(l.pending_within) as pending_within, sum(l.pending_overdue) as pending_overdue
      from series se
      join w f on (f.a, f.pr, f.s, f.g, f.day) = (se.a, se.pr, se.s, se.g, se.first_day)
      join w l on (l.a, l.pr, l.s, l.g, l.day) = (se.a, se.pr, se.s, se.g, se.last_day)
      group by se.g
    ),
    flows as (
      select g, max(as_of) as max_as_of, string_agg(distinct s, ',') as sources,
             ${sql.raw(flows.map((c) => `coalesce(sum(${c}), 0) as ${c}`).join(', '))}
      from w group by g
    )
    select flows.*, ${sql.raw(stocks.map((c) => `coalesce(stocks.${c}, 0) as ${c}`).join(', '))}
    from flows left join stocks on stocks.g = flows.g
    order by flows.g`,
  );
  return rows.map((r) => ({
    key: String(r.g),
    totals: Object.fromEntries(COUNT_FIELDS.map((field) => [field, Number(r[COLUMN[field]] ?? 0)])) as Record<CountField, number>,
    asOf: new Date(r.max_as_of as unknown as string),
    sources: String(r.sources ?? '').split(',').filter(Boolean).sort(),
  }));
}
