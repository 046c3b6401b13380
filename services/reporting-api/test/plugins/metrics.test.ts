import t from 'tap';
import type { Db } from '../../src/db/connection.js';
import { dossierMonthlyDirty } from '../../src/db/schema.js';
import { createMetrics } from '../../src/metrics.js';
import { buildTestApp } from '../helpers/app.js';

const TOKEN = 'metrics-token-for-the-tests-0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (what prom-client writes: no timestamps, no escaped quotes in our labels). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`; undefined when there are none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length ? found.reduce((n, s) => n + s.value, 0) : undefined;
}

/** Dossier-count rows for BQL-KCN from a source of these tests only, counts that satisfy every identity. */
function counts(n: number, asOf: string) {
  return Array.from({ length: n }, (_, i) => ({
    agency: 'BQL-KCN',
    procedure: 'DEMO-BQL-01',
    date: `2023-0${1 + i}-15`,
    source: 'metrics-test',
    asOf,
    receivedNew: 4,
    carriedOver: 1,
    receivedOnline: 1,
    receivedInPerson: 2,
    receivedPostal: 1,
    resolved: 3,
    resolvedEarly: 2,
    resolvedOnTime: 1,
    resolvedLate: 0,
    pending: 2,
    pendingWithin: 2,
    pendingOverdue: 0,
    withdrawn: 0,
  }));
}

