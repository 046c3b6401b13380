import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/connection.js';
import { LOCKS } from '../../db/locks.js';
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
        ${sql.join(
          COUNT_FIELDS.map((f) => sql`${p((r) => r.counts[f] ?? null)}::int[]`),
          sql`, `,
        )}
      ) as k
      on conflict (agency_code, procedure_code, day, source) do update set
        as_of = excluded.as_of, ${sql.join(
          columns.map((c) => sql`${c} = excluded.${c}`),
          sql`, `,
        )}, updated_at = now()
      where dossier_counts.as_of <= excluded.as_of`);
  }
}

/**
 * Moves the counts watermark of these agencies on (dossier_count_versions): one row each, in code order so that
 * concurrent ingestions lock them in the same order. Call last in the transaction: the rows are hot, and their
 * locks are held until it commits.
 */
export async function bumpCountVersions(db: Tx, agencyCodes: Iterable<string>): Promise<void> {
  const codes = [...new Set(agencyCodes)].sort();
  if (codes.length === 0) return;
  await db.execute(sql`
    insert into dossier_count_versions (agency_code, version, changed_at)
    select a, 1, now() from unnest(${sql.param(codes)}::text[]) as a order by a
    on conflict (agency_code) do update set version = dossier_count_versions.version + 1, changed_at = now()`);
}

/** The reporting month (Nghị định 09/2019) of a day, in SQL: from the 15th on, a day counts toward the next month. */
const BUCKET_OF_DAY = `to_char((day - 14) + interval '1 month', 'YYYY-MM')`;
/** The first (the 15th of the month before) and the last day (the 14th) of a bucket column, in SQL. */
const BUCKET_FIRST_DAY = (bucket: string) => `(to_date(${bucket}, 'YYYY-MM') - interval '1 month' + interval '14 days')::date`;
const BUCKET_LAST_DAY = (bucket: string) => `(to_date(${bucket}, 'YYYY-MM') + 13)`;

const FLOW_COLUMNS = [
  'received_new',
  'received_online',
  'received_in_person',
  'received_postal',
  'resolved',
  'resolved_early',
  'resolved_on_time',
  'resolved_late',
  'withdrawn',
];
const STOCK_COLUMNS = ['carried_over', 'pending', 'pending_within', 'pending_overdue'];

/**
 * How the raw rows `t` of one series and month roll up (flows summed; stocks at the month's first or last day), in
 * the roll-up's column order. The one definition for the rebuild, the refresh and the reads of unrefreshed months.
 */
const monthlyAggregates = (t: string) =>
  [
    ...FLOW_COLUMNS.map((c) => `sum(${t}.${c}) as ${c}`),
    `(array_agg(${t}.carried_over order by ${t}.day))[1] as carried_over`,
    ...['pending', 'pending_within', 'pending_overdue'].map((c) => `(array_agg(${t}.${c} order by ${t}.day desc))[1] as ${c}`),
    `max(${t}.as_of) as as_of`,
  ].join(', ');

/** The SELECT that rolls raw rows up into reporting months. */
const MONTHLY_SELECT = `select c.agency_code, c.procedure_code, c.source, ${BUCKET_OF_DAY} as bucket, ${monthlyAggregates('c')} from dossier_counts c`;
const MONTHLY_VALUES = [...FLOW_COLUMNS, ...STOCK_COLUMNS, 'as_of'];
const MONTHLY_COLUMNS = `agency_code, procedure_code, source, bucket, ${MONTHLY_VALUES.join(', ')}`;
const MONTHLY_UPDATE = MONTHLY_VALUES.map((c) => `${c} = excluded.${c}`).join(', ');

/**
 * Marks the reporting months these rows fall in as out of date (call in the transaction that wrote them). Marking is
 * cheap, so ingestion stays fast; reads roll marked months up from the raw rows until the refresher (off the request
 * path, rollup-refresher.ts) recomputes them once (refreshMonthly).
 *
 * A month already marked is locked, not skipped (`do update … where false` locks the row and writes nothing): a
 * refresh that took that mark now would recompute the month without this transaction's uncommitted rows and
 * leave it unmarked. Locked, the mark is skipped by refreshes until this transaction ends.
 */
export async function markMonthsDirty(db: Tx, rows: Array<Pick<CountRow, 'agencyCode' | 'procedureCode' | 'source' | 'day'>>): Promise<void> {
  if (rows.length === 0) return;
  const p = (pick: (r: (typeof rows)[number]) => string) => sql.param(rows.map(pick));
  await db.execute(sql`
    insert into dossier_monthly_dirty (agency_code, procedure_code, source, bucket)
    select distinct k.a, k.pr, k.s, to_char((k.d - 14) + interval '1 month', 'YYYY-MM')
    from unnest(${p((r) => r.agencyCode)}::text[], ${p((r) => r.procedureCode)}::text[], ${p((r) => r.source)}::text[], ${p((r) => r.day)}::date[]) as k(a, pr, s, d)
    order by 1, 2, 3, 4 -- one lock order for every writer
    on conflict (agency_code, procedure_code, source, bucket) do update set bucket = excluded.bucket where false`);
}

/**
 * Recomputes out-of-date reporting months, in one statement: the marks are taken (deleted) and their months
 * recomputed from the raw rows through the primary key. A push that commits meanwhile marks its months again, so
 * nothing is missed. With `limit`, at most that many marks (in key order), so a backlog can be worked off in short
 * transactions that never hold ingestion up for long. Returns how many marks were taken.
 */
export async function refreshMonthly(db: Tx, options: { first?: string; last?: string; limit?: number } = {}): Promise<number> {
  const range = options.first !== undefined && options.last !== undefined ? sql`where bucket between ${options.first} and ${options.last}` : sql``;
  const limit = options.limit !== undefined ? sql`limit ${options.limit}` : sql``;
  const [row] = await queryRows<{ taken: string | number }>(
    db,
    sql`
    with taken as (
      delete from dossier_monthly_dirty
      where (agency_code, procedure_code, source, bucket) in (
        -- A mark locked by an ingestion still open is left for a later refresh (see markMonthsDirty).
        select agency_code, procedure_code, source, bucket from dossier_monthly_dirty ${range} order by 1, 2, 3, 4 ${limit} for update skip locked
      )
      returning agency_code as a, procedure_code as pr, source as s, bucket
    ),
    windows as (
      select a, pr, s, bucket, ${sql.raw(BUCKET_FIRST_DAY('bucket'))} as d0, ${sql.raw(BUCKET_LAST_DAY('bucket'))} as d1 from taken
    ),
    written as (
      insert into dossier_monthly (${sql.raw(MONTHLY_COLUMNS)})
      select c.agency_code, c.procedure_code, c.source, w.bucket, ${sql.raw(monthlyAggregates('c'))}
      from windows w join dossier_counts c on c.agency_code = w.a and c.procedure_code = w.pr and c.source = w.s and c.day between w.d0 and w.d1
      group by c.agency_code, c.procedure_code, c.source, w.bucket
      order by c.agency_code, c.procedure_code, c.source, w.bucket
      on conflict (agency_code, procedure_code, source, bucket) do update set ${sql.raw(MONTHLY_UPDATE)}
    )
    select count(*) as taken from taken`,
  );
  return Number(row?.taken ?? 0);
}

/**
 * Recomputes every reporting month from the raw rows (after a bulk load that bypassed ingestion). One transaction
 * (a savepoint inside the caller's), under the refreshers' lock: a refresh never interleaves with it.
 */
export async function rebuildMonthly(db: Tx): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.dossierRollup}::bigint)`);
    await tx.execute(sql`delete from dossier_monthly_dirty`);
    await tx.execute(sql`delete from dossier_monthly`);
    await tx.execute(sql.raw(`insert into dossier_monthly (${MONTHLY_COLUMNS}) ${MONTHLY_SELECT} group by agency_code, procedure_code, source, bucket`));
    // Rows loaded around ingestion never moved their agencies' watermark: move every agency's now, so report reads
    // (which skip the counts of an agency whose watermark was never moved) and their ETags see them.
    await tx.execute(sql`
      insert into dossier_count_versions (agency_code, version, changed_at)
      select agency_code, 1, now() from (select distinct agency_code from dossier_counts) a order by agency_code
      on conflict (agency_code) do update set version = dossier_count_versions.version + 1, changed_at = now()`);
  });
}

