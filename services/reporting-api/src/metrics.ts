/**
 * The service's Prometheus metrics (prom-client), one Registry per app instance: tests build many apps in one
 * process, and the global default registry would mix their counters (or throw on the second registration).
 *
 * - Node's own metrics (collectDefaultMetrics): CPU, memory, heap, GC, handles and the event loop. They describe the
 *   process, not an app, so they are collected once per process and the same metric objects are registered in each
 *   instance's registry (a second collectDefaultMetrics would start a second event-loop monitor and GC observer for
 *   every app a test builds). Event-loop delay is the defaults' `nodejs_eventloop_lag_*_seconds`: min, max, mean,
 *   stddev, p50, p90 and p99 from perf_hooks.monitorEventLoopDelay over the time since the previous scrape, and
 *   `nodejs_eventloop_lag_seconds`, the delay of one setImmediate at scrape time.
 * - The HTTP request histogram, observed by plugins/metrics.ts (which also adds the pool gauges).
 * - Domain counters, incremented by the services after their transaction commits (a rolled-back write is not
 *   counted), and the stale roll-up gauge, read from the database at scrape time with a short timeout.
 *
 * Every label takes values from a closed list (moves, severities, ingest outcomes, routes as declared), so the
 * number of series stays bounded. docs/operations.md lists every metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { Db } from './db/connection.js';
import { dossierMonthlyDirty } from './db/schema.js';
import { RULE_SEVERITIES, type RuleSeverity } from './domain/report.js';
import { REPORT_MOVES, type ReportMove } from './domain/report-workflow.js';

/** Request durations, seconds: 5 ms (a cached read) to 10 s (a large import). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a scrape waits for the database to count stale roll-up months before reporting the last count. */
const STALE_TIMEOUT_MS = 1_000;

/** The outcomes of a dossier-count row, as the ingest summary counts them. */
const INGEST_OUTCOMES = ['created', 'updated', 'unchanged', 'stale', 'rejected'] as const;
type IngestOutcome = (typeof INGEST_OUTCOMES)[number];

let processRegistry: Registry | undefined;

/** Node's default metrics, collected once per process (see above). */
function processMetrics(): Metric[] {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  // At run time the registry's metric objects themselves; typed as their plain shape.
  return processRegistry.getMetricsAsArray() as unknown as Metric[];
}

export interface MetricsOptions {
  /** Where cchc_dossier_months_stale is counted; without it the gauge is not exported. */
  db?: Db;
  /** How long a scrape waits for that count (default 1 s). */
  staleTimeoutMs?: number;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  for (const metric of processMetrics()) registry.registerMetric(metric);
  const registers = [registry];

  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by route pattern and status.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });

  const valuesWritten = new Counter({
    name: 'cchc_values_written_total',
    help: 'Indicator values created or changed (value, note or evidence) by committed submissions.',
    registers,
  });

  const dossierRowsIngested = new Counter({
    name: 'cchc_dossier_rows_ingested_total',
    help: 'Dossier-count rows of committed pushes, by outcome: created, updated, unchanged, stale (older than stored) or rejected.',
    labelNames: ['outcome'] as const,
    registers,
  });

  const reportTransitions = new Counter({
    name: 'cchc_report_transitions_total',
    help: 'Report workflow moves committed: submit, accept, return, reopen.',
    labelNames: ['move'] as const,
    registers,
  });

  const ruleFindings = new Counter({
    name: 'cchc_rule_findings_total',
    help: 'Rule findings evaluated on report submissions (submitted, or refused by a blocking rule), by severity.',
    labelNames: ['severity'] as const,
    registers,
  });

  /** This scrape's reads from the database: the failure counter waits for them, so it tells about this scrape. */
  let reading: Promise<void> = Promise.resolve();
  const collectFailures = new Counter({
    name: 'cchc_metrics_collect_failures_total',
    help: 'Scrapes where a metric read from the database failed or timed out (its previous value was reported).',
    labelNames: ['metric'] as const,
    // Registered after the metrics it counts for (below): a registry starts collecting them in that order.
    registers: [],
    collect: () => reading,
  });

  // Every series exists from the start at 0, so rate() and absence alerts work before the first event.
  valuesWritten.inc(0);
  for (const outcome of INGEST_OUTCOMES) dossierRowsIngested.inc({ outcome }, 0);
  for (const move of Object.keys(REPORT_MOVES)) reportTransitions.inc({ move }, 0);
  for (const severity of RULE_SEVERITIES) ruleFindings.inc({ severity }, 0);

  if (options.db) {
    const db = options.db;
    const timeoutMs = options.staleTimeoutMs ?? STALE_TIMEOUT_MS;
    const name = 'cchc_dossier_months_stale';
    collectFailures.inc({ metric: name }, 0);
    /** The count in flight: a scrape during a slow count waits for the same one instead of queueing another. */
    let counting: Promise<number> | undefined;
    /** Unknown (NaN) until a count succeeds. */
    let last = Number.NaN;
    const countDirty = async () => db.$count(dossierMonthlyDirty);
    new Gauge({
      name,
      help: 'Month buckets (agency, procedure, source, month) marked dirty by ingestion and not yet rolled up; reads of them fall back to raw rows.',
      registers,
      async collect() {
        reading = readStale();
        await reading;
        this.set(last);
      },
    });
    async function readStale(): Promise<void> {
      counting ??= countDirty().finally(() => (counting = undefined));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      });
      try {
        last = await Promise.race([counting, timeout]);
      } catch {
        // A scrape never fails because of the database: the previous count stands, and the failure is counted.
        collectFailures.inc({ metric: name });
      } finally {
        clearTimeout(timer);
      }
    }
  }
  registry.registerMetric(collectFailures);

  return {
    registry,
    httpRequestDuration,
    /** A committed submission stored `n` values. */
    valuesWritten: (n: number) => {
      if (n > 0) valuesWritten.inc(n);
    },
    /** A committed push, by its summary's counts. */
    dossierRowsIngested: (summary: Record<IngestOutcome, number>) => {
      for (const outcome of INGEST_OUTCOMES) if (summary[outcome] > 0) dossierRowsIngested.inc({ outcome }, summary[outcome]);
    },
    /** A committed workflow move. */
    reportTransition: (move: ReportMove) => reportTransitions.inc({ move }),
    /** The findings a submission was decided on. */
    ruleFindings: (findings: ReadonlyArray<{ severity: RuleSeverity }>) => {
      for (const f of findings) ruleFindings.inc({ severity: f.severity });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
