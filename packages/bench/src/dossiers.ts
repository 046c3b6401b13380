/**
 * Benchmarks of dossier-count ingestion and statistics, each against its baseline in the same run:
 *  (a) 200 000 rows pushed through the API (PUT /v1/dossier-counts via the typed client, batches of 10 000, 2 in
 *      flight) against COPY of the same rows into the same table;
 *  (b) the year's statistics over the province tree (GET /v1/dossier-stats?period=2023&agency=UBND-ST&groupBy=agency)
 *      with 50 000 and with 5 000 000 count rows: p50 and p99 of 30 sequential requests, and their ratio. The rows
 *      are bulk-loaded by COPY, so the reporting-month roll-up is rebuilt after each load (and timed).
 * Usage (repository root): pnpm bench:dossiers. Environment: BENCH_DATABASE_SERVER, BENCH_ROUNDS, BENCH_LARGE_ROWS.
 */
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createClient, unwrap, type components } from '@cchc/client';
import { openDatabase } from '@cchc/reporting-api/db';
import { rebuildMonthly } from '@cchc/reporting-api/dossiers-repository';
import { freePort } from '@cchc/reporting-api/testing/net';
import { median, percentile, startService } from './processes.js';
import { createBenchDatabase } from './setup.js';

const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LARGE = Number(process.env.BENCH_LARGE_ROWS ?? 5_000_000);
const INGEST_ROWS = 200_000;
const BATCH = 10_000;
const ADMIN_KEY = 'bench-admin-key-0000000000000000000000';
const WINDOW_START = Date.UTC(2022, 11, 15); // year 2023's cut-off window: 2022-12-15 .. 2023-12-14

/** A row as the API takes it, every count given. */
type Row = Required<components['schemas']['DossierCount']>;

/** Row i of a source: every agency × procedure × day of the window in turn, with counts that satisfy every identity. */
function makeRow(i: number, source: string, agencies: string[], procedures: string[]): Row {
  const agency = agencies[i % agencies.length]!;
  const procedure = procedures[Math.floor(i / agencies.length) % procedures.length]!;
  const day = Math.floor(i / (agencies.length * procedures.length)) % 365;
  const receivedNew = 3 + (i % 5);
  const receivedPostal = i % 2;
  const resolved = receivedNew; // + carried over 1 − pending 1
  return {
    agency,
    procedure,
    date: new Date(WINDOW_START + day * 86_400_000).toISOString().slice(0, 10),
    source,
    asOf: '2024-01-01T00:00:00Z',
    receivedNew,
    carriedOver: 1,
    receivedOnline: 1,
    receivedInPerson: receivedNew - 1 - receivedPostal,
    receivedPostal,
    resolved,
    resolvedEarly: resolved - 1 - (i % 3 === 0 ? 1 : 0),
    resolvedOnTime: 1,
    resolvedLate: i % 3 === 0 ? 1 : 0,
    pending: 1,
    pendingWithin: 1,
    pendingOverdue: 0,
    withdrawn: 0,
  };
}

const COPY_COLUMNS =
  'agency_code, procedure_code, day, source, received_new, carried_over, received_online, received_in_person, received_postal, resolved, resolved_early, resolved_on_time, resolved_late, pending, pending_within, pending_overdue, withdrawn, as_of';
const copyLine = (r: Row) =>
  `${r.agency},${r.procedure},${r.date},${r.source},${r.receivedNew},${r.carriedOver},${r.receivedOnline},${r.receivedInPerson},${r.receivedPostal},${r.resolved},${r.resolvedEarly},${r.resolvedOnTime},${r.resolvedLate},${r.pending},${r.pendingWithin},${r.pendingOverdue},${r.withdrawn},${r.asOf}\n`;

/** COPY rows 0..count−1 of a source into dossier_counts, streamed in chunks. */
async function copyRows(url: string, count: number, source: string, agencies: string[], procedures: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const stream = client.query(copyFrom(`copy dossier_counts (${COPY_COLUMNS}) from stdin with (format csv)`));
    for (let i = 0; i < count; i += 5000) {
      let chunk = '';
      for (let j = i; j < Math.min(count, i + 5000); j++) chunk += copyLine(makeRow(j, source, agencies, procedures));
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
  } finally {
    await client.end();
  }
}

