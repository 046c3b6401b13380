/**
 * Dossier statistics over many distinct sources (issue 12): the stocks of each series (agency, procedure, source)
 * once came from a join of the window's rows to themselves, which the planner could run as nested loops over
 * unindexed CTE scans, series × rows (minutes at 27 000 sources). Each groupBy of the year must answer quickly
 * (a generous bound: a guard against that plan, not a performance test) and give what a naive recomputation from
 * the raw rows gives, with some months marked out of date and their raw rows changed since the roll-up.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { queryRows } from '../../src/db/connection.js';
import { dossierCounts } from '../../src/db/schema.js';
import { COUNT_FIELDS, type CountField } from '../../src/domain/dossiers.js';
import { seedDatabase } from '../../src/seed.js';
import { rebuildMonthly, windowTotals, type GroupBy } from '../../src/modules/dossiers/repository.js';
import { openTestDatabase, serverUrl } from '../helpers/database.js';

// PGlite (one WASM process, no parallelism) gets fewer sources; both are far past where the old plan hurt.
const SOURCES = serverUrl ? 3_000 : 1_000;
const ROOT = 'UBND-ST';
const BOUND_MS = 5_000;
const GROUPS: GroupBy[] = ['none', 'agency', 'procedure', 'field', 'month'];

/** The reporting month of a day (from the 15th, the next month), as the service computes it. */
function bucketOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  if (d < 15) return day.slice(0, 7);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

interface Raw {
  agency: string;
  procedure: string;
  day: string;
  source: string;
  asOf: Date;
  counts: Record<CountField, number | null>;
}

const STOCK_FIRST: CountField[] = ['carriedOver'];
const STOCK_LAST: CountField[] = ['pending', 'pendingWithin', 'pendingOverdue'];

/** Totals per group from the raw rows, the slow obvious way: flows summed, stocks at each series' first and last day. */
function naive(rows: Raw[], groupKey: (r: Raw) => string) {
  const series = new Map<string, Raw[]>();
  for (const r of rows) {
    const key = `${groupKey(r)}|${r.agency}|${r.procedure}|${r.source}`;
    const list = series.get(key) ?? [];
    list.push(r);
    series.set(key, list);
  }
  const groups = new Map<string, { totals: Record<CountField, number>; asOf: number; sources: Set<string> }>();
  for (const list of series.values()) {
    list.sort((a, b) => (a.day < b.day ? -1 : 1));
    const g = groupKey(list[0]!);
    const group = groups.get(g) ?? {
      totals: Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as Record<CountField, number>,
      asOf: 0,
      sources: new Set<string>(),
    };
    for (const f of COUNT_FIELDS) {
      if (STOCK_FIRST.includes(f)) group.totals[f] += list[0]!.counts[f] ?? 0;
      else if (STOCK_LAST.includes(f)) group.totals[f] += list.at(-1)!.counts[f] ?? 0;
      else for (const r of list) group.totals[f] += r.counts[f] ?? 0;
    }
    for (const r of list) group.asOf = Math.max(group.asOf, r.asOf.getTime());
    group.sources.add(list[0]!.source);
    groups.set(g, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, g]) => ({ key, totals: g.totals, asOf: new Date(g.asOf), sources: [...g.sources].sort() }));
}

