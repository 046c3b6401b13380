/**
 * The dossier statistics with many distinct sources (issue 12): 27 000 sources, each one series (agency × procedure
 * × source) counted on a few days of every reporting month of year 2023's window, loaded by SQL, the roll-up rebuilt,
 * a tenth of the series' last month left marked out of date (as after a nightly push, before the refresher runs).
 * Then windowTotalsQuery (the one statement behind GET /v1/dossier-stats and the report annex) for the year, a
 * quarter, a month (whole reporting months: the roll-up) and a calendar quarter (raw rows), by each groupBy, with and
 * without a source filter: the median of BENCH_RUNS runs each, statements cancelled after BENCH_TIMEOUT_MS. Finally
 * the route itself for the year, by each groupBy, through the service.
 *
 * BENCH_COMPARE=<module path> also runs that module's windowTotalsQuery (e.g. a copy of the repository before a
 * change) interleaved with the current one, checks both answer the same rows, and prints them side by side.
 * BENCH_EXPLAIN=1 prints EXPLAIN ANALYZE of the slowest statement of each variant.
 * Usage (repository root): pnpm bench:dossier-sources. Environment: BENCH_DATABASE_SERVER, BENCH_SOURCES (27000),
 * BENCH_DAYS (days per month, 2), BENCH_RUNS (3), BENCH_TIMEOUT_MS (60000), BENCH_KEEP=1 (keep the database).
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createClient, unwrap } from '@cchc/client';
import { openDatabase, prepareRead } from '@cchc/reporting-api/db';
import { rebuildMonthly, refreshMonthly, windowTotalsQuery, type GroupBy, type WindowFilter } from '@cchc/reporting-api/dossiers-repository';
import { freePort } from '@cchc/reporting-api/testing/net';
import { median, startService } from './processes.js';
import { createBenchDatabase } from './setup.js';

const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SOURCES = Number(process.env.BENCH_SOURCES ?? 27_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 60_000);
const SKEW = Number(process.env.BENCH_SKEW_SOURCES ?? 10_000);
const ADMIN_KEY = 'bench-admin-key-0000000000000000000000';
const ROOT = 'UBND-ST';

const WINDOWS: Array<{ label: string; from: string; to: string }> = [
  { label: 'year', from: '2022-12-15', to: '2023-12-14' },
  { label: 'quarter', from: '2023-03-15', to: '2023-06-14' },
  { label: 'month', from: '2023-05-15', to: '2023-06-14' },
  { label: 'raw quarter', from: '2023-04-01', to: '2023-06-30' },
];
const GROUPS: GroupBy[] = ['none', 'agency', 'procedure', 'field', 'month'];

type Query = (f: WindowFilter) => Parameters<typeof prepareRead>[0];
const fmt = (ms: number | undefined) => (ms === undefined ? `> ${TIMEOUT_MS / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** The rows: series s is agency s mod A × procedure (s div A) mod P × source src-s; DAYS days in each of the 12 months. */
async function load(admin: pg.Client): Promise<void> {
  await admin.query(
    `insert into dossier_counts (agency_code, procedure_code, day, source, received_new, carried_over, received_online, received_in_person,
       received_postal, resolved, resolved_early, resolved_on_time, resolved_late, pending, pending_within, pending_overdue, withdrawn, as_of)
     with a as (select array_agg(code order by code) as codes from agencies),
          p as (select array_agg(code order by code) as codes from procedures)
     select a.codes[1 + s % cardinality(a.codes)], p.codes[1 + (s / cardinality(a.codes)) % cardinality(p.codes)],
            (date '2022-12-15' + make_interval(months => m) + make_interval(days => k * 9))::date, 'src-' || lpad(s::text, 6, '0'),
            3 + (s + m + k) % 5, (s + m + k) % 4, 1, 1, 1 + (s + m + k) % 5, 2, 1, 1, 0, (s * 7 + m + k) % 3, (s * 7 + m + k) % 3, 0, 0,
            timestamptz '2024-01-01' + make_interval(secs => s)
     from a, p, generate_series(0, $1::int - 1) s, generate_series(0, 11) m, generate_series(0, $2::int - 1) k`,
    [SOURCES, DAYS],
  );
}

/** The last month of every 10th series marked out of date, as ingestion would have left it. */
async function markSome(admin: pg.Client): Promise<number> {
  const r = await admin.query(
    `insert into dossier_monthly_dirty (agency_code, procedure_code, source, bucket)
     select agency_code, procedure_code, source, bucket from dossier_monthly
     where bucket = '2023-12' and right(source, 1) = '0' on conflict do nothing`,
  );
  await admin.query('analyze dossier_monthly_dirty');
  return r.rowCount ?? 0;
}