export type GroupBy = 'none' | 'agency' | 'procedure' | 'field' | 'month';

/** A window that starts on a 15th and ends on a 14th is a union of reporting months: its first and last bucket. */
export function bucketsOf(from: string, to: string): { first: string; last: string } | undefined {
  if (!from.endsWith('-15') || !to.endsWith('-14')) return undefined;
  const [y, m] = from.split('-').map(Number) as [number, number];
  const first = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { first, last: to.slice(0, 7) };
}

/**
 * Group keys, over the series (`se`, see windowTotalsQuery) joined to their procedure (`p`); month is the reporting
 * month (the bucket), so raw rows and roll-ups group alike.
 */
const GROUP_EXPR: Record<GroupBy, string> = {
  none: `'all'::text`,
  agency: 'se.a',
  procedure: 'se.pr',
  field: 'p.field',
  month: 'se.b',
};

/**
 * A series' stocks come from its first day's row (carried over) and its last day's row (pending…). To take them in
 * the same single aggregation pass as the flows (no sort by day, no join back to the rows), each row's count is
 * packed with its day into one bigint, day first: min() of the packed values is the first day's, max() the last
 * day's (a series has one row per day), and the count is unpacked from the low 33 bits. A count (int4 or null) is
 * stored there as count + 2^31 + 1, null as 0, so every int4 and null round-trip. `day` is a non-negative integer
 * (days since 0001-01-01 for raw rows, year × 12 + month for roll-up rows): at most about 2^20 · 2^33, far below
 * 2^63.
 */