async function main() {
  console.log('setting up a fresh database…');
  const bench = await createBenchDatabase(SERVER);
  const port = await freePort();
  const service = await startService(bench.url, port, ADMIN_KEY);
  try {
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: ADMIN_KEY });
    const agencies = (await unwrap(client.GET('/v1/agencies', { params: { query: { limit: 500 } } }))).items.map((a) => a.code);
    const procedures = (await unwrap(client.GET('/v1/procedures', { params: { query: { limit: 500 } } }))).items.map((p) => p.code);
    const database = await openDatabase({ databaseUrl: bench.url, poolMax: 2 });
    const admin = new pg.Client({ connectionString: bench.url });
    await admin.connect();
    const rowCount = async () => Number((await admin.query<{ count: string }>('select count(*) from dossier_counts')).rows[0]!.count);

    // COPY bypasses ingestion, so the reporting-month roll-up is rebuilt after each bulk load (as an operator would).
    const rebuild = async () => {
      const t0 = performance.now();
      await rebuildMonthly(database.db);
      await admin.query('analyze dossier_counts; analyze dossier_monthly');
      return performance.now() - t0;
    };
    const statsRun = async (label: string, requests: number) => {
      console.log(`roll-up rebuilt in ${(await rebuild()).toFixed(0)} ms`);
      const times: number[] = [];
      let groups = 0;
      for (let i = 0; i < requests; i++) {
        const t0 = performance.now();
        const stats = await unwrap(client.GET('/v1/dossier-stats', { params: { query: { period: '2023', agency: 'UBND-ST', groupBy: 'agency' } } }));
        times.push(performance.now() - t0);
        groups = stats.groups.length;
      }
      const rows = await rowCount();
      console.log(
        `stats with ${rows} rows (${label}, ${requests} requests): p50 ${median(times).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, ${groups} agencies`,
      );
      return { rows, p50: median(times), p99: percentile(times, 99) };
    };

    // (b, small) 50 000 rows
    await copyRows(bench.url, 50_000 - (await rowCount()), 'stats-base', agencies, procedures);
    const small = await statsRun('small', 30);

    /** 200 000 fresh rows through the API (batches of 10 000, 2 in flight), then the same by COPY: rows/s of each. */
    const ingestRound = async (tag: string) => {
      const rows = Array.from({ length: INGEST_ROWS }, (_, i) => makeRow(i, `api-${tag}`, agencies, procedures));
      const batches = Array.from({ length: INGEST_ROWS / BATCH }, (_, b) => rows.slice(b * BATCH, (b + 1) * BATCH));
      let t0 = performance.now();
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < batches.length) {
            const batch = batches[next++]!;
            const summary = await unwrap(client.PUT('/v1/dossier-counts', { body: { counts: batch } }));
            if (summary.created !== batch.length) throw new Error(`unexpected summary ${JSON.stringify(summary).slice(0, 200)}`);
          }
        }),
      );
      const api = INGEST_ROWS / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      await copyRows(bench.url, INGEST_ROWS, `copy-${tag}`, agencies, procedures);
      const copy = INGEST_ROWS / ((performance.now() - t0) / 1000);
      console.log(`ingestion ${tag} (${await rowCount()} rows after): API ${api.toFixed(0)} rows/s, COPY ${copy.toFixed(0)} rows/s`);
      return { api, copy };
    };

    // (a) ingestion: API against COPY, fresh rows each round
    const apiRates: number[] = [];
    const copyRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { api, copy } = await ingestRound(String(r));
      apiRates.push(api);
      copyRates.push(copy);
    }

    // (b, large) up to LARGE rows
    const missing = LARGE - (await rowCount());
    console.log(`loading ${missing} more rows by COPY…`);
    for (let loaded = 0, s = 0; loaded < missing; s++) {
      const n = Math.min(missing - loaded, agencies.length * procedures.length * 365);
      await copyRows(bench.url, n, `bulk-${s}`, agencies, procedures);
      loaded += n;
    }
    const large = await statsRun('large', Number(process.env.BENCH_LARGE_REQUESTS ?? 30));
    // Ingestion again, into the large table: it must stay fast too.
    const late = await ingestRound('late');
    await admin.end();
    await database.close();

    const api = median(apiRates);
    const copy = median(copyRates);
    console.log(`
| benchmark | service | baseline | ratio | target |
|---|---|---|---|---|
| (a) ingest ${INGEST_ROWS} rows, batches of ${BATCH} (median of ${ROUNDS}) | ${api.toFixed(0)} rows/s | ${copy.toFixed(0)} rows/s (COPY) | ${(api / copy).toFixed(2)}× | ≥ 0.5× |
| (a′) the same, into the table of ${large.rows} rows | ${late.api.toFixed(0)} rows/s | ${late.copy.toFixed(0)} rows/s (COPY) | ${(late.api / late.copy).toFixed(2)}× | |
| (b) year statistics over the province tree, by agency | ${small.rows} rows: p50 ${small.p50.toFixed(1)} ms, p99 ${small.p99.toFixed(1)} ms | ${large.rows} rows: p50 ${large.p50.toFixed(1)} ms, p99 ${large.p99.toFixed(1)} ms | ${(large.p50 / small.p50).toFixed(1)}× the time for ${(large.rows / small.rows).toFixed(0)}× the rows | |`);
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // BENCH_KEEP=1 leaves the database for EXPLAIN ANALYZE.
    if (process.env.BENCH_KEEP) console.log(`kept ${bench.url}`);
    else await bench.drop();
  }
}

await main();