t.test('/metrics', async (t) => {
  const api = await buildTestApp(t, { metricsToken: TOKEN });
  const request = api.request.bind(api);
  const scrape = async () => {
    const res = await request({ method: 'GET', url: '/metrics' });
    if (res.statusCode !== 200) throw new Error(`scrape answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return parse(res.body);
  };

  t.test('access: METRICS_TOKEN or an admin key; anything else is a problem', async (t) => {
    const none = await request({ method: 'GET', url: '/metrics', as: null });
    t.equal(none.statusCode, 401);
    t.match(none.headers['content-type'], /^application\/problem\+json/);
    t.equal(none.json().code, 'UNAUTHENTICATED');

    const reader = await request({ method: 'GET', url: '/metrics', as: 'reader' });
    t.equal(reader.statusCode, 403);
    t.match(reader.headers['content-type'], /^application\/problem\+json/);
    t.equal(reader.json().code, 'FORBIDDEN');
    t.equal((await request({ method: 'GET', url: '/metrics', as: 'ingest' })).statusCode, 403, 'an ingest key neither');

    const admin = await request({ method: 'GET', url: '/metrics' });
    t.equal(admin.statusCode, 200);
    t.match(admin.headers['content-type'], /^text\/plain; version=0\.0\.4/);

    const token = await request({ method: 'GET', url: '/metrics', as: null, headers: { authorization: `Bearer ${TOKEN}` } });
    t.equal(token.statusCode, 200, `METRICS_TOKEN scrapes (the auth plugin must skip ownAuth routes): ${token.body.slice(0, 200)}`);
    t.match(token.headers['content-type'], /^text\/plain; version=0\.0\.4/);

    const wrong = await request({ method: 'GET', url: '/metrics', as: null, headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    t.equal(wrong.statusCode, 401, 'a token that is not METRICS_TOKEN nor a key');
    t.equal(wrong.json().code, 'UNAUTHENTICATED');
    const malformed = await request({ method: 'GET', url: '/metrics', as: null, headers: { authorization: TOKEN } });
    t.equal(malformed.statusCode, 401, 'no Bearer scheme');
  });

  t.test('requests, pool, event loop and the domain counters', async (t) => {
    const before = await scrape();

    t.equal((await request({ method: 'GET', url: '/healthz', as: null })).statusCode, 200);
    t.equal((await request({ method: 'GET', url: '/no/such/route/42' })).statusCode, 404);
    t.equal((await request({ method: 'GET', url: '/v1/reports/2024/NO-SUCH/values', as: 'reader' })).statusCode, 404);

    // Values: a dry run writes nothing, then 4 created, then the same 4 again (unchanged) with 1 changed.
    const url = '/v1/reports/2024/BQL-KCN/values';
    const values = [
      { indicator: 'I.1.1', value: 99 },
      { indicator: 'I.1.2', value: 98 },
      { indicator: 'I.5', value: 1 },
      { indicator: 'I.7.2', value: 2 },
    ];
    t.match((await request({ method: 'PUT', url: `${url}?dryRun=true`, payload: { values } })).json(), { written: false, created: 4 });
    t.match((await request({ method: 'PUT', url, payload: { values } })).json(), { written: true, created: 4 });
    t.match((await request({ method: 'PUT', url, payload: { values: [...values.slice(1), { indicator: 'I.1.1', value: 97 }] } })).json(), {
      written: true,
      updated: 1,
      unchanged: 3,
    });

    // A submission of the seeded reference report: its findings are warnings.
    const findings = (await request({ method: 'GET', url: '/v1/reports/2023/BQL-KCN/findings', as: 'reader' })).json().findings as Array<{ severity: string }>;
    const bySeverity = (severity: string) => findings.filter((f) => f.severity === severity).length;
    t.ok(findings.length > 0, 'the reference report has findings');
    t.equal((await request({ method: 'POST', url: '/v1/reports/2023/BQL-KCN/submit' })).statusCode, 200);
    t.equal((await request({ method: 'POST', url: '/v1/reports/2023/BQL-KCN/submit' })).statusCode, 409, 'a refused move is not counted');

    // Dossier counts: 3 created, the same 3 again (unchanged), and an older snapshot of one (stale).
    const push = (rows: object[]) => request({ method: 'PUT', url: '/v1/dossier-counts', as: 'ingest', payload: { counts: rows } });
    t.match((await push(counts(3, '2024-01-02T00:00:00Z'))).json(), { created: 3 });
    t.match((await push(counts(3, '2024-01-02T00:00:00Z'))).json(), { unchanged: 3 });
    t.match((await push(counts(1, '2024-01-01T00:00:00Z'))).json(), { stale: 1 });
    // The roll-up refresh waits 2 s after a push: the marks are still there.
    const dirty = await api.database.db.$count(dossierMonthlyDirty);
    t.ok(dirty > 0, 'the pushes marked months dirty');

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);

    t.test('request durations by route pattern and status', async (t) => {
      const series = (method: string, route: string, status: string) => ({ method, route, status_code: status });
      t.equal(delta('http_request_duration_seconds_count', series('GET', '/healthz', '200')), 1);
      t.equal(delta('http_request_duration_seconds_count', series('GET', 'unmatched', '404')), 1, 'an unknown route is one series, not its URL');
      t.equal(delta('http_request_duration_seconds_count', series('GET', '/v1/reports/:periodId/:agencyCode/values', '404')), 1, 'the pattern, not the ids');
      t.equal(delta('http_request_duration_seconds_count', series('PUT', '/v1/reports/:periodId/:agencyCode/values', '200')), 3);
      t.equal(delta('http_request_duration_seconds_count', series('POST', '/v1/reports/:periodId/:agencyCode/submit', '409')), 1);
      t.equal(delta('http_request_duration_seconds_count', series('PUT', '/v1/dossier-counts', '200')), 3);
      t.ok(valueOf(after, 'http_request_duration_seconds_count', series('GET', '/metrics', '200'))! >= 1, 'scrapes are measured too');
      const buckets = after.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/healthz').map((s) => s.labels.le);
      t.same(buckets, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
      t.ok(after.some((s) => s.name === 'http_request_duration_seconds_sum' && s.labels.route === '/v1/dossier-counts'));
      t.notOk(
        after.some((s) => s.labels.route?.includes('BQL-KCN') || s.labels.route?.includes('/no/such')),
        'no raw URL in any label',
      );
    });

    t.test('pool gauges on PostgreSQL, none on PGlite', async (t) => {
      if (api.database.engine === 'pglite') {
        t.equal(valueOf(after, 'cchc_db_pool_max'), undefined);
        t.equal(valueOf(after, 'cchc_db_pool_connections'), undefined);
        return;
      }
      t.equal(valueOf(after, 'cchc_db_pool_max'), 5, 'the test database pool (openTestDatabase: poolMax 5)');
      const idle = valueOf(after, 'cchc_db_pool_connections', { state: 'idle' });
      const busy = valueOf(after, 'cchc_db_pool_connections', { state: 'busy' });
      t.ok(idle !== undefined && busy !== undefined && idle >= 0 && busy >= 0 && idle + busy <= 5, `idle ${idle}, busy ${busy}`);
      t.ok(idle! + busy! > 0, 'the pool has connections after the requests');
      t.equal(valueOf(after, 'cchc_db_pool_waiting'), 0);
    });

    t.test('Node metrics with the event-loop delay', async (t) => {
      t.ok(valueOf(after, 'nodejs_eventloop_lag_seconds')! >= 0);
      t.ok(valueOf(after, 'nodejs_eventloop_lag_p99_seconds')! >= 0);
      t.ok(valueOf(after, 'process_cpu_seconds_total')! > 0);
      t.ok(valueOf(after, 'nodejs_heap_size_used_bytes')! > 0);
    });

    t.test('domain counters moved by what was committed', async (t) => {
      t.equal(delta('cchc_values_written_total'), 5, '4 created, then 1 changed; the dry run and the unchanged ones are not');
      t.equal(delta('cchc_report_transitions_total', { move: 'submit' }), 1, 'one submission; the refused second one is not counted');
      t.equal(delta('cchc_report_transitions_total', { move: 'accept' }), 0);
      t.equal(valueOf(after, 'cchc_report_transitions_total', { move: 'reopen' }), 0, 'every move has a series from the start');
      t.equal(delta('cchc_rule_findings_total', { severity: 'warning' }), bySeverity('warning'));
      t.equal(delta('cchc_rule_findings_total', { severity: 'blocking' }), bySeverity('blocking'));
      t.same(
        ['created', 'updated', 'unchanged', 'stale', 'rejected'].map((outcome) => delta('cchc_dossier_rows_ingested_total', { outcome })),
        [3, 0, 3, 1, 0],
      );
    });

    t.test('stale roll-up months: the marks before a refresh, 0 after', async (t) => {
      t.equal(valueOf(after, 'cchc_dossier_months_stale'), dirty);
      await api.app.services.dossierRollup.refresh();
      t.equal(valueOf(await scrape(), 'cchc_dossier_months_stale'), 0);
      t.equal(valueOf(after, 'cchc_metrics_collect_failures_total', { metric: 'cchc_dossier_months_stale' }), 0);
    });
  });

  t.test('a submission refused by a blocking rule counts its findings, not a transition', async (t) => {
    // 2024/BQL-KCN now has I.1.2 = 98 done of I.1.1 = 97 planned: R-I1-DONE-LE-PLANNED blocks it.
    const findings = (await request({ method: 'GET', url: '/v1/reports/2024/BQL-KCN/findings', as: 'reader' })).json().findings as Array<{ severity: string }>;
    const bySeverity = (severity: string) => findings.filter((f) => f.severity === severity).length;
    t.ok(bySeverity('blocking') > 0);
    const before = await scrape();
    const refused = await request({ method: 'POST', url: '/v1/reports/2024/BQL-KCN/submit' });
    t.equal(refused.statusCode, 422);
    t.equal(refused.json().code, 'REPORT_BLOCKED');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
    t.equal(delta('cchc_rule_findings_total', { severity: 'blocking' }), bySeverity('blocking'));
    t.equal(delta('cchc_rule_findings_total', { severity: 'warning' }), bySeverity('warning'));
    t.equal(delta('cchc_report_transitions_total', { move: 'submit' }), 0);
  });
});

t.test('a scrape never fails because of the database: the last stale count stands', async (t) => {
  let answer: () => Promise<number> = async () => 3;
  const db = { $count: () => answer() } as unknown as Db;
  const metrics = createMetrics({ db, staleTimeoutMs: 50 });
  const read = async () => {
    const samples = parse(await metrics.registry.metrics());
    return [valueOf(samples, 'cchc_dossier_months_stale'), valueOf(samples, 'cchc_metrics_collect_failures_total', { metric: 'cchc_dossier_months_stale' })];
  };
  t.same(await read(), [3, 0]);
  answer = () => new Promise<number>(() => {});
  const started = Date.now();
  t.same(await read(), [3, 1], 'a count that does not answer in time: the previous one, and a failure');
  t.ok(Date.now() - started < 1_000, 'within the timeout');
  answer = () => Promise.reject(new Error('connection refused'));
  t.same(await read(), [3, 2], 'a count that fails');

  const fresh = createMetrics({ db, staleTimeoutMs: 50 });
  t.match(await fresh.registry.metrics(), /^cchc_dossier_months_stale nan$/im, 'unknown until a count succeeds (prom-client writes NaN as Nan)');
  t.not(fresh.registry, metrics.registry, 'a registry per instance');
});
