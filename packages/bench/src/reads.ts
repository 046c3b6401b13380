/**
 * The read benchmark: one report's 137 values (2024-M05, AG042) read under autocannon, 32 connections, from
 *  A  a bare Fastify + pg route that selects the stored rows (bare-reads-server.ts), the base of the ratios;
 *  C  the service's GET /v1/reports/2024-M05/AG042/values;
 *  D  the same with If-None-Match: the ETag C answered (every answer should be 304);
 *  E  the service's GET /v1/values?period=2024-M05&agency=AG042 (should answer C's items);
 * in interleaved rounds (A, C, D, E, A, …), each a warm-up then a measured run, on one fresh database holding
 * 100 agencies × 8 months of full annexes (reads-data.ts). Goals: C ≥ 0.8×A, D ≥ 3×C, E ≥ 0.8×A.
 * Usage (repository root): pnpm bench:reads. Environment: BENCH_DATABASE_SERVER, BENCH_ROUNDS (4),
 * BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_OUT (/tmp/bench-reads.md).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { createClient } from '@cchc/client';
import { freePort } from '@cchc/reporting-api/testing/net';
import { runPhase, type Phase, type Target } from './load.js';
import { profileArgs, start, startService } from './processes.js';
import { checkReads } from './reads-check.js';
import { createReadData, READ_AGENCIES, READ_PERIODS } from './reads-data.js';
import { readsTables, roundLine, type Goal } from './reads-report.js';
import { createBenchDatabase } from './setup.js';

const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const LOAD = { connections: 32, seconds: Number(process.env.BENCH_SECONDS ?? 10), warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 3) };
const OUT = process.env.BENCH_OUT ?? '/tmp/bench-reads.md';
const ADMIN_KEY = 'bench-admin-key-0000000000000000000000';
const PERIOD = '2024-M05';
const AGENCY = 'AG042';
const ROWS = 137;
const GOALS: Goal[] = [
  { label: 'C / A (report read vs bare)', over: 'C', under: 'A', atLeast: 0.8 },
  { label: 'D / C (304 vs full report read)', over: 'D', under: 'C', atLeast: 3 },
  { label: 'E / A (dashboard read vs bare)', over: 'E', under: 'A', atLeast: 0.8 },
];

async function prepare(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('vacuum analyze'); // so that autovacuum does not wake up in the middle of a round
    return (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
  } finally {
    await client.end();
  }
}

async function main() {
  const started = new Date();
  const loadAverage = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  console.log('setting up a fresh database…');
  const bench = await createBenchDatabase(SERVER);
  const processes: ChildProcess[] = [];
  try {
    const port = await freePort();
    const service = await startService(bench.url, port, ADMIN_KEY, profileArgs());
    processes.push(service);
    const baseUrl = `http://127.0.0.1:${port}`;
    const written = await createReadData(createClient({ baseUrl, apiKey: ADMIN_KEY }));
    const pgVersion = await prepare(bench.url);
    console.log(`${READ_AGENCIES.length} agencies × ${READ_PERIODS.length} periods, ${written} values written through PUT /v1/values`);

    const barePort = await freePort();
    const bare = await start(
      ['packages/bench/src/bare-reads-server.ts'],
      { DATABASE_URL: bench.url, PORT: String(barePort) },
      `http://127.0.0.1:${barePort}/values?period=x&agency=x`,
    );
    processes.push(bare);
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const database = new URL(bench.url).pathname.slice(1);
    const urls = {
      bare: `http://127.0.0.1:${barePort}/values?period=${PERIOD}&agency=${AGENCY}`,
      report: `${baseUrl}/v1/reports/${PERIOD}/${AGENCY}/values`,
      list: `${baseUrl}/v1/values?period=${PERIOD}&agency=${AGENCY}`,
      headers: auth,
    };
    const check = await checkReads(urls, ROWS);
    for (const n of check.notes) console.log(`check   ${n}`);
    for (const w of check.warnings) console.log(`WARNING ${w}`);

    const targets: Target[] = [
      { key: 'A', label: 'bare Fastify + pg, same rows', url: urls.bare, headers: {}, expectStatus: 200, pid: bare.pid!, database },
      { key: 'C', label: 'GET /v1/reports/{period}/{agency}/values', url: urls.report, headers: auth, expectStatus: 200, pid: service.pid!, database },
      {
        key: 'D',
        label: 'the same, If-None-Match (304)',
        url: urls.report,
        headers: { ...auth, 'if-none-match': check.etag ?? '"none"' },
        expectStatus: 304,
        pid: service.pid!,
        database,
      },
      { key: 'E', label: 'GET /v1/values?period&agency', url: urls.list, headers: auth, expectStatus: 200, pid: service.pid!, database },
    ];
    const runs: Record<string, Phase[]> = Object.fromEntries(targets.map((t) => [t.key, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const t of targets) {
        const phase = await runPhase(t, LOAD);
        runs[t.key]!.push(phase);
        console.log(roundLine(r, t, phase));
      }
    }

    const tables = readsTables(targets, runs, GOALS);
    const perRound = targets.map((t) => `- ${t.key}: ${runs[t.key]!.map((p) => p.rps.toFixed(0)).join(', ')} req/s`);
    const doc = [
      '# Reads benchmark',
      '',
      `- date: ${started.toISOString()}`,
      `- machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu unknown'}), Node ${process.version}, PostgreSQL ${pgVersion} at ${new URL(SERVER).host}; load average at the start ${loadAverage} (other work on the machine competes for the cores)`,
      `- data: ${READ_AGENCIES.length} agencies × ${READ_PERIODS.length} periods × ${ROWS} values through the API; the read: ${PERIOD} / ${AGENCY}`,
      `- load: autocannon, ${LOAD.connections} connections, per round ${LOAD.warmupSeconds} s warm-up then ${LOAD.seconds} s measured, ${ROUNDS} rounds interleaved (${targets.map((t) => t.key).join(', ')}); CPU from /proc over the measured run, per answered request (PostgreSQL: the backends connected to the bench database, backend by backend)`,
      '',
      tables,
      '',
      'req/s per round:',
      ...perRound,
      '',
      'Checked before timing:',
      ...check.notes.map((n) => `- ${n}`),
      ...check.warnings.map((w) => `- **warning:** ${w}`),
      '',
    ].join('\n');
    console.log(`\n${tables}\n`);
    writeFileSync(OUT, doc);
    console.log(`written to ${OUT}`);
  } finally {
    for (const p of processes) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await bench.drop();
  }
}

await main();