const PACK = 8_589_934_592; // 2^33
const INT4_OFFSET = 2_147_483_649; // 2^31 + 1
const packed = (column: string) => `day::bigint * ${PACK} + coalesce(${column}::bigint + ${INT4_OFFSET}, 0)`;
const unpacked = (expr: string) => `(nullif(${expr} % ${PACK}, 0) - ${INT4_OFFSET})::int`;
const FIRST_DAY_STOCKS = ['carried_over'];
const LAST_DAY_STOCKS = ['pending', 'pending_within', 'pending_overdue'];

export interface GroupTotals {
  key: string;
  totals: Record<CountField, number>;
  /** The newest snapshot in the group, and the systems that counted. */
  asOf: Date;
  sources: string[];
}

export interface WindowFilter {
  from: string;
  to: string;
  /** This agency (and, unless subtree is false, its subtree); default: every agency. */
  root?: string | undefined;
  subtree?: boolean;
  source?: string | undefined;
  groupBy: GroupBy;
}

/**
 * The rows a whole-months window reads, in the roll-up's shape: the roll-up where it is up to date, and where a
 * month is still marked out of date, its raw rows rolled up the way refreshMonthly would. Reading never waits for
 * (or does) the refresh, so a GET writes nothing and answers the same figures before the refresh as after it.
 */
function monthlyRows(buckets: { first: string; last: string }, agencies: SQL, source: string | undefined): SQL {
  const ofSource = (table: string) => (source ? sql`and ${sql.raw(table)}.source = ${source}` : sql``);
  return sql`
      select m.agency_code, m.procedure_code, m.source, m.bucket, ${sql.raw(MONTHLY_VALUES.map((col) => `m.${col}`).join(', '))}
      from dossier_monthly m
      where m.bucket between ${buckets.first} and ${buckets.last} and m.agency_code in ${agencies} ${ofSource('m')}
        -- An anti-join on plain column equalities: hashed (or probed through the marks' primary key), once per read.
        and not exists (
          select from dossier_monthly_dirty d
          where d.agency_code = m.agency_code and d.procedure_code = m.procedure_code and d.source = m.source and d.bucket = m.bucket
        )
      union all
      select c.agency_code, c.procedure_code, c.source, d.bucket, ${sql.raw(monthlyAggregates('c'))}
      from dossier_monthly_dirty d
      join dossier_counts c on c.agency_code = d.agency_code and c.procedure_code = d.procedure_code and c.source = d.source
        and c.day between ${sql.raw(BUCKET_FIRST_DAY('d.bucket'))} and ${sql.raw(BUCKET_LAST_DAY('d.bucket'))}
      where d.bucket between ${buckets.first} and ${buckets.last} and d.agency_code in ${agencies} ${ofSource('d')}
      group by c.agency_code, c.procedure_code, c.source, d.bucket`;
}

