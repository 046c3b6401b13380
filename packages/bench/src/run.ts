/**
 * Benchmarks of the indicators issue, each against its baseline in the same run (these machines are noisy:
 * compare ratios and medians, not absolute figures):
 *  (a) submitting a full annex for 200 agencies through the API, via the typed client, two ways: as agencies do,
 *      one report per request (PUT /v1/reports/{period}/{agency}/values, 8 requests in flight), and as a system
 *      does, all 200 in one request (PUT /v1/values); against a bare multi-row INSERT … ON CONFLICT of the same
 *      rows through pg (one statement per agency, 8 connections);
 *  (b) the roll-up read (GET /v1/rollups, III.7.3 over the 200-agency tree) at 32 concurrent connections
 *      (autocannon) against a bare Fastify route that runs the same SQL.
 * Usage (repository root): pnpm bench:values   Environment: BENCH_DATABASE_SERVER, BENCH_ROUNDS, BENCH_ROLLUP_SECONDS.
 */
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import pg from 'pg';
import { createClient, unwrap } from '@cchc/client';
import { freePort } from '@cchc/reporting-api/testing/net';
import { describe, snapshot } from './cpu.js';
import { referenceAnnex, type AnnexRow } from './payload.js';
import { median, profileArgs, start, startService } from './processes.js';
import { createBenchData, createBenchDatabase, ROOT, TEMPLATE } from './setup.js';

const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = 8;
const CONNECTIONS = 32;
const ROLLUP_SECONDS = Number(process.env.BENCH_ROLLUP_SECONDS ?? 10);
const ADMIN_KEY = 'bench-admin-key-0000000000000000000000';