/** One statement on its own connection, cancelled after TIMEOUT_MS: its time (undefined if cancelled) and rows. */
async function timed(client: pg.Client, q: Query, f: WindowFilter): Promise<{ ms: number | undefined; rows: unknown[] }> {
  const { text, params } = prepareRead(q(f));
  const t0 = performance.now();
  try {
    const r = await client.query(text, params);
    return { ms: performance.now() - t0, rows: r.rows };
  } catch (error) {
    if ((error as { code?: string }).code === '57014') return { ms: undefined, rows: [] };
    throw error;
  }
}

async function explain(client: pg.Client, q: Query, f: WindowFilter): Promise<string> {
  const { text, params } = prepareRead(q(f));
  const r = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${text}`, params);
  return r.rows.map((row) => row['QUERY PLAN']).join('\n');
}

async function main() {
  const variants: Array<{ name: string; q: Query }> = [{ name: 'current', q: windowTotalsQuery }];
  if (process.env.BENCH_COMPARE) {
    const other = (await import(pathToFileURL(process.env.BENCH_COMPARE).href)) as { windowTotalsQuery: Query };
    variants.unshift({ name: 'compare', q: other.windowTotalsQuery });
  }
  console.log('setting up a fresh database…');
  const bench = await createBenchDatabase(SERVER);
  const admin = new pg.Client({ connectionString: bench.url });
  await admin.connect();
  try {
    let t0 = performance.now();
    await load(admin);
    const rows = Number((await admin.query<{ n: string }>('select count(*) as n from dossier_counts')).rows[0]!.n);
    console.log(`${rows} count rows (${SOURCES} sources × 12 months × ${DAYS} days) loaded in ${fmt(performance.now() - t0)}`);
    const database = await openDatabase({ databaseUrl: bench.url, poolMax: 1, timeouts: { statementMs: 0 } });
    t0 = performance.now();
    await rebuildMonthly(database.db);
    await database.close();
    await admin.query('analyze dossier_counts; analyze dossier_monthly; analyze agencies; analyze procedures');
    const monthly = Number((await admin.query<{ n: string }>('select count(*) as n from dossier_monthly')).rows[0]!.n);
    console.log(`roll-up rebuilt in ${fmt(performance.now() - t0)}: ${monthly} monthly rows; ${await markSome(admin)} months marked out of date`);
    await admin.query(`set statement_timeout = ${TIMEOUT_MS}`);

    const table: string[] = [];
    const slowest = new Map<string, { ms: number; f: WindowFilter }>();
    for (const w of WINDOWS) {
      for (const source of [undefined, 'src-000042']) {
        for (const groupBy of GROUPS) {
          const f: WindowFilter = { from: w.from, to: w.to, root: ROOT, source, groupBy };
          const times = new Map<string, Array<number | undefined>>(variants.map((v) => [v.name, []]));
          const answers = new Map<string, string>();
          for (let r = 0; r < RUNS; r++) {
            for (const v of variants) {
              const { ms, rows: result } = await timed(admin, v.q, f);
              times.get(v.name)!.push(ms);
              if (ms !== undefined) answers.set(v.name, JSON.stringify(result));
              const worst = slowest.get(v.name);
              if (!worst || (ms ?? Infinity) > worst.ms) slowest.set(v.name, { ms: ms ?? Infinity, f });
              // A variant that timed out once is not run again for this statement.
              if (ms === undefined) break;
            }
            if ([...times.values()].some((t) => t.includes(undefined))) break;
          }
          const med = (name: string) => {
            const t = times.get(name)!;
            return t.includes(undefined) ? undefined : median(t as number[]);
          };
          const same = answers.size < 2 ? '' : new Set(answers.values()).size === 1 ? 'same' : '**DIFFERENT**';
          const groups = answers.get('current') ? (JSON.parse(answers.get('current')!) as unknown[]).length : 0;
          const line = `| ${w.label} | ${source ?? '–'} | ${groupBy} | ${groups} | ${variants.map((v) => fmt(med(v.name))).join(' | ')} | ${same} |`;
          console.log(line);
          table.push(line);
        }
      }
    }
    console.log(`
${rows} count rows, ${monthly} monthly rows, ${SOURCES} sources; windowTotalsQuery over ${ROOT}'s tree, median of ${RUNS}:

| window | source | groupBy | groups | ${variants.map((v) => v.name).join(' | ')} | answers |
|---|---|---|---:|${variants.map(() => '---:|').join('')}---|
${table.join('\n')}`);

    if (process.env.BENCH_EXPLAIN) {
      for (const v of variants) {
        const worst = slowest.get(v.name)!;
        console.log(`\nEXPLAIN ANALYZE, ${v.name}, slowest: ${JSON.stringify(worst.f)}`);
        await admin.query(`set statement_timeout = ${Math.max(TIMEOUT_MS, 300_000)}`);
        console.log(await explain(admin, v.q, worst.f).catch((e: Error) => `failed: ${e.message}`));
      }
    }

    // Many sources under one agency × procedure, some of their months marked: the lookups of a marked month's rows
    // (refreshMonthly's chunks, under the roll-up lock, and reads of marked months) with and without the series index.
    await admin.query(
      `insert into dossier_counts (agency_code, procedure_code, day, source, received_new, carried_over, pending, as_of)
       select 'SKHDT', (select min(code) from procedures), (date '2022-12-15' + make_interval(months => m) + make_interval(days => k * 9))::date,
              'skew-' || lpad(s::text, 5, '0'), 1, 1, 1, now()
       from generate_series(0, $1::int - 1) s, generate_series(0, 11) m, generate_series(0, $2::int - 1) k`,
      [SKEW, DAYS],
    );
    const skewDb = await openDatabase({ databaseUrl: bench.url, poolMax: 1, timeouts: { statementMs: 0 } });
    await rebuildMonthly(skewDb.db);
    await admin.query(
      `insert into dossier_monthly_dirty select agency_code, procedure_code, source, bucket from dossier_monthly where source like 'skew-%' and bucket = '2023-06' limit 2000`,
    );
    await admin.query('analyze');
    const skewLines: string[] = [];
    for (const withIndex of [true, false]) {
      const rollback = new Error('rollback');
      await skewDb.db
        .transaction(async (tx) => {
          // Dropped inside the transaction, so it comes back with the rollback.
          if (!withIndex) await tx.execute('drop index dossier_counts_series_idx');
          const f: WindowFilter = { from: '2022-12-15', to: '2023-12-14', root: ROOT, groupBy: 'agency' };
          const reads = variants.map((v) => ({ name: v.name, times: [] as number[] }));
          for (let r = 0; r < RUNS; r++) {
            for (const [i, v] of variants.entries()) {
              const t = performance.now();
              await tx.execute(v.q(f));
              reads[i]!.times.push(performance.now() - t);
            }
          }
          const t = performance.now();
          const taken = await refreshMonthly(tx, { limit: 2000 });
          const refresh = performance.now() - t;
          skewLines.push(
            `| ${withIndex ? 'with' : 'without'} dossier_counts_series_idx | ${reads.map((x) => fmt(median(x.times))).join(' | ')} | ${fmt(refresh)} (${taken} marks) |`,
          );
          throw rollback;
        })
        .catch((error: unknown) => {
          if (error !== rollback) throw error;
        });
    }
    await skewDb.close();
    console.log(`
${SKEW} more sources on one agency × procedure, 2 000 of their months marked out of date:

| | year by agency: ${variants.map((v) => v.name).join(' | ')} | one refresh chunk (2 000 marks) |
|---|${variants.map(() => '---:|').join('')}---:|
${skewLines.join('\n')}`);

    // The route, current code: the year by each groupBy (two statements each: the overall total and the groups).
    const port = await freePort();
    const service = await startService(bench.url, port, ADMIN_KEY).catch((e: Error) => {
      console.log(`\nthe service did not start, no route figures: ${e.message.split('\n').slice(0, 4).join(' ')}`);
      return undefined;
    });
    if (service)
      try {
        const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: ADMIN_KEY });
        const lines: string[] = [];
        for (const groupBy of GROUPS) {
          const times: number[] = [];
          let failed = '';
          for (let r = 0; r < RUNS + 1 && !failed; r++) {
            const t = performance.now();
            await unwrap(client.GET('/v1/dossier-stats', { params: { query: { period: '2023', agency: ROOT, groupBy } } })).catch((e: Error) => {
              failed = `failed after ${fmt(performance.now() - t)}: ${e.message.slice(0, 80)}`;
            });
            if (r > 0) times.push(performance.now() - t); // the first warms the service up
          }
          lines.push(`| GET /v1/dossier-stats?period=2023&agency=${ROOT}&groupBy=${groupBy} | ${failed || fmt(median(times))} |`);
        }
        console.log(`\nThe route (current code), median of ${RUNS}:\n\n| request | time |\n|---|---:|\n${lines.join('\n')}`);
      } finally {
        service.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
      }
  } finally {
    await admin.end();
    if (process.env.BENCH_KEEP) console.log(`kept ${bench.url}`);
    else await bench.drop();
  }
}

await main();