t.test(`statistics over ${SOURCES} sources × 12 months`, async (t) => {
  const { database, drop } = await openTestDatabase();
  t.teardown(drop);
  await seedDatabase(database);
  const { db } = database;

  // Series s: agency s mod A × procedure (s div A) mod P × source s; on two days (the 15th and the 24th) of each
  // reporting month of year 2023's window; counts vary by series, month and day (some stocks null).
  await db.execute(sql`
    insert into dossier_counts (agency_code, procedure_code, day, source, received_new, carried_over, received_online, received_in_person,
      received_postal, resolved, resolved_early, resolved_on_time, resolved_late, pending, pending_within, pending_overdue, withdrawn, as_of)
    with a as (select array_agg(code order by code) as codes from agencies),
         p as (select array_agg(code order by code) as codes from procedures)
    select a.codes[1 + s % cardinality(a.codes)], p.codes[1 + (s / cardinality(a.codes)) % cardinality(p.codes)],
           (date '2022-12-15' + make_interval(months => m) + make_interval(days => k * 9))::date, 'many-' || lpad(s::text, 5, '0'),
           3 + (s + m + k) % 5, case when (s + m) % 7 = 0 then null else (s + 2 * m + k) % 4 end, 1, 1, 1 + (s + m + k) % 5, 2, 1, 1, 0,
           (s * 7 + m + k) % 3, (s * 7 + m + k) % 3, case when k = 1 and s % 11 = 0 then null else (s + k) % 2 end, k,
           timestamptz '2024-01-01' + make_interval(secs => s + m)
    from a, p, generate_series(0, ${SOURCES - 1}) s, generate_series(0, 11) m, generate_series(0, 1) k`);
  await rebuildMonthly(db);
  // As a push leaves them before the refresher runs: the last month of every 10th series changed and marked.
  await db.execute(sql`
    update dossier_counts set received_new = received_new + 2, carried_over = coalesce(carried_over, 0) + 1, pending = pending + 5
    where day >= date '2023-11-15' and right(source, 1) = '0'`);
  await db.execute(sql`
    insert into dossier_monthly_dirty (agency_code, procedure_code, source, bucket)
    select distinct agency_code, procedure_code, source, '2023-12' from dossier_counts where day >= date '2023-11-15' and right(source, 1) = '0'`);
  if (serverUrl) await db.execute(sql`analyze`);

  const tree = await queryRows<{ code: string }>(
    db,
    sql`with recursive tree(code) as (select code from agencies where code = ${ROOT} union select a.code from agencies a join tree t on a.parent_code = t.code)
        select code from tree`,
  );
  const inTree = new Set(tree.map((r) => r.code));
  const fields = new Map((await queryRows<{ code: string; field: string }>(db, sql`select code, field from procedures`)).map((p) => [p.code, p.field]));
  const raw: Raw[] = (await queryRows<Record<string, unknown>>(db, sql`select *, day::text as day_text from dossier_counts`))
    .map((r) => ({
      agency: String(r.agency_code),
      procedure: String(r.procedure_code),
      day: String(r.day_text),
      source: String(r.source),
      asOf: new Date(r.as_of as string | Date),
      counts: Object.fromEntries(COUNT_FIELDS.map((f) => [f, r[dossierCounts[f].name] === null ? null : Number(r[dossierCounts[f].name])])) as Record<
        CountField,
        number | null
      >,
    }))
    .filter((r) => inTree.has(r.agency));
  t.ok(raw.length >= SOURCES * 24, `${raw.length} raw rows in the tree`);

  const keyOf: Record<GroupBy, (r: Raw) => string> = {
    none: () => 'all',
    agency: (r) => r.agency,
    procedure: (r) => r.procedure,
    field: (r) => fields.get(r.procedure)!,
    month: (r) => bucketOf(r.day),
  };

  const windows = [
    { label: 'the year (roll-up)', from: '2022-12-15', to: '2023-12-14' },
    { label: 'a calendar quarter (raw rows)', from: '2023-10-01', to: '2023-12-31' },
  ];
  for (const w of windows) {
    for (const groupBy of GROUPS) {
      for (const source of [undefined, 'many-00420']) {
        if (w.label.includes('quarter') && groupBy !== 'none' && groupBy !== 'month') continue;
        const t0 = performance.now();
        const got = await windowTotals(db, { from: w.from, to: w.to, root: ROOT, source, groupBy });
        const ms = performance.now() - t0;
        const label = `${w.label}, by ${groupBy}${source ? `, source ${source}` : ''}`;
        t.ok(ms < BOUND_MS, `${label}: ${ms.toFixed(0)} ms`);
        const rows = raw.filter((r) => r.day >= w.from && r.day <= w.to && (!source || r.source === source));
        t.same(got, naive(rows, keyOf[groupBy]), label);
      }
    }
  }
});