/** Runs `work` over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main() {
  console.log('setting up a fresh database…');
  const bench = await createBenchDatabase(SERVER);
  const processes: ChildProcess[] = [];
  try {
    const port = await freePort();
    processes.push(await startService(bench.url, port, ADMIN_KEY, profileArgs()));
    const baseUrl = `http://127.0.0.1:${port}`;
    const client = createClient({ baseUrl, apiKey: ADMIN_KEY });
    const apiPeriods = Array.from({ length: ROUNDS }, (_, i) => `2030-M${String(i + 1).padStart(2, '0')}`);
    const barePeriods = Array.from({ length: ROUNDS }, (_, i) => `2031-M${String(i + 1).padStart(2, '0')}`);
    const batchPeriods = Array.from({ length: ROUNDS }, (_, i) => `2032-M${String(i + 1).padStart(2, '0')}`);
    const agencies = await createBenchData(client, [...apiPeriods, ...barePeriods, ...batchPeriods]);
    const annex = referenceAnnex();
    const payloads = new Map<string, AnnexRow[]>(agencies.map((code) => [code, annex]));
    const rowCount = [...payloads.values()].reduce((n, rows) => n + rows.length, 0);
    console.log(`${agencies.length} agencies, ${rowCount} values per round (${payloads.get(ROOT)!.length} per annex)`);

    // (a) submission
    const bare = new pg.Pool({ connectionString: bench.url, max: CONCURRENCY });
    const submitApi: number[] = [];
    const submitBare: number[] = [];
    const submitBatch: number[] = [];
    const service = processes[0]!.pid;
    for (let r = 0; r < ROUNDS; r++) {
      let cpu = snapshot({ service });
      let t0 = performance.now();
      await pool(agencies, CONCURRENCY, async (agency) => {
        const summary = await unwrap(
          client.PUT('/v1/reports/{periodId}/{agencyCode}/values', {
            params: { path: { periodId: apiPeriods[r]!, agencyCode: agency } },
            body: { values: payloads.get(agency)! },
          }),
        );
        if (summary.created !== payloads.get(agency)!.length) throw new Error(`unexpected summary ${JSON.stringify(summary).slice(0, 300)}`);
      });
      submitApi.push(rowCount / ((performance.now() - t0) / 1000));
      const apiCpu = describe(cpu, snapshot({ service }));

      cpu = snapshot({ service });
      t0 = performance.now();
      const batch = agencies.flatMap((agency) => payloads.get(agency)!.map((row) => ({ period: batchPeriods[r]!, agency, ...row })));
      const summary = await unwrap(client.PUT('/v1/values', { body: { values: batch } }));
      if (summary.created !== rowCount) throw new Error(`unexpected summary ${JSON.stringify(summary).slice(0, 300)}`);
      submitBatch.push(rowCount / ((performance.now() - t0) / 1000));
      const batchCpu = describe(cpu, snapshot({ service }));

      cpu = snapshot({ service });
      t0 = performance.now();
      await pool(agencies, CONCURRENCY, async (agency) => {
        const rows = payloads.get(agency)!;
        const params: unknown[] = [];
        const tuples = rows.map((row) => {
          params.push(
            barePeriods[r],
            agency,
            row.indicator,
            TEMPLATE,
            typeof row.value === 'number' ? String(row.value) : null,
            typeof row.value === 'string' ? row.value : null,
            row.note ?? null,
          );
          const b = params.length - 7;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, now())`;
        });
        await bare.query(
          `insert into indicator_values (period_id, agency_code, indicator_code, template_id, value_num, value_text, note, updated_at) values ${tuples.join(', ')}
           on conflict (period_id, agency_code, indicator_code) do update set value_num = excluded.value_num, value_text = excluded.value_text, note = excluded.note, updated_at = excluded.updated_at`,
          params,
        );
      });
      submitBare.push(rowCount / ((performance.now() - t0) / 1000));
      console.log(
        `round ${r + 1}: API per report ${submitApi[r]!.toFixed(0)} rows/s (CPU: ${apiCpu}); API one batch ${submitBatch[r]!.toFixed(0)} rows/s (CPU: ${batchCpu}); bare INSERT ${submitBare[r]!.toFixed(0)} rows/s (CPU: ${describe(cpu, snapshot({ service }))})`,
      );
    }
    await bare.end();

    // (b) roll-up
    const barePort = await freePort();
    processes.push(
      await start(
        ['packages/bench/src/bare-server.ts'],
        { DATABASE_URL: bench.url, PORT: String(barePort) },
        `http://127.0.0.1:${barePort}/rollup?period=x&agency=x`,
      ),
    );
    const period = apiPeriods[0]!;
    const serviceUrl = `${baseUrl}/v1/rollups?period=${period}&agency=${ROOT}&indicator=III.7.3`;
    const bareUrl = `http://127.0.0.1:${barePort}/rollup?period=${period}&agency=${ROOT}`;
    const fromService = await unwrap(client.GET('/v1/rollups', { params: { query: { period, agency: ROOT, indicator: ['III.7.3'] } } }));
    const fromBare = (await (await fetch(bareUrl)).json()) as { items: Array<{ value: number | null }> };
    if (fromService.items[0]!.value !== fromBare.items[0]!.value)
      throw new Error(`the routes disagree: ${fromService.items[0]!.value} vs ${fromBare.items[0]!.value}`);
    console.log(`roll-up of III.7.3 over ${fromService.agenciesInTree} agencies: ${fromService.items[0]!.value}`);
    const load = (url: string, headers: Record<string, string> = {}) => autocannon({ url, connections: CONNECTIONS, duration: ROLLUP_SECONDS, headers });
    const rollupApi: autocannon.Result[] = [];
    const rollupBare: autocannon.Result[] = [];
    const bareServer = processes[1]!.pid;
    for (let r = 0; r < ROUNDS; r++) {
      let cpu = snapshot({ service, bareServer });
      rollupApi.push(await load(serviceUrl, { authorization: `Bearer ${ADMIN_KEY}` }));
      const apiCpu = describe(cpu, snapshot({ service, bareServer }));
      cpu = snapshot({ service, bareServer });
      rollupBare.push(await load(bareUrl));
      const bareCpu = describe(cpu, snapshot({ service, bareServer }));
      const [a, b] = [rollupApi[r]!, rollupBare[r]!];
      if (a.non2xx || b.non2xx || a.errors || b.errors) throw new Error(`errors under load: service ${a.non2xx}/${a.errors}, bare ${b.non2xx}/${b.errors}`);
      console.log(
        `round ${r + 1}: service ${a.requests.average.toFixed(0)} req/s (p50 ${a.latency.p50} ms, p99 ${a.latency.p99} ms; CPU: ${apiCpu}), bare ${b.requests.average.toFixed(0)} req/s (p50 ${b.latency.p50} ms, p99 ${b.latency.p99} ms; CPU: ${bareCpu})`,
      );
    }

    const apiRate = median(submitApi);
    const batchRate = median(submitBatch);
    const bareRate = median(submitBare);
    const rps = (rs: autocannon.Result[]) => median(rs.map((x) => x.requests.average));
    const lat = (rs: autocannon.Result[], p: 'p50' | 'p99') => median(rs.map((x) => x.latency[p]));
    console.log(`
| benchmark | service (median of ${ROUNDS}) | baseline (median of ${ROUNDS}) | ratio | target |
|---|---|---|---|---|
| (a) full annex × ${agencies.length} agencies, ${rowCount} values, one request (PUT /v1/values) | ${batchRate.toFixed(0)} rows/s | ${bareRate.toFixed(0)} rows/s (bare INSERT … ON CONFLICT) | ${(batchRate / bareRate).toFixed(2)}× | ≥ 0.5× |
| (a′) the same, one request per agency, 8 in flight | ${apiRate.toFixed(0)} rows/s | ${bareRate.toFixed(0)} rows/s | ${(apiRate / bareRate).toFixed(2)}× | |
| (b) roll-up over ${fromService.agenciesInTree} agencies, ${CONNECTIONS} connections, ${ROLLUP_SECONDS} s | ${rps(rollupApi).toFixed(0)} req/s, p50 ${lat(rollupApi, 'p50')} ms, p99 ${lat(rollupApi, 'p99')} ms | ${rps(rollupBare).toFixed(0)} req/s, p50 ${lat(rollupBare, 'p50')} ms, p99 ${lat(rollupBare, 'p99')} ms (bare Fastify route, same SQL) | ${(rps(rollupApi) / rps(rollupBare)).toFixed(2)}× | ≥ 0.7× |`);
  } finally {
    for (const p of processes) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await bench.drop();
  }
}

await main();