/**
 * Totals per group over a window, as one read-only statement to run or to embed as a subquery. Its columns: `g`
 * (the group key), `max_as_of`, `sources` (comma-separated), then one column per count under its SQL name
 * (received_new, …, pending_overdue). Flows are summed over the window's days; stocks are taken per agency,
 * procedure and source at the window's first day (carried over) and last day (pending), then summed. A window made
 * of whole reporting months reads the roll-up (see monthlyRows); any other, the raw rows, narrowed by the
 * (day, agency) index.
 *
 * Its cost is linear in the window's rows, whatever the number of series: the rows are aggregated once, per series
 * (agency, procedure, source, and the month when grouping by month), flows and stocks together (see PACK), and the
 * series then per group. Nothing joins the rows back to their series (with many series, a join of a CTE to itself
 * could be planned as nested loops over unindexed CTE scans: series × rows).
 */
export function windowTotalsQuery(f: WindowFilter): SQL {
  const group = sql.raw(GROUP_EXPR[f.groupBy]);
  const byMonth = f.groupBy === 'month';
  const buckets = bucketsOf(f.from, f.to);
  const agencies = sql`(select code from tree)`;
  const columns = sql.raw([...FLOW_COLUMNS, ...STOCK_COLUMNS].map((col) => `c.${col}`).join(', '));
  const seriesColumns = sql.raw(
    [
      ...FLOW_COLUMNS.map((c) => `sum(${c}) as ${c}`),
      ...FIRST_DAY_STOCKS.map((c) => `${unpacked(`min(${packed(c)})`)} as ${c}`),
      ...LAST_DAY_STOCKS.map((c) => `${unpacked(`max(${packed(c)})`)} as ${c}`),
    ].join(', '),
  );
  return sql`
    with recursive tree(code) as (
      select code from agencies where ${f.root ? sql`code = ${f.root}` : sql`parent_code is null`}
      union
      select a.code from agencies a join tree t on a.parent_code = t.code where ${f.subtree === false ? sql`false` : sql`true`}
    )
    select ${group} as g, max(se.as_of) as max_as_of, string_agg(distinct se.s, ',') as sources,
      ${sql.raw([...FLOW_COLUMNS, ...STOCK_COLUMNS].map((c) => `coalesce(sum(se.${c}), 0)::bigint as ${c}`).join(', '))}
    from (
      -- Each series (agency, procedure, source; by month, within each month): its flows and its stocks, in one pass.
      select a, pr, s, b, max(as_of) as as_of, ${seriesColumns}
      from (${
        buckets
          ? sql`
        select c.agency_code as a, c.procedure_code as pr, c.source as s, ${byMonth ? sql`c.bucket` : sql`null::text`} as b,
          left(c.bucket, 4)::int * 12 + right(c.bucket, 2)::int as day, c.as_of, ${columns}
        from (${monthlyRows(buckets, agencies, f.source)}) c`
          : sql`
        select c.agency_code as a, c.procedure_code as pr, c.source as s, ${byMonth ? sql.raw(`to_char((c.day - 14) + interval '1 month', 'YYYY-MM')`) : sql`null::text`} as b,
          c.day - date '0001-01-01' as day, c.as_of, ${columns}
        from dossier_counts c
        where c.day between ${f.from}::date and ${f.to}::date
          and c.agency_code in ${agencies}
          ${f.source ? sql`and c.source = ${f.source}` : sql``}`
      }
      ) r
      group by a, pr, s, b
    ) se
    join procedures p on p.code = se.pr
    group by 1
    order by 1`;
}

/** A row of windowTotalsQuery as the API's shape. */
export function toGroupTotals(r: Record<string, unknown>): GroupTotals {
  return {
    key: String(r.g),
    totals: Object.fromEntries(COUNT_FIELDS.map((field) => [field, Number(r[COLUMN[field]] ?? 0)])) as Record<CountField, number>,
    asOf: new Date(r.max_as_of as string | Date),
    sources: String((r.sources as string | null) ?? '')
      .split(',')
      .filter(Boolean)
      .sort(),
  };
}

/** Totals per group over a window (windowTotalsQuery). Reads only. */
export async function windowTotals(db: Tx, f: WindowFilter): Promise<GroupTotals[]> {
  return (await queryRows<Record<string, unknown>>(db, windowTotalsQuery(f))).map(toGroupTotals);
}
